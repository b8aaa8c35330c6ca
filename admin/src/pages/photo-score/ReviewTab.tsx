import * as React from 'react';

import { Box, Button, Checkbox, Flex, Tabs, Typography } from '@strapi/design-system';
import { Check, Cross, WarningCircle } from '@strapi/icons';

import type { FileSummary, ReviewCounts } from '../../../../shared/contracts';
import { usePhotoScoreApi, useLoad } from '../../api/client';
import { AssetModal } from '../../components/AssetModal';
import { Pager } from '../../components/Pager';
import { useReviewDecisions } from '../../components/useReviewDecisions';
import { useT } from '../../hooks';
import { FilesTable } from './LibraryTab';

const QUEUES = ['flagged', 'pending', 'rejected'] as const;
type Queue = (typeof QUEUES)[number];

const QUEUE_LABELS: Record<Queue, [id: string, label: string]> = {
  flagged: ['review.queue.flagged', 'Flagged'],
  pending: ['review.queue.pending', 'Pending'],
  rejected: ['review.queue.rejected', 'Rejected'],
};

const SHORTCUTS: Array<[keys: string, id: string, description: string]> = [
  ['j / k', 'review.shortcut.move', 'next / previous image'],
  ['x', 'review.shortcut.select', 'select the image'],
  ['a', 'review.shortcut.approve', 'approve the selection, or the image'],
  ['r', 'review.shortcut.reject', 'reject the selection, or the image'],
  ['o', 'review.shortcut.open', 'open the image'],
];

/** True when a key press is meant for a field, not for the queue's shortcuts. */
const typingIn = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) ||
    target.closest('[role="dialog"]') !== null);

export const ReviewTab = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const [queue, setQueue] = React.useState<Queue>('flagged');
  const [page, setPage] = React.useState(1);
  const [version, setVersion] = React.useState(0);
  const [selected, setSelected] = React.useState<Set<number>>(new Set());
  const [focused, setFocused] = React.useState<number | null>(null);
  const [openFile, setOpenFile] = React.useState<number | null>(null);

  const counts = useLoad(() => api.reviewCounts(), [api, version]);
  const files = useLoad(
    () => api.files({ status: queue, sort: 'score:asc', page, pageSize: 25 }),
    [api, queue, page, version],
  );
  const rows: FileSummary[] = files.data?.data ?? [];
  const countsData = counts.data as (ReviewCounts & { rejectAction?: 'mark' | 'delete' }) | undefined;
  const onDecided = React.useCallback(({ deleted }: { deleted: number[] }) => {
    setSelected(new Set());
    setVersion((value) => value + 1);
    setOpenFile((open) => (open !== null && deleted.includes(open) ? null : open));
  }, []);
  const { decide, busy, rejectAction, confirmDialog } = useReviewDecisions({
    rejectActionHint: countsData?.rejectAction,
    onDecided,
  });

  React.useEffect(() => {
    setSelected(new Set());
    setFocused(null);
  }, [queue, page]);
  React.useEffect(() => {
    if (rows.length > 0 && (focused === null || !rows.some((row) => row.id === focused))) setFocused(rows[0].id);
  }, [rows, focused]);

  const toggle = (id: number) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  React.useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || typingIn(event.target) || openFile !== null) return;
      const index = rows.findIndex((row) => row.id === focused);
      const target = selected.size > 0 ? [...selected] : focused !== null ? [focused] : [];
      switch (event.key) {
        case 'j':
          if (rows.length > 0) setFocused(rows[Math.min(rows.length - 1, index + 1)].id);
          break;
        case 'k':
          if (rows.length > 0) setFocused(rows[Math.max(0, index - 1)].id);
          break;
        case 'x':
          if (focused !== null) toggle(focused);
          break;
        case 'a':
          void decide(target, 'approve');
          break;
        case 'r':
          void decide(target, 'reject');
          break;
        case 'o':
        case 'Enter':
          if (focused !== null) setOpenFile(focused);
          break;
        default:
          return;
      }
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, focused, selected, decide, openFile]);

  const allSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  const someSelected = rows.some((row) => selected.has(row.id));

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Tabs.Root
        value={queue}
        onValueChange={(value) => {
          setQueue(value as Queue);
          setPage(1);
        }}
      >
        <Tabs.List aria-label={t('review.queues', 'Review queues')}>
          {QUEUES.map((name) => (
            <Tabs.Trigger key={name} value={name}>
              {`${t(...QUEUE_LABELS[name])} (${countsData?.[name] ?? '…'})`}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
      </Tabs.Root>

      <Flex justifyContent="space-between" alignItems="center" gap={4} wrap="wrap">
        <Flex gap={2} alignItems="center">
          <Typography variant="omega" textColor="neutral700">
            {t(
              'review.selected',
              '{count, plural, =0 {No image selected} one {# image selected} other {# images selected}}',
              {
                count: selected.size,
              },
            )}
          </Typography>
          <Button
            size="S"
            variant="success"
            startIcon={<Check />}
            disabled={selected.size === 0 || busy}
            onClick={() => void decide([...selected], 'approve')}
          >
            {t('review.approveSelected', 'Approve selected')}
          </Button>
          <Button
            size="S"
            variant="danger-light"
            startIcon={<Cross />}
            disabled={selected.size === 0 || busy}
            onClick={() => void decide([...selected], 'reject')}
          >
            {t('review.rejectSelected', 'Reject selected')}
          </Button>
        </Flex>
        <Box tag="aside" aria-label={t('review.shortcuts', 'Keyboard shortcuts')}>
          <Flex gap={3} wrap="wrap">
            {SHORTCUTS.map(([keys, id, description]) => (
              <Typography key={keys} variant="pi" textColor="neutral600">
                <kbd
                  style={{
                    fontFamily: 'monospace',
                    fontWeight: 700,
                    padding: '0 4px',
                    border: '1px solid #dcdce4',
                    borderRadius: 4,
                  }}
                >
                  {keys}
                </kbd>{' '}
                {t(id, description)}
              </Typography>
            ))}
          </Flex>
        </Box>
      </Flex>

      {rejectAction === 'delete' ? (
        <Box background="danger100" borderColor="danger200" padding={3} hasRadius>
          <Flex gap={2}>
            <WarningCircle fill="danger600" aria-hidden />
            <Typography variant="pi" textColor="danger700">
              {t(
                'review.deleteWarning',
                'Rejecting deletes the file and its formats from the Media Library (setting "What reject does").',
              )}
            </Typography>
          </Flex>
        </Box>
      ) : null}

      {files.error ? <Typography textColor="danger700">{files.error}</Typography> : null}
      {files.data && rows.length === 0 ? (
        <Box background="neutral0" padding={8} shadow="filterShadow" hasRadius>
          <Typography variant="omega" textColor="neutral600">
            {t('review.empty', 'Nothing waits here: no image has this status.')}
          </Typography>
        </Box>
      ) : null}
      {rows.length > 0 ? (
        <FilesTable
          files={rows}
          onOpen={setOpenFile}
          selection={{
            focused,
            header: (
              <Checkbox
                aria-label={t('review.selectAll', 'Select every image of this page')}
                checked={allSelected ? true : someSelected ? 'indeterminate' : false}
                onCheckedChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((row) => row.id)))}
              />
            ),
            cell: (file) => (
              <Checkbox
                aria-label={t('review.select', 'Select {name}', { name: file.name })}
                checked={selected.has(file.id)}
                onCheckedChange={() => toggle(file.id)}
              />
            ),
            actions: (file) => (
              <Flex gap={1}>
                <Button
                  size="S"
                  variant="success-light"
                  aria-label={t('review.approveOne', 'Approve {name}', { name: file.name })}
                  disabled={busy}
                  onClick={() => void decide([file.id], 'approve')}
                >
                  {t('review.approve', 'Approve')}
                </Button>
                {file.status !== 'rejected' ? (
                  <Button
                    size="S"
                    variant="danger-light"
                    aria-label={t('review.rejectOne', 'Reject {name}', { name: file.name })}
                    disabled={busy}
                    onClick={() => void decide([file.id], 'reject')}
                  >
                    {t('review.reject', 'Reject')}
                  </Button>
                ) : null}
              </Flex>
            ),
          }}
        />
      ) : null}
      {files.data ? <Pager pagination={files.data.pagination} onPage={setPage} t={t} /> : null}

      <AssetModal
        fileId={openFile}
        version={version}
        onClose={() => setOpenFile(null)}
        onDecide={(id, decision) => void decide([id], decision)}
      />

      {confirmDialog}
    </Flex>
  );
};
