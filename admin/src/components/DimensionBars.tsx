import { Box, Flex, Typography } from '@strapi/design-system';

import type { Dimension } from '../../../shared/contracts';
import { CLASS_COLOURS, classOf, dimensionLabel } from '../utils/score';
import { useColour } from './useColour';

/** Each 0–100 dimension as a bar on its class's colour, with the reason it pulls the score down. */
export const DimensionBars = ({
  dimensions,
  reasons,
}: {
  dimensions: Dimension[];
  reasons: Record<string, string>;
}) => {
  const colour = useColour();
  const several = new Set(dimensions.map((dimension) => dimension.scorer)).size > 1;
  // Reasons without a dimension of their own ("overall") still say why.
  const loose = Object.entries(reasons).filter(([name]) => !dimensions.some((dimension) => dimension.name === name));

  return (
    <Flex
      direction="column"
      alignItems="stretch"
      gap={3}
      tag="ul"
      aria-label="dimensions"
      style={{ listStyle: 'none' }}
    >
      {dimensions.map((dimension) => {
        const value = Math.max(0, Math.min(100, dimension.value));
        const name = several
          ? `${dimensionLabel(dimension.name)} (${dimension.scorer})`
          : dimensionLabel(dimension.name);
        return (
          <li key={`${dimension.scorer}-${dimension.name}`}>
            <Flex direction="column" alignItems="stretch" gap={1}>
              <Flex justifyContent="space-between">
                <Typography variant="omega" fontWeight="semiBold">
                  {name}
                </Typography>
                <Typography variant="omega" textColor="neutral600">
                  {Math.round(value)}
                </Typography>
              </Flex>
              <Box
                background="neutral150"
                hasRadius
                height="0.8rem"
                role="meter"
                aria-label={name}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(value)}
              >
                <Box
                  hasRadius
                  height="100%"
                  style={{ width: `${value}%`, background: colour(CLASS_COLOURS[classOf(value)].bar) }}
                />
              </Box>
              {dimension.reason ? (
                <Typography variant="pi" textColor="danger700">
                  {dimension.reason}
                </Typography>
              ) : null}
            </Flex>
          </li>
        );
      })}
      {loose.map(([name, reason]) => (
        <li key={name}>
          <Typography variant="pi" textColor="danger700">
            {`${dimensionLabel(name)}: ${reason}`}
          </Typography>
        </li>
      ))}
    </Flex>
  );
};
