import * as React from 'react';

import { Button, Dialog, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';

import { errorMessage, usePhotoScoreApi, useLoad } from '../api/client';
import { useT } from '../hooks';

export type Decision = 'approve' | 'reject';
export type RejectAction = 'mark' | 'delete' | 'unknown';

/**
 * Approve and reject, wherever a reviewer meets an image: the request, the notification, and
 * the confirmation a reject asks for when it deletes (or when this role cannot read the setting
 * that says whether it does). Render `confirmDialog` once.
 */
export const useReviewDecisions = ({
  rejectActionHint,
  onDecided,
}: {
  /** What the review counts say a reject does, when the server tells. */
  rejectActionHint?: 'mark' | 'delete';
  onDecided: (decided: { ids: number[]; deleted: number[] }) => void;
}) => {
  const t = useT();
  const api = usePhotoScoreApi();
  const { toggleNotification } = useNotification();
  const [confirming, setConfirming] = React.useState<number[] | null>(null);
  const [busy, setBusy] = React.useState(false);
  // A reviewer may not read the settings: then the hint, or a confirmation to be safe.
  const settings = useLoad(() => api.settings().catch(() => null), [api]);
  const rejectAction: RejectAction = rejectActionHint ?? settings.data?.reviewReject ?? 'unknown';

  const decide = React.useCallback(
    async (ids: number[], decision: Decision, confirmed = false) => {
      if (ids.length === 0 || busy) return;
      if (decision === 'reject' && rejectAction !== 'mark' && !confirmed) {
        setConfirming(ids);
        return;
      }
      setBusy(true);
      try {
        const result = await api.review({ ids, decision });
        const deleted = result.results.filter((r) => r.outcome === 'deleted').map((r) => r.id);
        toggleNotification({
          type: 'success',
          message:
            decision === 'approve'
              ? t('review.approved', '{count, plural, one {# image} other {# images}} approved', {
                  count: result.decided,
                })
              : deleted.length > 0
                ? t('review.deleted', '{count, plural, one {# image} other {# images}} rejected and deleted', {
                    count: deleted.length,
                  })
                : t('review.rejected', '{count, plural, one {# image} other {# images}} rejected', {
                    count: result.decided,
                  }),
        });
        onDecided({ ids, deleted });
      } catch (error) {
        toggleNotification({
          type: 'danger',
          message: errorMessage(error, t('review.error', 'The decision could not be saved.')),
        });
      } finally {
        setBusy(false);
      }
    },
    [api, busy, onDecided, rejectAction, t, toggleNotification],
  );

  const count = confirming?.length ?? 0;
  const confirmDialog = (
    <Dialog.Root open={confirming !== null} onOpenChange={(open) => (open ? undefined : setConfirming(null))}>
      <Dialog.Content>
        <Dialog.Header>{t('review.confirm.title', 'Reject and delete?')}</Dialog.Header>
        <Dialog.Body icon={<WarningCircle fill="danger600" />}>
          <Typography textAlign="center">
            {rejectAction === 'delete'
              ? t(
                  'review.confirm.delete',
                  'Rejecting deletes {count, plural, one {this image} other {these # images}} and {count, plural, one {its} other {their}} formats from the Media Library. This cannot be undone.',
                  { count },
                )
              : t(
                  'review.confirm.unknown',
                  'Depending on the setting "What a reviewer\u2019s reject does", rejecting may delete {count, plural, one {this image} other {these # images}} from the Media Library.',
                  { count },
                )}
          </Typography>
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button fullWidth variant="tertiary">
              {t('review.confirm.cancel', 'Cancel')}
            </Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button
              fullWidth
              variant="danger"
              onClick={() => {
                const ids = confirming ?? [];
                setConfirming(null);
                void decide(ids, 'reject', true);
              }}
            >
              {t('review.confirm.reject', 'Reject')}
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );

  return { decide, busy, rejectAction, confirmDialog };
};
