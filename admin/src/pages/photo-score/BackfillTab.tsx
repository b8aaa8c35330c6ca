import * as React from 'react';

import { Badge, Box, Button, Flex, Table, Tbody, Td, Tr, Typography } from '@strapi/design-system';
import { Cross, Play, Search, Stop } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';

import type {
  BackfillEstimate,
  BackfillProgress,
  BackfillSelectionInput as BackfillSelection,
} from '../../../../shared/contracts';
import { errorMessage, usePhotoScoreApi, useLoad } from '../../api/client';
import { DateFilter, SelectFilter } from '../../components/Filters';
import { HeaderRow } from '../../components/HeaderRow';
import { useT } from '../../hooks';

const POLL_MS = 1500;
const SCOPES: Array<{ value: NonNullable<BackfillSelection['scope']>; label: string }> = [
  { value: 'unscored', label: 'Never scored' },
  { value: 'outdated', label: 'Scored by an older model' },
  { value: 'all', label: 'Every image (score again)' },
];
const MIMES = ['image/', 'image/jpeg', 'image/png', 'image/webp', 'image/heic'];

const STATE_VARIANTS = { running: 'primary', paused: 'warning', cancelled: 'neutral', done: 'success' } as const;

/** "1 h 04 min", "3 min", "45 s". */
export const formatDuration = (seconds: number): string => {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
};

const describeSelection = (selection: BackfillSelection): string =>
  [
    selection.scope ?? 'unscored',
    selection.folder ? `folder ${selection.folder}` : null,
    selection.mime ?? null,
    selection.uploadedAfter ? `from ${selection.uploadedAfter.slice(0, 10)}` : null,
    selection.uploadedBefore ? `before ${selection.uploadedBefore.slice(0, 10)}` : null,
    selection.status?.length ? selection.status.join('/') : null,
  ]
    .filter(Boolean)
    .join(', ');

const Progress = ({
  run,
  onAction,
  busy,
}: {
  run: BackfillProgress;
  onAction: (action: 'pause' | 'resume' | 'cancel') => void;
  busy: boolean;
}) => {
  const t = useT();
  const finished = run.done + run.failed + run.skipped + run.cancelled;
  const percent = run.total > 0 ? Math.round((finished / run.total) * 100) : 100;
  return (
    <Flex direction="column" alignItems="stretch" gap={3} data-testid="backfill-progress">
      <Flex justifyContent="space-between" alignItems="center">
        <Flex gap={2} alignItems="center">
          <Typography variant="delta" tag="h2">
            {t('backfill.run', 'Backfill #{id}', { id: run.id })}
          </Typography>
          <Badge variant={STATE_VARIANTS[run.state]}>{run.state}</Badge>
        </Flex>
        <Flex gap={2}>
          {run.state === 'running' ? (
            <Button variant="secondary" startIcon={<Stop />} disabled={busy} onClick={() => onAction('pause')}>
              {t('backfill.pause', 'Pause')}
            </Button>
          ) : null}
          {run.state === 'paused' ? (
            <Button variant="secondary" startIcon={<Play />} disabled={busy} onClick={() => onAction('resume')}>
              {t('backfill.resume', 'Resume')}
            </Button>
          ) : null}
          {run.state === 'running' || run.state === 'paused' ? (
            <Button variant="danger-light" startIcon={<Cross />} disabled={busy} onClick={() => onAction('cancel')}>
              {t('backfill.cancel', 'Cancel')}
            </Button>
          ) : null}
        </Flex>
      </Flex>
      <Box
        background="neutral150"
        hasRadius
        height="1rem"
        role="progressbar"
        aria-label={t('backfill.progress', 'Progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <Box
          background={run.state === 'cancelled' ? 'neutral500' : 'primary600'}
          hasRadius
          height="100%"
          style={{ width: `${percent}%` }}
        />
      </Box>
      <Typography variant="omega" data-testid="backfill-counts">
        {t(
          'backfill.counts',
          '{finished} of {total} files ({percent} %): {done} scored, {failed} failed, {skipped} skipped, {remaining} to go',
          {
            finished,
            total: run.total,
            percent,
            done: run.done,
            failed: run.failed,
            skipped: run.skipped,
            remaining: run.remaining,
          },
        )}
      </Typography>
      <Typography variant="pi" textColor="neutral600">
        {[
          t('backfill.rate', '{rate} files a minute', { rate: Math.round(run.perMinute) }),
          run.etaSeconds !== null && run.state === 'running'
            ? t('backfill.eta', 'about {eta} left', { eta: formatDuration(run.etaSeconds) })
            : null,
          t('backfill.selection', 'selection: {selection}', { selection: describeSelection(run.selection) }),
          run.startedBy ? t('backfill.startedBy', 'started by {who}', { who: run.startedBy }) : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Typography>
      {run.failures.length > 0 ? (
        <Box background="danger100" padding={3} hasRadius>
          <Flex direction="column" alignItems="stretch" gap={1}>
            {run.failures.map((failure) => (
              <Typography key={failure.file} variant="pi" textColor="danger700">
                {t('backfill.failure', 'File {file}: {reason}', {
                  file: failure.file,
                  reason: failure.reason ?? 'failed',
                })}
              </Typography>
            ))}
          </Flex>
        </Box>
      ) : null}
    </Flex>
  );
};

export const BackfillTab = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const { toggleNotification } = useNotification();
  const [selection, setSelection] = React.useState<BackfillSelection>({ scope: 'unscored' });
  const [after, setAfter] = React.useState<Date | undefined>();
  const [before, setBefore] = React.useState<Date | undefined>();
  const [estimate, setEstimate] = React.useState<BackfillEstimate | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [version, setVersion] = React.useState(0);
  const runs = useLoad(() => api.backfills(), [api, version]);
  const latest = runs.data?.[0];
  const active = latest && (latest.state === 'running' || latest.state === 'paused') ? latest : undefined;

  // Follow a running backfill: its progress, once and a half a second.
  React.useEffect(() => {
    if (latest?.state !== 'running') return;
    const timer = setTimeout(() => setVersion((value) => value + 1), POLL_MS);
    return () => clearTimeout(timer);
  }, [latest]);

  const fullSelection = (): BackfillSelection => ({
    ...selection,
    ...(after
      ? { uploadedAfter: new Date(Date.UTC(after.getFullYear(), after.getMonth(), after.getDate())).toISOString() }
      : {}),
    ...(before
      ? {
          uploadedBefore: new Date(
            Date.UTC(before.getFullYear(), before.getMonth(), before.getDate() + 1),
          ).toISOString(),
        }
      : {}),
  });

  const run = async (what: () => Promise<unknown>, failure: string) => {
    setBusy(true);
    try {
      await what();
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error, failure) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex direction="column" alignItems="stretch" gap={6}>
      {latest ? (
        <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
          <Progress
            run={latest}
            busy={busy}
            onAction={(action) =>
              void run(
                async () => {
                  await api.backfillAction(latest.id, action);
                  setVersion((value) => value + 1);
                },
                t('backfill.actionError', 'The backfill could not be changed.'),
              )
            }
          />
        </Box>
      ) : null}

      <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Typography variant="delta" tag="h2">
            {t('backfill.new', 'Score the images already stored')}
          </Typography>
          <Typography variant="omega" textColor="neutral600">
            {t(
              'backfill.explain',
              'A backfill scores stored images through the same pipeline as an upload, in the background; it survives restarts. Estimate first: it says how many files, and what each paid vendor would be asked.',
            )}
          </Typography>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <SelectFilter
              label={t('backfill.scope', 'Which images')}
              value={selection.scope}
              anyLabel={SCOPES[0].label}
              options={SCOPES.slice(1)}
              width="24rem"
              onChange={(value) =>
                setSelection((previous) => ({
                  ...previous,
                  scope: (value as BackfillSelection['scope']) ?? 'unscored',
                }))
              }
            />
            <SelectFilter
              label={t('backfill.mime', 'Type')}
              value={selection.mime}
              anyLabel={t('filters.any', 'Any')}
              options={MIMES.map((mime) => ({ value: mime, label: mime === 'image/' ? 'every image type' : mime }))}
              onChange={(value) => setSelection((previous) => ({ ...previous, mime: value }))}
            />
            <DateFilter
              label={t('filters.uploadedAfter', 'Uploaded from')}
              value={after}
              onChange={setAfter}
              clearLabel={t('filters.clear', 'Clear')}
            />
            <DateFilter
              label={t('filters.uploadedBefore', 'Uploaded up to')}
              value={before}
              onChange={setBefore}
              clearLabel={t('filters.clear', 'Clear')}
            />
          </Flex>
          <Flex gap={2}>
            <Button
              variant="secondary"
              startIcon={<Search />}
              disabled={busy}
              onClick={() =>
                void run(
                  async () => setEstimate(await api.backfillEstimate(fullSelection())),
                  t('backfill.estimateError', 'The estimate failed.'),
                )
              }
            >
              {t('backfill.estimate', 'Estimate')}
            </Button>
            <Button
              startIcon={<Play />}
              disabled={busy || active !== undefined}
              onClick={() =>
                void run(
                  async () => {
                    await api.backfillStart(fullSelection());
                    setEstimate(null);
                    setVersion((value) => value + 1);
                  },
                  t('backfill.startError', 'The backfill could not start.'),
                )
              }
            >
              {t('backfill.start', 'Start backfill')}
            </Button>
          </Flex>
          {active ? (
            <Typography variant="pi" textColor="neutral600">
              {t('backfill.oneAtATime', 'One backfill runs at a time: finish or cancel #{id} first.', {
                id: active.id,
              })}
            </Typography>
          ) : null}
          {estimate ? (
            <Box background="primary100" padding={4} hasRadius>
              <Typography variant="omega" textColor="primary700" data-testid="backfill-estimate">
                {t('backfill.estimated', '{files, plural, =0 {No file} one {# file} other {# files}} would be scored', {
                  files: estimate.files,
                })}
                {estimate.vendors.length > 0
                  ? `: ${estimate.vendors.map((vendor) => `${vendor.vendor} ${vendor.requests} requests`).join(', ')}`
                  : t('backfill.offline', ', by the embedded scorer only (no paid request).')}
              </Typography>
            </Box>
          ) : null}
        </Flex>
      </Box>

      {runs.data && runs.data.length > 1 ? (
        <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
          <Flex direction="column" alignItems="stretch" gap={3}>
            <Typography variant="delta" tag="h2">
              {t('backfill.history', 'Earlier backfills')}
            </Typography>
            <Table colCount={5} rowCount={runs.data.length}>
              <HeaderRow
                labels={[
                  '#',
                  t('backfill.state', 'State'),
                  t('backfill.started', 'Started'),
                  t('backfill.files', 'Files'),
                  t('backfill.selectionHead', 'Selection'),
                ]}
              />
              <Tbody>
                {runs.data.slice(1).map((past) => (
                  <Tr key={past.id}>
                    <Td>
                      <Typography>{past.id}</Typography>
                    </Td>
                    <Td>
                      <Badge variant={STATE_VARIANTS[past.state]}>{past.state}</Badge>
                    </Td>
                    <Td>
                      <Typography>{new Date(past.startedAt).toLocaleString()}</Typography>
                    </Td>
                    <Td>
                      <Typography>{`${past.done} / ${past.total}${past.failed ? `, ${past.failed} failed` : ''}`}</Typography>
                    </Td>
                    <Td>
                      <Typography>{describeSelection(past.selection)}</Typography>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </Flex>
        </Box>
      ) : null}
    </Flex>
  );
};
