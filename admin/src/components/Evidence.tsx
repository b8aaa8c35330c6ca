import { Badge, Box, Flex, Grid, Typography } from '@strapi/design-system';

import type { Evidence as EvidenceData, ScorerVerdict } from '../../../shared/contracts';
import { useT } from '../hooks';
import { formatScore, formatShare } from '../utils/score';
import { DimensionBars } from './DimensionBars';
import { ScoreBadge, StatusBadge } from './ScoreBadge';

const Fact = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <Flex direction="column" alignItems="flex-start" gap={1}>
    <Typography variant="sigma" textColor="neutral600">
      {label}
    </Typography>
    <Box>{children}</Box>
  </Flex>
);

const Verdict = ({ verdict }: { verdict: ScorerVerdict }) => (
  <Flex
    tag="li"
    justifyContent="space-between"
    alignItems="flex-start"
    gap={3}
    paddingTop={2}
    paddingBottom={2}
    style={{ borderBottom: '1px solid rgba(0,0,0,0.06)' }}
  >
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="omega" fontWeight="bold">
        {verdict.scorer}
      </Typography>
      <Typography variant="pi" textColor="neutral600">
        {[
          verdict.version,
          `${Math.round(verdict.durationMs)} ms`,
          verdict.cached ? 'cached' : null,
          verdict.moderation ? `${verdict.moderation.level} (${verdict.moderation.label})` : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Typography>
      {verdict.error ? (
        <Typography variant="pi" textColor="danger700">
          {verdict.error}
        </Typography>
      ) : null}
    </Flex>
    {verdict.ok ? <ScoreBadge score={verdict.score} /> : <Badge variant="danger">failed</Badge>}
  </Flex>
);

/** Everything behind a verdict: score, class, content, dimensions with reasons, each scorer, tags, moderation. */
export const EvidenceView = ({ evidence }: { evidence: EvidenceData }) => {
  const t = useT();
  return (
    <Flex direction="column" alignItems="stretch" gap={5}>
      <Grid.Root gap={4}>
        <Grid.Item col={3} s={6}>
          <Fact label={t('evidence.score', 'Score')}>
            <ScoreBadge score={evidence.score} withLabel />
          </Fact>
        </Grid.Item>
        <Grid.Item col={3} s={6}>
          <Fact label={t('evidence.status', 'Status')}>
            <StatusBadge status={evidence.status} />
          </Fact>
        </Grid.Item>
        <Grid.Item col={3} s={6}>
          <Fact label={t('evidence.content', 'Content')}>
            <Typography variant="omega">
              {evidence.content ?? '–'}
              {evidence.contentConfidence !== null ? ` (${formatShare(evidence.contentConfidence)} sure)` : ''}
            </Typography>
          </Fact>
        </Grid.Item>
        <Grid.Item col={3} s={6}>
          <Fact label={t('evidence.decidedBy', 'Decided by')}>
            <Typography variant="omega">{evidence.decidedBy.join(', ') || '–'}</Typography>
          </Fact>
        </Grid.Item>
      </Grid.Root>
      {evidence.reason ? (
        <Typography variant="omega" textColor="neutral800">
          {evidence.reason}
        </Typography>
      ) : null}
      {evidence.contentWhy ? (
        <Typography variant="pi" textColor="neutral600">
          {evidence.contentWhy}
        </Typography>
      ) : null}
      {evidence.dimensions.length > 0 || Object.keys(evidence.reasons).length > 0 ? (
        <Flex direction="column" alignItems="stretch" gap={2}>
          <Typography variant="delta" tag="h3">
            {t('evidence.dimensions', 'Dimensions')}
          </Typography>
          <DimensionBars dimensions={evidence.dimensions} reasons={evidence.reasons} />
        </Flex>
      ) : null}
      {evidence.scorers.length > 0 ? (
        <Flex direction="column" alignItems="stretch" gap={1}>
          <Typography variant="delta" tag="h3">
            {t('evidence.scorers', 'Scorers')}
          </Typography>
          <Flex tag="ul" direction="column" alignItems="stretch" style={{ listStyle: 'none' }}>
            {evidence.scorers.map((verdict) => (
              <Verdict key={verdict.scorer} verdict={verdict} />
            ))}
          </Flex>
        </Flex>
      ) : null}
      <Grid.Root gap={4}>
        <Grid.Item col={6} s={12}>
          <Fact label={t('evidence.tags', 'Tags')}>
            <Flex gap={1} wrap="wrap">
              {evidence.tags.length > 0 ? (
                evidence.tags.map((tag) => <Badge key={tag}>{tag}</Badge>)
              ) : (
                <Typography variant="pi" textColor="neutral600">
                  {t('evidence.none', 'none')}
                </Typography>
              )}
            </Flex>
          </Fact>
        </Grid.Item>
        <Grid.Item col={6} s={12}>
          <Fact label={t('evidence.moderation', 'Moderation')}>
            <Typography variant="omega">
              {evidence.moderation
                ? `${evidence.moderation.level}: ${evidence.moderation.label} (${formatScore(evidence.moderation.confidence)} %, ${evidence.moderation.by})`
                : t('evidence.moderation.none', 'not checked')}
            </Typography>
          </Fact>
        </Grid.Item>
        {evidence.image ? (
          <Grid.Item col={6} s={12}>
            <Fact label={t('evidence.image', 'Image')}>
              <Typography variant="omega">
                {`${evidence.image.width} × ${evidence.image.height} px, ${evidence.image.format}`}
              </Typography>
            </Fact>
          </Grid.Item>
        ) : null}
        {evidence.colours.length > 0 ? (
          <Grid.Item col={6} s={12}>
            <Fact label={t('evidence.colours', 'Colours')}>
              <Flex gap={1} wrap="wrap">
                {evidence.colours.map((colour) => (
                  <Badge key={colour}>{colour}</Badge>
                ))}
              </Flex>
            </Fact>
          </Grid.Item>
        ) : null}
      </Grid.Root>
    </Flex>
  );
};
