import * as React from 'react';

import {
  Box,
  Button,
  Card,
  CardBody,
  CardContent,
  CardHeader,
  Flex,
  Grid,
  Searchbar,
  Table,
  Tbody,
  Td,
  Tr,
  Typography,
} from '@strapi/design-system';
import { GridFour, List } from '@strapi/icons';
import { useFetchClient } from '@strapi/strapi/admin';

import type { FileSort, FilesQueryInput, FileSummary } from '../../../../shared/contracts';
import { usePhotoScoreApi, useLoad } from '../../api/client';
import { AssetModal } from '../../components/AssetModal';
import { HeaderRow } from '../../components/HeaderRow';
import { DateFilter, NumberFilter, SelectFilter } from '../../components/Filters';
import { Pager } from '../../components/Pager';
import { ScoreBadge, StatusBadge } from '../../components/ScoreBadge';
import { Thumbnail } from '../../components/Thumbnail';
import { useReviewDecisions } from '../../components/useReviewDecisions';
import { useCapabilities, useT } from '../../hooks';
import { CLASS_LABELS, QUALITY_CLASSES, STATUSES } from '../../utils/score';

const PAGE_SIZE = 24;
const MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/tiff'];
const SORT_LABELS: Record<FileSort, string> = {
  'date:desc': 'Newest first',
  'date:asc': 'Oldest first',
  'score:asc': 'Score, lowest first',
  'score:desc': 'Score, highest first',
};
/** The contract's sorts, by the labels' keys (its own list would pull zod into the admin bundle). */
const SORTS = Object.keys(SORT_LABELS) as FileSort[];

interface Filters {
  status?: string;
  class?: string;
  minScore?: number;
  maxScore?: number;
  folder?: string;
  mime?: string;
  uploadedAfter?: Date;
  uploadedBefore?: Date;
  search?: string;
  sort: FileSort;
}

/** Midnight UTC of the picked day, and the next midnight for an "up to" day (inclusive). */
const dayStart = (date: Date | undefined, nextDay = false): string | undefined => {
  if (!date) return undefined;
  const utc = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate() + (nextDay ? 1 : 0));
  return new Date(utc).toISOString();
};

export const toFilesQuery = (filters: Filters, page: number): FilesQueryInput => ({
  page,
  pageSize: PAGE_SIZE,
  sort: filters.sort,
  ...(filters.status ? { status: filters.status } : {}),
  ...(filters.class ? { class: filters.class } : {}),
  ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
  ...(filters.maxScore !== undefined ? { maxScore: filters.maxScore } : {}),
  ...(filters.folder ? { folder: filters.folder } : {}),
  ...(filters.mime ? { mime: filters.mime } : {}),
  ...(filters.uploadedAfter ? { uploadedAfter: dayStart(filters.uploadedAfter) } : {}),
  ...(filters.uploadedBefore ? { uploadedBefore: dayStart(filters.uploadedBefore, true) } : {}),
  ...(filters.search ? { search: filters.search } : {}),
});

interface Folder {
  id: number;
  name: string;
  path: string;
}

/** The Media Library's folders (its own admin route), for the folder filter. */
const useFolders = (): Folder[] => {
  const { get } = useFetchClient();
  const [folders, setFolders] = React.useState<Folder[]>([]);
  React.useEffect(() => {
    get<{ data: Folder[] }>('/upload/folders')
      .then(({ data }) => setFolders(Array.isArray(data.data) ? data.data : []))
      .catch(() => setFolders([]));
  }, [get]);
  return folders;
};

const ViewSwitch = ({ view, onChange }: { view: 'grid' | 'table'; onChange: (view: 'grid' | 'table') => void }) => {
  const t = useT();
  return (
    <Flex gap={1} role="group" aria-label={t('library.view', 'View')}>
      <Button
        size="S"
        variant={view === 'grid' ? 'secondary' : 'tertiary'}
        startIcon={<GridFour />}
        aria-pressed={view === 'grid'}
        onClick={() => onChange('grid')}
      >
        {t('library.view.grid', 'Grid')}
      </Button>
      <Button
        size="S"
        variant={view === 'table' ? 'secondary' : 'tertiary'}
        startIcon={<List />}
        aria-pressed={view === 'table'}
        onClick={() => onChange('table')}
      >
        {t('library.view.table', 'Table')}
      </Button>
    </Flex>
  );
};

/** What pulls the score down; for a file held back by a threshold or a check, why it was. */
export const fileReasons = (file: FileSummary): string | null => {
  const reasons = Object.values(file.reasons);
  if (reasons.length > 0) return reasons.join('; ');
  return file.status === 'scored' ? null : file.reason;
};

const FileCard = ({ file, onOpen }: { file: FileSummary; onOpen: () => void }) => {
  const t = useT();
  return (
    <Card style={{ height: '100%' }}>
      <CardHeader>
        <button
          type="button"
          onClick={onOpen}
          aria-label={t('files.open', 'Open {name}', { name: file.name })}
          style={{ all: 'unset', cursor: 'pointer', width: '100%' }}
        >
          <Thumbnail url={file.thumbnailUrl} alt={file.name} size="100%" />
        </button>
      </CardHeader>
      <CardBody>
        <CardContent style={{ minWidth: 0, width: '100%' }}>
          <Flex direction="column" alignItems="stretch" gap={1}>
            <Typography variant="omega" fontWeight="semiBold" ellipsis title={file.name}>
              {file.name}
            </Typography>
            <Flex gap={1} wrap="wrap">
              <ScoreBadge score={file.score} />
              <StatusBadge status={file.status} />
              {file.content ? (
                <Typography variant="pi" textColor="neutral600">
                  {file.content}
                </Typography>
              ) : null}
            </Flex>
            <Typography variant="pi" textColor="neutral600" ellipsis title={fileReasons(file) ?? ''}>
              {fileReasons(file) ?? (file.decidedBy.length > 0 ? `by ${file.decidedBy.join(', ')}` : '\u00a0')}
            </Typography>
          </Flex>
        </CardContent>
      </CardBody>
    </Card>
  );
};

export const FilesTable = ({
  files,
  onOpen,
  selection,
}: {
  files: FileSummary[];
  onOpen: (id: number) => void;
  /** Checkboxes and the focused row, for the review queue. */
  selection?: {
    header: React.ReactNode;
    cell: (file: FileSummary) => React.ReactNode;
    actions: (file: FileSummary) => React.ReactNode;
    focused: number | null;
  };
}) => {
  const t = useT();
  const columns = 8 + (selection ? 2 : 0);
  return (
    <Table colCount={columns} rowCount={files.length + 1}>
      <HeaderRow
        leading={selection?.header}
        labels={[
          t('files.preview', 'Preview'),
          t('files.name', 'Name'),
          t('files.score', 'Score'),
          t('files.status', 'Status'),
          t('files.content', 'Content'),
          t('files.decidedBy', 'Scorer'),
          t('files.reasons', 'Reasons'),
          t('files.uploaded', 'Uploaded'),
          ...(selection ? [t('files.actions', 'Actions')] : []),
        ]}
      />
      <Tbody>
        {files.map((file) => (
          <Tr
            key={file.id}
            data-file-id={file.id}
            aria-selected={selection?.focused === file.id ? true : undefined}
            style={selection?.focused === file.id ? { outline: '2px solid #4945ff', outlineOffset: -2 } : undefined}
          >
            {selection ? <Td>{selection.cell(file)}</Td> : null}
            <Td>
              <button
                type="button"
                onClick={() => onOpen(file.id)}
                aria-label={t('files.open', 'Open {name}', { name: file.name })}
                style={{ all: 'unset', cursor: 'pointer' }}
              >
                <Thumbnail url={file.thumbnailUrl} alt={file.name} size={48} />
              </button>
            </Td>
            <Td style={{ maxWidth: '22rem' }}>
              <Typography ellipsis title={file.name}>
                {file.name}
              </Typography>
            </Td>
            <Td>
              <ScoreBadge score={file.score} />
            </Td>
            <Td>
              <StatusBadge status={file.status} />
            </Td>
            <Td>
              <Typography>{file.content ?? '–'}</Typography>
            </Td>
            <Td>
              <Typography>{file.decidedBy.join(', ') || '–'}</Typography>
            </Td>
            <Td style={{ maxWidth: '36rem', whiteSpace: 'normal' }}>
              <Typography variant="pi" textColor="neutral700">
                {fileReasons(file) ?? '–'}
              </Typography>
            </Td>
            <Td>
              <Typography variant="pi">{new Date(file.createdAt).toLocaleDateString()}</Typography>
            </Td>
            {selection ? <Td>{selection.actions(file)}</Td> : null}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
};

export const LibraryTab = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const folders = useFolders();
  const [filters, setFilters] = React.useState<Filters>({ sort: 'date:desc' });
  const [search, setSearch] = React.useState('');
  const [page, setPage] = React.useState(1);
  const [view, setView] = React.useState<'grid' | 'table'>('grid');
  const [openFile, setOpenFile] = React.useState<number | null>(null);
  const [version, setVersion] = React.useState(0);
  const query = toFilesQuery(filters, page);
  const { data, error, loading } = useLoad(() => api.files(query), [api, JSON.stringify(query), version]);
  const can = useCapabilities();
  const onDecided = React.useCallback(({ deleted }: { deleted: number[] }) => {
    setVersion((value) => value + 1);
    setOpenFile((open) => (open !== null && deleted.includes(open) ? null : open));
  }, []);
  const review = useReviewDecisions({ onDecided });

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => {
    setFilters((previous) => ({ ...previous, [key]: value }));
    setPage(1);
  };
  const any = t('filters.any', 'Any');

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Box background="neutral0" padding={4} shadow="filterShadow" hasRadius>
        <Flex direction="column" alignItems="stretch" gap={3}>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <Box style={{ flex: '1 1 24rem' }}>
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  set('search', search.trim() || undefined);
                }}
              >
                <Searchbar
                  name="search"
                  size="S"
                  value={search}
                  onChange={(event: React.ChangeEvent<HTMLInputElement>) => setSearch(event.target.value)}
                  onClear={() => {
                    setSearch('');
                    set('search', undefined);
                  }}
                  clearLabel={t('filters.clear', 'Clear')}
                  placeholder={t('filters.search', 'Search by file name')}
                >
                  {t('filters.search', 'Search by file name')}
                </Searchbar>
              </form>
            </Box>
            <SelectFilter
              label={t('filters.sort', 'Sort')}
              value={filters.sort}
              options={SORTS.map((sort) => ({ value: sort, label: SORT_LABELS[sort] }))}
              onChange={(value) => set('sort', SORTS.find((sort) => sort === value) ?? 'date:desc')}
            />
            <ViewSwitch view={view} onChange={setView} />
          </Flex>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <SelectFilter
              label={t('filters.status', 'Status')}
              value={filters.status}
              anyLabel={any}
              width="14rem"
              options={STATUSES.map((status) => ({ value: status, label: status }))}
              onChange={(value) => set('status', value)}
            />
            <SelectFilter
              label={t('filters.class', 'Class')}
              value={filters.class}
              anyLabel={any}
              width="14rem"
              options={QUALITY_CLASSES.map((cls) => ({ value: String(cls), label: `${cls}: ${CLASS_LABELS[cls]}` }))}
              onChange={(value) => set('class', value)}
            />
            <NumberFilter
              label={t('filters.minScore', 'Score from')}
              value={filters.minScore}
              onChange={(value) => set('minScore', value)}
            />
            <NumberFilter
              label={t('filters.maxScore', 'Score up to')}
              value={filters.maxScore}
              onChange={(value) => set('maxScore', value)}
            />
            <SelectFilter
              label={t('filters.folder', 'Folder')}
              value={filters.folder}
              anyLabel={t('filters.folder.any', 'All folders')}
              width="16rem"
              options={folders.map((folder) => ({ value: String(folder.id), label: folder.name }))}
              onChange={(value) => set('folder', value)}
            />
            <SelectFilter
              label={t('filters.mime', 'Type')}
              value={filters.mime}
              anyLabel={any}
              width="14rem"
              options={MIME_TYPES.map((mime) => ({ value: mime, label: mime }))}
              onChange={(value) => set('mime', value)}
            />
            <DateFilter
              label={t('filters.uploadedAfter', 'Uploaded from')}
              value={filters.uploadedAfter}
              onChange={(value) => set('uploadedAfter', value)}
              clearLabel={t('filters.clear', 'Clear')}
            />
            <DateFilter
              label={t('filters.uploadedBefore', 'Uploaded up to')}
              value={filters.uploadedBefore}
              onChange={(value) => set('uploadedBefore', value)}
              clearLabel={t('filters.clear', 'Clear')}
            />
          </Flex>
        </Flex>
      </Box>

      {error ? (
        <Typography textColor="danger700" role="alert">
          {error}
        </Typography>
      ) : null}

      {data && data.data.length === 0 ? (
        <Box background="neutral0" padding={8} shadow="filterShadow" hasRadius>
          <Typography variant="omega" textColor="neutral600">
            {t(
              'library.empty',
              'No image matches these filters. Images uploaded to the Media Library appear here with their scores.',
            )}
          </Typography>
        </Box>
      ) : null}

      {data && data.data.length > 0 ? (
        view === 'grid' ? (
          <Grid.Root gap={4} aria-busy={loading}>
            {data.data.map((file) => (
              <Grid.Item key={file.id} col={2} m={3} s={6} xs={12} direction="column" alignItems="stretch">
                <FileCard file={file} onOpen={() => setOpenFile(file.id)} />
              </Grid.Item>
            ))}
          </Grid.Root>
        ) : (
          <FilesTable files={data.data} onOpen={setOpenFile} />
        )
      ) : null}

      {data ? <Pager pagination={data.pagination} onPage={setPage} t={t} /> : null}
      <AssetModal
        fileId={openFile}
        version={version}
        onClose={() => setOpenFile(null)}
        onDecide={can.canReview ? (id, decision) => void review.decide([id], decision) : undefined}
      />
      {can.canReview ? review.confirmDialog : null}
    </Flex>
  );
};
