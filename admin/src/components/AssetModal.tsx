import { Box, Button, Flex, Grid, Loader, Modal, Typography } from '@strapi/design-system';
import { Check, Cross } from '@strapi/icons';

import type { DecisionRecord } from '../../../shared/contracts';
import { usePhotoScoreApi, useLoad } from '../api/client';
import { useT } from '../hooks';
import { formatScore } from '../utils/score';
import { EvidenceView } from './Evidence';

const History = ({ history }: { history: DecisionRecord[] }) => {
  const t = useT();
  if (history.length === 0) {
    return (
      <Typography variant="pi" textColor="neutral600">
        {t('asset.history.none', 'No decision recorded yet.')}
      </Typography>
    );
  }
  return (
    <Flex tag="ol" direction="column" alignItems="stretch" gap={2} style={{ listStyle: 'none' }} aria-label="history">
      {history.map((entry) => (
        <li key={entry.id}>
          <Typography variant="omega">
            {`${new Date(entry.at).toLocaleString()}: ${entry.decision} by ${entry.by.name}, ${entry.fromStatus} → ${entry.toStatus}`}
            {entry.score !== null ? ` (score ${formatScore(entry.score)})` : ''}
            {entry.deleted ? ', file deleted' : ''}
          </Typography>
          {entry.note ? (
            <Typography variant="pi" textColor="neutral600" tag="p">
              {entry.note}
            </Typography>
          ) : null}
          {entry.feedback.map((feedback) => (
            <Typography key={feedback.vendor} variant="pi" textColor={feedback.ok ? 'success700' : 'danger700'} tag="p">
              {`${feedback.vendor}: ${feedback.ok ? 'feedback sent' : `feedback failed: ${feedback.error ?? ''}`}`}
            </Typography>
          ))}
        </li>
      ))}
    </Flex>
  );
};

interface AssetModalProps {
  fileId: number | null;
  onClose: () => void;
  /** When given, the modal offers approve and reject. */
  onDecide?: (id: number, decision: 'approve' | 'reject') => void;
  /** Bumped by the parent after a decision, so the modal shows the new status and history. */
  version?: number;
}

/** An asset opened: the image, every dimension with its reason, each scorer's verdict, tags, moderation, history. */
export const AssetModal = ({ fileId, onClose, onDecide, version = 0 }: AssetModalProps) => {
  const t = useT();
  const api = usePhotoScoreApi();
  const {
    data: file,
    error,
    loading,
  } = useLoad(() => (fileId === null ? Promise.resolve(undefined) : api.file(fileId)), [api, fileId, version]);

  return (
    <Modal.Root open={fileId !== null} onOpenChange={(open) => (open ? undefined : onClose())}>
      <Modal.Content style={{ maxWidth: '96rem', width: '90vw' }}>
        <Modal.Header closeLabel={t('asset.close', 'Close')}>
          <Modal.Title>{file?.name ?? t('asset.title', 'Image')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          {error ? (
            <Typography textColor="danger700">{error}</Typography>
          ) : !file || (loading && file.id !== fileId) ? (
            <Flex justifyContent="center" padding={8}>
              <Loader>{t('asset.loading', 'Loading')}</Loader>
            </Flex>
          ) : (
            <Grid.Root gap={6}>
              <Grid.Item col={5} s={12} direction="column" alignItems="stretch">
                <Flex direction="column" alignItems="stretch" gap={3}>
                  <Box background="neutral100" hasRadius overflow="hidden">
                    <img
                      src={file.url}
                      alt={file.alternativeText ?? file.name}
                      style={{ width: '100%', maxHeight: '48rem', objectFit: 'contain', display: 'block' }}
                    />
                  </Box>
                  <Typography variant="pi" textColor="neutral600">
                    {`${file.mime} · ${file.width ?? '?'} × ${file.height ?? '?'} px · ${Math.round(file.size)} KB · ${t('asset.uploaded', 'uploaded')} ${new Date(file.createdAt).toLocaleString()}`}
                  </Typography>
                  <Typography variant="delta" tag="h3">
                    {t('asset.history', 'Decisions')}
                  </Typography>
                  <History history={file.history} />
                </Flex>
              </Grid.Item>
              <Grid.Item col={7} s={12} direction="column" alignItems="stretch">
                <EvidenceView evidence={file} />
              </Grid.Item>
            </Grid.Root>
          )}
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{t('asset.close', 'Close')}</Button>
          </Modal.Close>
          {onDecide && file ? (
            <Flex gap={2}>
              <Button
                variant="danger-light"
                startIcon={<Cross />}
                disabled={file.status === 'rejected'}
                onClick={() => onDecide(file.id, 'reject')}
              >
                {t('review.reject', 'Reject')}
              </Button>
              <Button
                variant="success"
                startIcon={<Check />}
                disabled={file.status === 'approved'}
                onClick={() => onDecide(file.id, 'approve')}
              >
                {t('review.approve', 'Approve')}
              </Button>
            </Flex>
          ) : null}
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};
