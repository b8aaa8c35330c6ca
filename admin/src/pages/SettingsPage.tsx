import * as React from 'react';

import { Box, Button, Field, Flex, Grid, NumberInput, Radio, Typography } from '@strapi/design-system';
import { Check } from '@strapi/icons';
import { Layouts, Page, isFetchError, useFetchClient, useNotification, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';

import { PERMISSIONS } from '../permissions';
import { PLUGIN_ID } from '../pluginId';
import { getTranslation } from '../utils/getTranslation';
import {
  DEFAULT_SETTINGS,
  SCORE_MAX,
  SCORE_MIN,
  hasErrors,
  isSameSettings,
  parseServerError,
  parseSettingsResponse,
  validateSettings,
  type FieldErrors,
  type FieldMessage,
  type OnScorerError,
  type PhotoScoreSettings,
  type ReviewReject,
  type SettingsField,
} from '../utils/settings';

const SETTINGS_URL = `/${PLUGIN_ID}/settings`;

type LoadState = 'loading' | 'ready' | 'error';

/** Reads the JSON body Strapi sent with a failed request, if any. */
const errorBody = (error: unknown): unknown => (isFetchError(error) ? error.response?.data : undefined);

interface ThresholdFieldProps {
  name: 'rejectBelow' | 'flagBelow';
  label: string;
  hint: string;
  placeholder: string;
  value: number | null;
  error: string | undefined;
  disabled: boolean;
  onChange: (value: number | undefined) => void;
}

const ThresholdField = ({ name, label, hint, placeholder, value, error, disabled, onChange }: ThresholdFieldProps) => (
  <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
    <Field.Root name={name} error={error} hint={hint}>
      <Field.Label>{label}</Field.Label>
      <NumberInput
        value={value ?? undefined}
        onValueChange={onChange}
        placeholder={placeholder}
        min={SCORE_MIN}
        max={SCORE_MAX}
        step={1}
        disabled={disabled}
      />
      <Field.Error />
      <Field.Hint />
    </Field.Root>
  </Grid.Item>
);

interface ChoiceSettingProps<Value extends string> {
  name: string;
  title: string;
  hint: string;
  value: Value;
  choices: Array<{ value: Value; label: string }>;
  onChange: (value: Value) => void;
  disabled: boolean;
  error?: string;
}

/** A setting chosen among a few values, as radio buttons in a card of its own. */
const ChoiceSetting = <Value extends string>({
  name,
  title,
  hint,
  value,
  choices,
  onChange,
  disabled,
  error,
}: ChoiceSettingProps<Value>) => (
  <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Typography variant="delta" tag="h2" id={`photo-score-${name}-label`}>
        {title}
      </Typography>
      <Typography variant="pi" textColor="neutral600" tag="p" id={`photo-score-${name}-hint`}>
        {hint}
      </Typography>
      <Radio.Group
        name={name}
        value={value}
        onValueChange={(next: string) => {
          const choice = choices.find((candidate) => candidate.value === next);
          if (choice) onChange(choice.value);
        }}
        disabled={disabled}
        aria-labelledby={`photo-score-${name}-label`}
        aria-describedby={`photo-score-${name}-hint`}
      >
        {choices.map((choice) => (
          <Radio.Item key={choice.value} value={choice.value}>
            {choice.label}
          </Radio.Item>
        ))}
      </Radio.Group>
      {error ? (
        <Typography variant="pi" textColor="danger600" role="alert">
          {error}
        </Typography>
      ) : null}
    </Flex>
  </Box>
);

const SettingsPage = () => {
  const { formatMessage } = useIntl();
  const { toggleNotification } = useNotification();
  const { get, put } = useFetchClient();
  const {
    allowedActions: { canUpdate },
    isLoading: isLoadingPermissions,
  } = useRBAC(PERMISSIONS.updateSettings);

  const [loadState, setLoadState] = React.useState<LoadState>('loading');
  const [initialValues, setInitialValues] = React.useState<PhotoScoreSettings>(DEFAULT_SETTINGS);
  const [values, setValues] = React.useState<PhotoScoreSettings>(DEFAULT_SETTINGS);
  const [serverErrors, setServerErrors] = React.useState<FieldErrors>({});
  const [isSubmitting, setIsSubmitting] = React.useState(false);
  const [loadError, setLoadError] = React.useState<string | undefined>(undefined);

  const t = React.useCallback(
    (id: string, defaultMessage: string, values?: Record<string, string | number>) =>
      formatMessage({ id: getTranslation(id), defaultMessage }, values),
    [formatMessage],
  );

  const formatFieldMessage = (message: FieldMessage | string | undefined): string | undefined => {
    if (message === undefined || typeof message === 'string') {
      return message;
    }

    return t(message.id, message.defaultMessage, message.values);
  };

  React.useEffect(() => {
    let active = true;

    get(SETTINGS_URL)
      .then(({ data }) => {
        if (!active) {
          return;
        }

        const settings = parseSettingsResponse(data);
        setInitialValues(settings);
        setValues(settings);
        setLoadState('ready');
      })
      .catch((error: unknown) => {
        if (!active) {
          return;
        }

        setLoadError(parseServerError(errorBody(error)).message);
        setLoadState('error');
      });

    return () => {
      active = false;
    };
  }, [get]);

  const clientErrors = validateSettings(values);
  const isDirty = !isSameSettings(values, initialValues);
  const canSave = Boolean(canUpdate) && !isLoadingPermissions;
  const readOnly = !canSave;

  const errorFor = (field: SettingsField): string | undefined =>
    formatFieldMessage(clientErrors[field] ?? serverErrors[field]);

  const setField = <K extends SettingsField>(field: K, value: PhotoScoreSettings[K]) => {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerErrors((previous) => {
      if (previous[field] === undefined) {
        return previous;
      }

      const next = { ...previous };
      delete next[field];
      return next;
    });
  };

  const handleThresholdChange = (field: 'rejectBelow' | 'flagBelow') => (value: number | undefined) => {
    setField(field, value === undefined || Number.isNaN(value) ? null : value);
  };

  const handleSubmit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();

    if (!canSave || !isDirty || isSubmitting) {
      return;
    }

    if (hasErrors(clientErrors)) {
      toggleNotification({
        type: 'warning',
        message: t('settings.notification.invalid', 'Fix the highlighted fields before saving.'),
      });
      return;
    }

    setIsSubmitting(true);

    try {
      const payload: PhotoScoreSettings = { ...values };
      const { data } = await put<unknown, PhotoScoreSettings>(SETTINGS_URL, payload);
      // Trust what the server stored when it answers with the settings; else what was sent.
      const saved = typeof data === 'object' && data !== null && 'data' in data ? parseSettingsResponse(data) : payload;

      setInitialValues(saved);
      setValues(saved);
      setServerErrors({});
      toggleNotification({
        type: 'success',
        message: t('settings.notification.saved', 'Photo Score settings saved'),
      });
    } catch (error: unknown) {
      const { message, fieldErrors } = parseServerError(errorBody(error));

      setServerErrors(fieldErrors);
      toggleNotification({
        type: 'danger',
        message: message ?? t('settings.notification.saveError', 'The settings could not be saved.'),
      });
    } finally {
      setIsSubmitting(false);
    }
  };

  if (loadState === 'loading' || isLoadingPermissions) {
    return <Page.Loading />;
  }

  if (loadState === 'error') {
    return (
      <Page.Error
        content={loadError ?? t('settings.notification.loadError', 'The Photo Score settings could not be loaded.')}
      />
    );
  }

  const rejectError = errorFor('rejectBelow');
  const flagError = errorFor('flagBelow');
  const onScorerErrorError = errorFor('onScorerError');

  return (
    <Page.Main>
      <Page.Title>{t('settings.page.title', 'Settings - Photo Score')}</Page.Title>
      <form onSubmit={handleSubmit} noValidate>
        <Layouts.Header
          title={t('settings.header.title', 'Photo Score')}
          subtitle={t(
            'settings.header.subtitle',
            'Decide what happens to uploaded images according to their quality score',
          )}
          primaryAction={
            <Button
              type="submit"
              size="S"
              startIcon={<Check />}
              loading={isSubmitting}
              disabled={readOnly || !isDirty || isSubmitting}
            >
              {t('settings.save', 'Save')}
            </Button>
          }
        />
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={6}>
            {readOnly ? (
              <Box background="warning100" borderColor="warning200" padding={4} hasRadius>
                <Typography variant="omega" textColor="warning700">
                  {t('settings.readOnly', 'You can view these settings but you are not allowed to change them.')}
                </Typography>
              </Box>
            ) : null}

            <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
              <Flex direction="column" alignItems="stretch" gap={4}>
                <Typography variant="delta" tag="h2">
                  {t('settings.thresholds.title', 'Thresholds')}
                </Typography>
                <Flex direction="column" alignItems="stretch" gap={1}>
                  <Typography variant="sigma" textColor="neutral600" tag="h3">
                    {t('settings.scale.title', 'Score scale')}
                  </Typography>
                  <Typography variant="omega" textColor="neutral600" tag="p">
                    {t(
                      'settings.scale.description',
                      'Every image is scored from 0 to 100, in five classes: very bad 0–20, bad 20–40, average 40–60, good 60–80, excellent 80–100.',
                    )}
                  </Typography>
                </Flex>
                <Grid.Root gap={6}>
                  <ThresholdField
                    name="rejectBelow"
                    label={t('settings.rejectBelow.label', 'Reject uploads scoring below')}
                    hint={t(
                      'settings.rejectBelow.hint',
                      'Uploads scoring below this are refused with a 400 and nothing is stored. Leave empty to turn off.',
                    )}
                    placeholder={t('settings.threshold.placeholder', 'Off')}
                    value={values.rejectBelow}
                    error={rejectError}
                    disabled={readOnly}
                    onChange={handleThresholdChange('rejectBelow')}
                  />
                  <ThresholdField
                    name="flagBelow"
                    label={t('settings.flagBelow.label', 'Flag uploads scoring below')}
                    hint={t(
                      'settings.flagBelow.hint',
                      'Uploads scoring below this are stored with status flagged for review. Leave empty to turn off.',
                    )}
                    placeholder={t('settings.threshold.placeholder', 'Off')}
                    value={values.flagBelow}
                    error={flagError}
                    disabled={readOnly}
                    onChange={handleThresholdChange('flagBelow')}
                  />
                </Grid.Root>
              </Flex>
            </Box>

            <ChoiceSetting
              name="onScorerError"
              title={t('settings.onScorerError.title', 'When scoring fails')}
              hint={t(
                'settings.onScorerError.hint',
                'An image may not be scorable (a format the embedded scorer cannot decode, such as BMP) or a vendor may time out: choose whether such uploads go through anyway.',
              )}
              value={values.onScorerError}
              choices={[
                {
                  value: 'accept',
                  label: t(
                    'settings.onScorerError.accept',
                    'Accept: store the upload and mark its score as failed (default)',
                  ),
                },
                { value: 'reject', label: t('settings.onScorerError.reject', 'Reject: refuse the upload') },
              ]}
              onChange={(value: OnScorerError) => setField('onScorerError', value)}
              disabled={readOnly}
              error={onScorerErrorError}
            />
            <ChoiceSetting
              name="reviewReject"
              title={t('settings.reviewReject.title', 'What a reviewer\u2019s reject does')}
              hint={t(
                'settings.reviewReject.hint',
                'In the review queue of the Photo Score page. A deletion is asked for confirmation first.',
              )}
              value={values.reviewReject}
              choices={[
                {
                  value: 'mark',
                  label: t(
                    'settings.reviewReject.mark',
                    'Keep the file with status rejected: it can still be approved later (default)',
                  ),
                },
                {
                  value: 'delete',
                  label: t('settings.reviewReject.delete', 'Delete the file and its formats from the Media Library'),
                },
              ]}
              onChange={(value: ReviewReject) => setField('reviewReject', value)}
              disabled={readOnly}
            />
          </Flex>
        </Layouts.Content>
      </form>
    </Page.Main>
  );
};

/** The settings page behind the `plugin::photo-score.settings.read` permission. */
const ProtectedSettingsPage = () => (
  <Page.Protect permissions={PERMISSIONS.readSettings}>
    <SettingsPage />
  </Page.Protect>
);

export { SettingsPage, ProtectedSettingsPage };
export default ProtectedSettingsPage;
