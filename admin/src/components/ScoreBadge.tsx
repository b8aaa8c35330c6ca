import { Badge } from '@strapi/design-system';

import { CLASS_COLOURS, CLASS_LABELS, classOf, formatScore, statusVariant } from '../utils/score';

/** The score on the colour of its class ("23.4 · bad"), or a dash when there is none. */
export const ScoreBadge = ({ score, withLabel = false }: { score: number | null; withLabel?: boolean }) => {
  if (score === null) {
    return (
      <Badge size="S" aria-label="no score">
        –
      </Badge>
    );
  }
  const cls = classOf(score);
  const colours = CLASS_COLOURS[cls];
  return (
    <Badge
      size="S"
      backgroundColor={colours.background}
      textColor={colours.text}
      title={`class ${cls}: ${CLASS_LABELS[cls]}`}
      data-score-class={cls}
    >
      {withLabel ? `${formatScore(score)} · ${CLASS_LABELS[cls]}` : formatScore(score)}
    </Badge>
  );
};

export const StatusBadge = ({ status }: { status: string }) => (
  <Badge size="S" variant={statusVariant(status)}>
    {status}
  </Badge>
);
