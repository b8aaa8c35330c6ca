import * as React from 'react';

import { Box, Flex, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import type { PanelComponent } from '@strapi/content-manager/strapi-admin';
import { unstable_useContentManagerContext, useForm } from '@strapi/strapi/admin';

import type { FileSummary } from '../../../shared/contracts';
import { usePhotoScoreApi, useLoad } from '../api/client';
import { ScoreBadge, StatusBadge } from '../components/ScoreBadge';
import { Thumbnail } from '../components/Thumbnail';
import { useCapabilities, useT } from '../hooks';

/** Below this an image is "low-scoring" in the panel when no flag threshold says otherwise. */
const LOW_SCORE = 40;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A media value as the edit view holds it: an object with an id, a URL and a MIME type. */
const isImageFile = (value: Record<string, unknown>): value is { id: number; mime: string } =>
  typeof value.id === 'number' &&
  typeof value.url === 'string' &&
  typeof value.mime === 'string' &&
  value.mime.startsWith('image/');

/** The ids of every image in an entry's values, in components and dynamic zones too. */
export const imageIdsIn = (value: unknown, found = new Set<number>(), depth = 0): Set<number> => {
  if (depth > 8) return found;
  if (Array.isArray(value)) {
    for (const item of value) imageIdsIn(item, found, depth + 1);
  } else if (isRecord(value)) {
    if (isImageFile(value)) found.add(value.id);
    else for (const item of Object.values(value)) imageIdsIn(item, found, depth + 1);
  }
  return found;
};

type Attributes = Record<string, { type?: string; component?: string; components?: string[] }>;

/** Whether a schema has a media field, directly or in its components and dynamic zones. */
export const hasMediaField = (
  attributes: Attributes | undefined,
  components: Record<string, { attributes?: Attributes }>,
  seen = new Set<string>(),
): boolean =>
  Object.values(attributes ?? {}).some((attribute) => {
    if (attribute.type === 'media') return true;
    const uids =
      attribute.type === 'component' && attribute.component
        ? [attribute.component]
        : attribute.type === 'dynamiczone'
          ? (attribute.components ?? [])
          : [];
    return uids.some((uid) => {
      if (seen.has(uid)) return false;
      seen.add(uid);
      return hasMediaField(components[uid]?.attributes, components, seen);
    });
  });

const needsAttention = (file: FileSummary): boolean =>
  file.status === 'flagged' || file.status === 'rejected' || (file.score !== null && file.score < LOW_SCORE);

const PanelContent = ({ ids }: { ids: number[] }) => {
  const t = useT();
  const api = usePhotoScoreApi();
  const { data, error } = useLoad(
    () =>
      ids.length === 0 ? Promise.resolve([]) : api.files({ ids, pageSize: 100, sort: 'score:asc' }).then((r) => r.data),
    [api, ids.join(',')],
  );
  if (ids.length === 0) {
    return (
      <Typography variant="pi" textColor="neutral600">
        {t('panel.none', 'This entry has no image yet.')}
      </Typography>
    );
  }
  if (error)
    return (
      <Typography variant="pi" textColor="danger700">
        {error}
      </Typography>
    );
  if (!data) return <Typography variant="pi">{t('panel.loading', 'Loading scores…')}</Typography>;
  const attention = data.filter(needsAttention);

  return (
    <Flex direction="column" alignItems="stretch" gap={3} width="100%" data-testid="photo-score-panel">
      {attention.length > 0 ? (
        <Box background="warning100" borderColor="warning200" padding={3} hasRadius>
          <Flex gap={2} alignItems="flex-start">
            <WarningCircle fill="warning600" aria-hidden />
            <Typography variant="pi" textColor="warning700">
              {t(
                'panel.warning',
                '{count, plural, one {# image needs} other {# images need}} a look: flagged, rejected or scored below {low}.',
                {
                  count: attention.length,
                  low: LOW_SCORE,
                },
              )}
            </Typography>
          </Flex>
        </Box>
      ) : (
        <Typography variant="pi" textColor="success700">
          {t('panel.ok', 'Every image of this entry passes.')}
        </Typography>
      )}
      <Flex tag="ul" direction="column" alignItems="stretch" gap={2} style={{ listStyle: 'none' }}>
        {data.map((file) => (
          <Flex key={file.id} tag="li" gap={2} alignItems="center">
            <Thumbnail url={file.thumbnailUrl} alt={file.name} size={40} />
            <Flex direction="column" alignItems="flex-start" gap={1} style={{ minWidth: 0, flex: 1 }}>
              <Typography variant="pi" fontWeight="semiBold" ellipsis title={file.name} style={{ maxWidth: '100%' }}>
                {file.name}
              </Typography>
              <Flex gap={1}>
                <ScoreBadge score={file.score} />
                {file.status !== 'scored' ? <StatusBadge status={file.status} /> : null}
              </Flex>
              {needsAttention(file) && (Object.values(file.reasons)[0] ?? file.reason) ? (
                <Typography variant="pi" textColor="neutral600" ellipsis style={{ maxWidth: '100%' }}>
                  {Object.values(file.reasons)[0] ?? file.reason}
                </Typography>
              ) : null}
            </Flex>
          </Flex>
        ))}
      </Flex>
    </Flex>
  );
};

/**
 * The Content Manager's edit view side panel: the entry's images with their score badges, and a
 * warning for the flagged or low-scoring ones. Reads the form's current values, so an image just
 * picked shows at once; hidden from roles that may not read scores.
 */
export const EntryImagesPanel: PanelComponent = ({ document }) => {
  const t = useT();
  const can = useCapabilities();
  const { contentType, components } = unstable_useContentManagerContext();
  const values = useForm('PhotoScoreEntryImagesPanel', (state) => state.values, false);
  const ids = React.useMemo(() => [...imageIdsIn(values ?? document ?? {})].sort((a, b) => a - b), [values, document]);
  if (can.isLoading || !can.canRead) return null;
  if (
    !hasMediaField(
      contentType?.attributes as Attributes | undefined,
      components as Record<string, { attributes?: Attributes }>,
    )
  )
    return null;
  return {
    title: t('panel.title', 'Photo Score'),
    content: <PanelContent ids={ids} />,
  };
};
