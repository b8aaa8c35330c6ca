import * as React from 'react';

import { Box, Button, Flex, Grid, Table, Tbody, Td, Tr, Typography } from '@strapi/design-system';
import { ArrowClockwise, Check } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';

import type { ApplyResult, LineSamples, PreviewSample, Thresholds } from '../../../../shared/contracts';
import { errorMessage, usePhotoScoreApi, useLoad } from '../../api/client';
import { NumberFilter } from '../../components/Filters';
import { HeaderRow } from '../../components/HeaderRow';
import { Histogram } from '../../components/Histogram';
import { ScoreBadge } from '../../components/ScoreBadge';
import { Thumbnail } from '../../components/Thumbnail';
import { useCapabilities, useT } from '../../hooks';
import { CLASS_LABELS, formatShare } from '../../utils/score';

const BINS = 50;

/** A threshold as a slider and a number field together; empty = off. */
const ThresholdControl = ({
  label,
  value,
  onChange,
  tone,
}: {
  label: string;
  value: number | null;
  onChange: (value: number | null) => void;
  tone: string;
}) => (
  <Flex gap={4} alignItems="flex-end">
    <NumberFilter label={label} value={value ?? undefined} onChange={(next) => onChange(next ?? null)} width="16rem" />
    <input
      type="range"
      min={0}
      max={100}
      step={1}
      value={value ?? 0}
      aria-label={`${label} (slider)`}
      onChange={(event) => onChange(Number(event.target.value))}
      style={{ flex: 1, accentColor: tone, marginBottom: 10 }}
    />
  </Flex>
);

const Samples = ({ title, samples, empty }: { title: string; samples: PreviewSample[]; empty: string }) => (
  <Flex direction="column" alignItems="stretch" gap={2}>
    <Typography variant="sigma" textColor="neutral600">
      {title}
    </Typography>
    {samples.length === 0 ? (
      <Typography variant="pi" textColor="neutral600">
        {empty}
      </Typography>
    ) : (
      <Flex gap={2} wrap="wrap">
        {samples.map((sample) => (
          <Flex
            key={sample.id}
            direction="column"
            alignItems="center"
            gap={1}
            title={`${sample.name}: ${sample.wouldBe}`}
          >
            <Thumbnail url={sample.thumbnailUrl} alt={sample.name} size={72} />
            <ScoreBadge score={sample.score} />
          </Flex>
        ))}
      </Flex>
    )}
  </Flex>
);

const LineSamplesView = ({ name, samples }: { name: string; samples: LineSamples | null }) => {
  const t = useT();
  if (!samples) return null;
  return (
    <Box background="neutral100" padding={4} hasRadius>
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Typography variant="delta" tag="h3">
          {t('distribution.samples.title', 'Around the {name} line at {line}', { name, line: samples.line })}
        </Typography>
        <Grid.Root gap={4}>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <Samples
              title={t('distribution.samples.below', 'Just below')}
              samples={samples.below}
              empty={t('distribution.samples.noneBelow', 'No image below this line')}
            />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <Samples
              title={t('distribution.samples.above', 'Just above')}
              samples={samples.above}
              empty={t('distribution.samples.noneAbove', 'No image above this line')}
            />
          </Grid.Item>
        </Grid.Root>
      </Flex>
    </Box>
  );
};

/** Waits until the value stops changing for `ms`, so dragging a slider sends one preview, not forty. */
const useSettled = <T,>(value: T, ms: number): T => {
  const [settled, setSettled] = React.useState(value);
  React.useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
};

const Calibration = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const { data, error } = useLoad(() => api.calibration(), [api]);
  if (error) return <Typography textColor="danger700">{error}</Typography>;
  if (!data) return null;
  const rate = (value: number | null) => (value === null ? '–' : formatShare(value));
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Typography variant="omega" textColor="neutral600">
        {t(
          'calibration.explain',
          'How often reviewers overturn the score: approving a flagged or rejected image, or rejecting one the score accepted. A high rate in a class says the thresholds cut in the wrong place.',
        )}
      </Typography>
      <Table colCount={6} rowCount={data.classes.length + 2}>
        <HeaderRow
          labels={[
            t('calibration.class', 'Class'),
            t('calibration.reviewed', 'Reviewed'),
            t('calibration.overturned', 'Overturned'),
            t('calibration.rate', 'Overturn rate'),
            t('calibration.approvedFlagged', 'Approved though flagged or rejected'),
            t('calibration.rejectedScored', 'Rejected though accepted'),
          ]}
        />
        <Tbody>
          {data.classes.map((row) => (
            <Tr key={row.class}>
              <Td>
                <Typography>{`${row.class}: ${CLASS_LABELS[row.class]}`}</Typography>
              </Td>
              <Td>
                <Typography>{row.reviewed}</Typography>
              </Td>
              <Td>
                <Typography>{row.overturned}</Typography>
              </Td>
              <Td>
                <Typography fontWeight="bold">{rate(row.overturnRate)}</Typography>
              </Td>
              <Td>
                <Typography>{row.approvedFromFlagged + row.approvedFromRejected}</Typography>
              </Td>
              <Td>
                <Typography>{row.rejectedFromScored}</Typography>
              </Td>
            </Tr>
          ))}
          <Tr>
            <Td>
              <Typography fontWeight="bold">{t('calibration.total', 'All classes')}</Typography>
            </Td>
            <Td>
              <Typography fontWeight="bold">{data.total.reviewed}</Typography>
            </Td>
            <Td>
              <Typography fontWeight="bold">{data.total.overturned}</Typography>
            </Td>
            <Td>
              <Typography fontWeight="bold">{rate(data.total.overturnRate)}</Typography>
            </Td>
            <Td />
            <Td />
          </Tr>
        </Tbody>
      </Table>
      {data.uncounted > 0 ? (
        <Typography variant="pi" textColor="neutral600">
          {t('calibration.uncounted', '{count} decisions on images without a score are not counted.', {
            count: data.uncounted,
          })}
        </Typography>
      ) : null}
    </Flex>
  );
};

export const DistributionTab = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const can = useCapabilities();
  const { toggleNotification } = useNotification();
  const [version, setVersion] = React.useState(0);
  const distribution = useLoad(() => api.distribution(BINS), [api, version]);
  const [thresholds, setThresholds] = React.useState<Thresholds | null>(null);
  const [applying, setApplying] = React.useState(false);
  const [applied, setApplied] = React.useState<ApplyResult | null>(null);
  const saved = distribution.data?.thresholds;

  React.useEffect(() => {
    if (saved && thresholds === null) setThresholds(saved);
  }, [saved, thresholds]);

  const settled = useSettled(thresholds, 250);
  const invalid =
    thresholds !== null &&
    thresholds.rejectBelow !== null &&
    thresholds.flagBelow !== null &&
    thresholds.flagBelow < thresholds.rejectBelow;
  const preview = useLoad(
    () => (settled && !invalid ? api.preview(settled) : Promise.resolve(undefined)),
    [api, JSON.stringify(settled), invalid, version],
  );
  const dirty = Boolean(
    saved && thresholds && (saved.rejectBelow !== thresholds.rejectBelow || saved.flagBelow !== thresholds.flagBelow),
  );
  const previewMatches =
    preview.data &&
    thresholds &&
    preview.data.thresholds.rejectBelow === thresholds.rejectBelow &&
    preview.data.thresholds.flagBelow === thresholds.flagBelow;

  const apply = async () => {
    if (!thresholds) return;
    setApplying(true);
    try {
      // Apply judges by the saved thresholds: what is on screen is saved first.
      if (dirty) await api.saveSettings(thresholds);
      const result = await api.apply();
      setApplied(result);
      setVersion((value) => value + 1);
      toggleNotification({
        type: 'success',
        message: t('distribution.applied', '{changed} of {examined} images changed status', {
          changed: result.changed,
          examined: result.examined,
        }),
      });
    } catch (error) {
      toggleNotification({
        type: 'danger',
        message: errorMessage(error, t('distribution.applyError', 'The thresholds could not be applied.')),
      });
    } finally {
      setApplying(false);
    }
  };

  const save = async () => {
    if (!thresholds) return;
    try {
      await api.saveSettings(thresholds);
      setVersion((value) => value + 1);
      toggleNotification({
        type: 'success',
        message: t('distribution.saved', 'Thresholds saved: new uploads are judged by them'),
      });
    } catch (error) {
      toggleNotification({
        type: 'danger',
        message: errorMessage(error, t('settings.notification.saveError', 'The settings could not be saved.')),
      });
    }
  };

  if (distribution.error) return <Typography textColor="danger700">{distribution.error}</Typography>;
  const data = distribution.data;

  return (
    <Flex direction="column" alignItems="stretch" gap={6}>
      <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Flex justifyContent="space-between" alignItems="baseline">
            <Typography variant="delta" tag="h2">
              {t('distribution.title', 'Scores of your images')}
            </Typography>
            <Typography variant="pi" textColor="neutral600">
              {data
                ? t(
                    'distribution.total',
                    '{total, plural, =0 {no scored image yet} one {# scored image} other {# scored images}}',
                    { total: data.total },
                  )
                : ''}
            </Typography>
          </Flex>
          {data && data.total === 0 ? (
            <Typography variant="omega" textColor="neutral600">
              {t(
                'distribution.empty',
                'No image has a score yet. Upload images, or score the ones already stored with a backfill.',
              )}
            </Typography>
          ) : null}
          {data ? (
            <Histogram
              bins={data.bins}
              rejectBelow={thresholds?.rejectBelow ?? null}
              flagBelow={thresholds?.flagBelow ?? null}
              label={t('distribution.chart', 'Histogram of scores, coloured by class')}
            />
          ) : null}
        </Flex>
      </Box>

      <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Typography variant="delta" tag="h2">
            {t('distribution.thresholds', 'Try other thresholds')}
          </Typography>
          <Grid.Root gap={6}>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <ThresholdControl
                label={t('distribution.rejectBelow', 'Refuse below')}
                value={thresholds?.rejectBelow ?? null}
                tone="#d02b20"
                onChange={(value) =>
                  setThresholds((previous) => ({ flagBelow: previous?.flagBelow ?? null, rejectBelow: value }))
                }
              />
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <ThresholdControl
                label={t('distribution.flagBelow', 'Flag below')}
                value={thresholds?.flagBelow ?? null}
                tone="#d9822f"
                onChange={(value) =>
                  setThresholds((previous) => ({ rejectBelow: previous?.rejectBelow ?? null, flagBelow: value }))
                }
              />
            </Grid.Item>
          </Grid.Root>
          {invalid ? (
            <Typography textColor="danger700" role="alert">
              {t(
                'distribution.invalid',
                'The flag line must not be below the refuse line: images under the refuse line are refused before they could be flagged.',
              )}
            </Typography>
          ) : null}
          <Box background="primary100" padding={4} hasRadius aria-live="polite">
            <Typography variant="epsilon" textColor="primary700" data-testid="preview-sentence">
              {previewMatches && preview.data
                ? t(
                    'distribution.preview',
                    'These thresholds would refuse {refuse} and flag {flag} of your {total} images ({changes} would change status).',
                    {
                      refuse: preview.data.refuse,
                      flag: preview.data.flag,
                      total: preview.data.total,
                      changes: preview.data.changes,
                    },
                  )
                : (preview.error ?? t('distribution.previewing', 'Counting…'))}
            </Typography>
            {previewMatches && preview.data && data && data.total > preview.data.total ? (
              <Typography variant="pi" textColor="primary700" tag="p">
                {t(
                  'distribution.reviewedKept',
                  '{count, plural, one {# image has} other {# images have}} a reviewer\u2019s decision and {count, plural, one {keeps its} other {keep their}} status: not counted.',
                  { count: data.total - preview.data.total },
                )}
              </Typography>
            ) : null}
          </Box>
          {previewMatches && preview.data ? (
            <Flex direction="column" alignItems="stretch" gap={3}>
              <LineSamplesView
                name={t('distribution.line.refuse', 'refuse')}
                samples={preview.data.samples.rejectBelow}
              />
              <LineSamplesView name={t('distribution.line.flag', 'flag')} samples={preview.data.samples.flagBelow} />
            </Flex>
          ) : null}
          <Flex gap={2} justifyContent="flex-end" wrap="wrap">
            {dirty ? (
              <Button variant="tertiary" startIcon={<ArrowClockwise />} onClick={() => setThresholds(saved ?? null)}>
                {t('distribution.reset', 'Back to the saved thresholds')}
              </Button>
            ) : null}
            {can.canUpdateSettings ? (
              <Button
                variant="secondary"
                startIcon={<Check />}
                disabled={!dirty || invalid}
                onClick={() => void save()}
              >
                {t('distribution.save', 'Save thresholds')}
              </Button>
            ) : null}
            {can.canBackfill && (can.canUpdateSettings || !dirty) ? (
              <Button loading={applying} disabled={invalid} onClick={() => void apply()}>
                {dirty
                  ? t('distribution.saveApply', 'Save and apply to existing media')
                  : t('distribution.apply', 'Apply to existing media')}
              </Button>
            ) : null}
          </Flex>
          {applied ? (
            <Typography variant="pi" textColor="neutral700" role="status">
              {t(
                'distribution.appliedDetail',
                'Applied: {examined} images examined, {changed} changed status ({byStatus}).',
                {
                  examined: applied.examined,
                  changed: applied.changed,
                  byStatus:
                    Object.entries(applied.byStatus)
                      .map(([status, count]) => `${count} ${status}`)
                      .join(', ') || '–',
                },
              )}
            </Typography>
          ) : null}
        </Flex>
      </Box>

      <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
        <Flex direction="column" alignItems="stretch" gap={3}>
          <Typography variant="delta" tag="h2">
            {t('calibration.title', 'Calibration: reviewers against the score')}
          </Typography>
          <Calibration />
        </Flex>
      </Box>
    </Flex>
  );
};
