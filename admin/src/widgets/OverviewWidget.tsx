import { Box, Flex, Typography } from '@strapi/design-system';
import { Widget } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';

import { usePhotoScoreApi, useLoad } from '../api/client';
import { ScoreBadge } from '../components/ScoreBadge';
import { Thumbnail } from '../components/Thumbnail';
import { useT } from '../hooks';
import { CLASS_COLOURS, CLASS_LABELS, QUALITY_CLASSES } from '../utils/score';
import { useColour } from '../components/useColour';

/** The homepage widget: images awaiting review, scores per class, the latest refusals. */
export const OverviewWidget = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const colour = useColour();
  const { data, error } = useLoad(() => api.overview(), [api]);

  if (error) return <Widget.Error>{error}</Widget.Error>;
  if (!data) return <Widget.Loading />;

  const { awaitingReview, distribution, refusals } = data;
  const awaiting = awaitingReview.flagged + awaitingReview.pending;

  return (
    <Flex direction="column" alignItems="stretch" gap={4} data-testid="photo-score-widget">
      <Flex direction="column" alignItems="stretch" gap={2}>
        <Flex justifyContent="space-between" alignItems="baseline">
          <Typography variant="omega" fontWeight="bold">
            <Link to="/plugins/photo-score/review">
              {t(
                'widget.awaiting',
                '{count, plural, =0 {No image awaits review} one {# image awaits review} other {# images await review}}',
                {
                  count: awaiting,
                },
              )}
            </Link>
          </Typography>
          <Typography variant="pi" textColor="neutral600">
            {t('widget.awaiting.split', '{flagged} flagged, {pending} pending', {
              flagged: awaitingReview.flagged,
              pending: awaitingReview.pending,
            })}
          </Typography>
        </Flex>
        {awaitingReview.latest.length > 0 ? (
          <Flex gap={2}>
            {awaitingReview.latest.map((file) => (
              <Flex key={file.id} direction="column" alignItems="center" gap={1} title={file.name}>
                <Thumbnail url={file.thumbnailUrl} alt={file.name} size={48} />
                <ScoreBadge score={file.score} />
              </Flex>
            ))}
          </Flex>
        ) : null}
      </Flex>

      <Flex direction="column" alignItems="stretch" gap={2}>
        <Typography variant="sigma" textColor="neutral600">
          {t(
            'widget.distribution',
            '{total, plural, =0 {No scored image yet} one {# scored image} other {# scored images}}',
            {
              total: distribution.total,
            },
          )}
        </Typography>
        {distribution.total > 0 ? (
          <>
            <Flex
              hasRadius
              overflow="hidden"
              height="1.2rem"
              role="img"
              aria-label={t('widget.distribution.bar', 'Scores per class')}
            >
              {QUALITY_CLASSES.map((cls) =>
                distribution.byClass[cls] > 0 ? (
                  <Box
                    key={cls}
                    height="100%"
                    title={`${CLASS_LABELS[cls]}: ${distribution.byClass[cls]}`}
                    style={{
                      width: `${(distribution.byClass[cls] / distribution.total) * 100}%`,
                      background: colour(CLASS_COLOURS[cls].bar),
                    }}
                  />
                ) : null,
              )}
            </Flex>
            <Flex gap={3} wrap="wrap">
              {QUALITY_CLASSES.map((cls) => (
                <Typography key={cls} variant="pi" textColor="neutral700">
                  {`${CLASS_LABELS[cls]} ${distribution.byClass[cls]}`}
                </Typography>
              ))}
            </Flex>
          </>
        ) : null}
      </Flex>

      <Flex direction="column" alignItems="stretch" gap={2}>
        <Typography variant="sigma" textColor="neutral600">
          {t('widget.refusals', 'Refused uploads: {count} in the last 24 hours', { count: refusals.last24h })}
        </Typography>
        {refusals.latest.length === 0 ? (
          <Typography variant="pi" textColor="neutral600">
            {t('widget.refusals.none', 'No upload refused yet.')}
          </Typography>
        ) : (
          <Flex tag="ul" direction="column" alignItems="stretch" gap={2} style={{ listStyle: 'none' }}>
            {refusals.latest.map((refusal) => (
              <Flex key={refusal.id} tag="li" gap={2} alignItems="flex-start" justifyContent="space-between">
                <Flex direction="column" alignItems="flex-start" style={{ minWidth: 0 }}>
                  <Typography variant="omega" ellipsis title={refusal.fileName} style={{ maxWidth: '100%' }}>
                    {refusal.fileName}
                  </Typography>
                  <Typography variant="pi" textColor="neutral600" ellipsis style={{ maxWidth: '100%' }}>
                    {Object.values(refusal.reasons)[0] ?? refusal.message}
                  </Typography>
                </Flex>
                <Flex direction="column" alignItems="flex-end" gap={1} shrink={0}>
                  <ScoreBadge score={refusal.score} />
                  <Typography variant="pi" textColor="neutral500">
                    {new Date(refusal.at).toLocaleString()}
                  </Typography>
                </Flex>
              </Flex>
            ))}
          </Flex>
        )}
      </Flex>
    </Flex>
  );
};

export default OverviewWidget;
