import * as React from 'react';

import { Box, Button, Flex, Grid, Loader, Typography } from '@strapi/design-system';
import { CloudUpload } from '@strapi/icons';

import type { TryResult } from '../../../../shared/contracts';
import { errorMessage, usePhotoScoreApi } from '../../api/client';
import { EvidenceView } from '../../components/Evidence';
import type { ColourToken } from '../../components/useColour';
import { useT } from '../../hooks';

const OUTCOMES: Record<
  TryResult['outcome'],
  { id: string; text: string; background: ColourToken; colour: ColourToken }
> = {
  accept: {
    id: 'try.outcome.accept',
    text: 'As an upload, {name} would be accepted',
    background: 'success100',
    colour: 'success700',
  },
  flag: {
    id: 'try.outcome.flag',
    text: 'As an upload, {name} would be stored and flagged for review',
    background: 'warning100',
    colour: 'warning700',
  },
  refuse: {
    id: 'try.outcome.refuse',
    text: 'As an upload, {name} would be refused',
    background: 'danger100',
    colour: 'danger700',
  },
};

export const TryTab = () => {
  const t = useT();
  const api = usePhotoScoreApi();
  const input = React.useRef<HTMLInputElement>(null);
  const [preview, setPreview] = React.useState<string | null>(null);
  const [result, setResult] = React.useState<TryResult | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [over, setOver] = React.useState(false);

  React.useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  const score = async (file: File | undefined) => {
    if (!file) return;
    setPreview(URL.createObjectURL(file));
    setResult(null);
    setError(null);
    setBusy(true);
    try {
      setResult(await api.tryPhoto(file));
    } catch (failure) {
      setError(errorMessage(failure, t('try.error', 'The image could not be scored.')));
    } finally {
      setBusy(false);
    }
  };

  const outcome = result ? OUTCOMES[result.outcome] : null;

  return (
    <Flex direction="column" alignItems="stretch" gap={6}>
      <Box
        padding={8}
        hasRadius
        background={over ? 'primary100' : 'neutral0'}
        borderColor={over ? 'primary600' : 'neutral300'}
        borderStyle="dashed"
        borderWidth="2px"
        onDragOver={(event: React.DragEvent) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event: React.DragEvent) => {
          event.preventDefault();
          setOver(false);
          void score(event.dataTransfer.files[0]);
        }}
        data-testid="try-dropzone"
      >
        <Flex direction="column" alignItems="center" gap={3}>
          <CloudUpload width="3.2rem" height="3.2rem" fill="primary600" aria-hidden />
          <Typography variant="delta">{t('try.drop', 'Drop an image here to see how it scores')}</Typography>
          <Typography variant="pi" textColor="neutral600">
            {t(
              'try.nothingStored',
              'It is scored as an upload would be, against today\u2019s thresholds. Nothing is stored.',
            )}
          </Typography>
          <Button variant="secondary" onClick={() => input.current?.click()}>
            {t('try.choose', 'Choose an image')}
          </Button>
          <input
            ref={input}
            type="file"
            accept="image/*"
            aria-label={t('try.input', 'Image to try')}
            style={{ display: 'none' }}
            onChange={(event) => {
              void score(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
        </Flex>
      </Box>

      {preview ? (
        <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
          <Grid.Root gap={6}>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Box background="neutral100" hasRadius overflow="hidden">
                <img
                  src={preview}
                  alt={result?.name ?? ''}
                  style={{ width: '100%', maxHeight: '40rem', objectFit: 'contain', display: 'block' }}
                />
              </Box>
            </Grid.Item>
            <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
              {busy ? (
                <Loader>{t('try.scoring', 'Scoring…')}</Loader>
              ) : error ? (
                <Typography textColor="danger700" role="alert">
                  {error}
                </Typography>
              ) : result && outcome ? (
                <Flex direction="column" alignItems="stretch" gap={4}>
                  <Box background={outcome.background} padding={4} hasRadius>
                    <Typography variant="epsilon" textColor={outcome.colour} data-testid="try-outcome">
                      {t(outcome.id, outcome.text, { name: result.name })}
                      {result.thresholds
                        ? ` (${t('try.thresholds', 'refuse below {reject}, flag below {flag}', {
                            reject: result.thresholds.rejectBelow ?? t('try.off', 'off'),
                            flag: result.thresholds.flagBelow ?? t('try.off', 'off'),
                          })})`
                        : ''}
                    </Typography>
                  </Box>
                  <EvidenceView evidence={result} />
                </Flex>
              ) : null}
            </Grid.Item>
          </Grid.Root>
        </Box>
      ) : null}
    </Flex>
  );
};
