import { Th, Thead, Tr, Typography } from '@strapi/design-system';

/** A table's head: one column per label, in the design system's small capitals; `leading` fills a first column (a checkbox). */
export const HeaderRow = ({ labels, leading }: { labels: string[]; leading?: React.ReactNode }) => (
  <Thead>
    <Tr>
      {leading !== undefined ? <Th>{leading}</Th> : null}
      {labels.map((label, index) => (
        <Th key={`${index}-${label}`}>
          <Typography variant="sigma">{label}</Typography>
        </Th>
      ))}
    </Tr>
  </Thead>
);
