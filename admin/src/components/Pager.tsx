import { Button, Flex, Typography } from '@strapi/design-system';
import { ChevronLeft, ChevronRight } from '@strapi/icons';

import type { Pagination } from '../../../shared/contracts';
import type { Translate } from '../hooks';

/** "Page 2 of 5 · 118 images" with previous and next. */
export const Pager = ({
  pagination,
  onPage,
  t,
}: {
  pagination: Pagination;
  onPage: (page: number) => void;
  t: Translate;
}) => {
  const { page, pageCount, total } = pagination;
  // An empty list says so itself; "page 1 of 1 · 0 images" under it only repeats it.
  if (total === 0) return null;
  return (
    <Flex justifyContent="space-between" alignItems="center" tag="nav" aria-label={t('pager.label', 'Pages')}>
      <Typography variant="pi" textColor="neutral600">
        {t('pager.summary', 'Page {page} of {pageCount} · {total, plural, one {# image} other {# images}}', {
          page,
          pageCount: Math.max(1, pageCount),
          total,
        })}
      </Typography>
      <Flex gap={2}>
        <Button
          size="S"
          variant="tertiary"
          startIcon={<ChevronLeft />}
          disabled={page <= 1}
          onClick={() => onPage(page - 1)}
        >
          {t('pager.previous', 'Previous')}
        </Button>
        <Button
          size="S"
          variant="tertiary"
          endIcon={<ChevronRight />}
          disabled={page >= pageCount}
          onClick={() => onPage(page + 1)}
        >
          {t('pager.next', 'Next')}
        </Button>
      </Flex>
    </Flex>
  );
};
