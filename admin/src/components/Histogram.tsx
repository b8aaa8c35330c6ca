import { Box, Flex, Typography } from '@strapi/design-system';

import type { DistributionBin } from '../../../shared/contracts';
import { CLASS_COLOURS, CLASS_LABELS, QUALITY_CLASSES, classOf } from '../utils/score';
import { useColour, type ColourToken } from './useColour';

interface HistogramProps {
  bins: DistributionBin[];
  rejectBelow: number | null;
  flagBelow: number | null;
  /** Accessible name of the chart. */
  label: string;
  height?: number;
}

const WIDTH = 1000;
const AXIS = 24;
/** Room above the bars for the threshold labels. */
const LABELS = 44;

/**
 * Scores as bars coloured by class, with the thresholds drawn on them. Plain SVG: it scales to
 * its box and needs no chart library. Each bar has a title, so a hover tells the exact count.
 */
export const Histogram = ({ bins, rejectBelow, flagBelow, label, height = 220 }: HistogramProps) => {
  const colour = useColour();
  const max = Math.max(1, ...bins.map((bin) => bin.total));
  const plot = height - AXIS;
  const x = (score: number) => (score / 100) * WIDTH;
  const line = (score: number | null, token: ColourToken, name: string, labelY: number) =>
    score === null ? null : (
      <g data-threshold={name}>
        <line
          x1={x(score)}
          x2={x(score)}
          y1={labelY + 4}
          y2={plot}
          stroke={colour(token)}
          strokeWidth={3}
          strokeDasharray="8 5"
        />
        <text
          x={score > 80 ? x(score) - 6 : x(score) + 6}
          textAnchor={score > 80 ? 'end' : 'start'}
          y={labelY}
          fill={colour(token)}
          fontSize={14}
          fontWeight={600}
        >
          {`${name} < ${score}`}
        </text>
      </g>
    );

  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <Box>
        <svg
          role="img"
          aria-label={label}
          viewBox={`0 0 ${WIDTH} ${height}`}
          style={{ width: '100%', height: 'auto', display: 'block' }}
        >
          {bins.map((bin) => {
            const barHeight = (bin.total / max) * (plot - LABELS);
            const cls = classOf((bin.from + bin.to) / 2);
            return (
              <rect
                key={bin.from}
                x={x(bin.from) + 1}
                y={plot - barHeight}
                width={Math.max(1, x(bin.to) - x(bin.from) - 2)}
                height={barHeight}
                fill={colour(CLASS_COLOURS[cls].bar)}
              >
                <title>{`${bin.from}–${bin.to}: ${bin.total}`}</title>
              </rect>
            );
          })}
          <line x1={0} x2={WIDTH} y1={plot} y2={plot} stroke={colour('neutral300')} strokeWidth={1} />
          {[0, 20, 40, 60, 80, 100].map((tick) => (
            <text
              key={tick}
              x={Math.min(WIDTH - 2, Math.max(2, x(tick)))}
              textAnchor={tick === 0 ? 'start' : tick === 100 ? 'end' : 'middle'}
              y={height - 6}
              fill={colour('neutral600')}
              fontSize={13}
            >
              {tick}
            </text>
          ))}
          {line(rejectBelow, 'danger600', 'refuse', 16)}
          {line(flagBelow, 'warning600', 'flag', 36)}
        </svg>
      </Box>
      <Flex gap={4} wrap="wrap">
        {QUALITY_CLASSES.map((cls) => (
          <Flex key={cls} gap={1} alignItems="center">
            <Box
              width="1.2rem"
              height="1.2rem"
              hasRadius
              style={{ background: colour(CLASS_COLOURS[cls].bar) }}
              aria-hidden
            />
            <Typography variant="pi" textColor="neutral700">
              {`${cls}: ${CLASS_LABELS[cls]}`}
            </Typography>
          </Flex>
        ))}
      </Flex>
    </Flex>
  );
};
