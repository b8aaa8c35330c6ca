/**
 * The shape of the plugin's settings as served by `GET /photo-score/settings` and
 * accepted by `PUT /photo-score/settings`, and the checks the form runs before saving.
 * Pure functions: no React, no Strapi imports.
 */

export type OnScorerError = 'accept' | 'reject';
export type ReviewReject = 'mark' | 'delete';

export interface PhotoScoreSettings {
  /** Uploads scoring below this are refused (400) and nothing is stored; `null` = off. */
  rejectBelow: number | null;
  /** Uploads scoring below this are stored with status `flagged`; `null` = off. */
  flagBelow: number | null;
  /** What happens to an upload when the scorer fails. */
  onScorerError: OnScorerError;
  /** What a reviewer's "reject" does: keep the file as `rejected`, or delete it. */
  reviewReject: ReviewReject;
}

export type SettingsField = keyof PhotoScoreSettings;

export const SETTINGS_FIELDS: readonly SettingsField[] = ['rejectBelow', 'flagBelow', 'onScorerError', 'reviewReject'];

export const DEFAULT_SETTINGS: PhotoScoreSettings = {
  rejectBelow: null,
  flagBelow: null,
  onScorerError: 'accept',
  reviewReject: 'mark',
};

export const SCORE_MIN = 0;
export const SCORE_MAX = 100;

/** A message to show under a field: a translation key (without the plugin prefix) and its values. */
export interface FieldMessage {
  id: string;
  defaultMessage: string;
  values?: Record<string, string | number>;
}

export type FieldErrors = Partial<Record<SettingsField, FieldMessage | string>>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isSettingsField = (value: unknown): value is SettingsField =>
  typeof value === 'string' && (SETTINGS_FIELDS as readonly string[]).includes(value);

const readThreshold = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Reads the body of `GET /photo-score/settings` (`{ data: {...} }`, or the bare object),
 * falling back to the defaults for anything missing or malformed.
 */
export const parseSettingsResponse = (body: unknown): PhotoScoreSettings => {
  const data = isRecord(body) && isRecord(body.data) ? body.data : isRecord(body) ? body : {};

  return {
    rejectBelow: readThreshold(data.rejectBelow),
    flagBelow: readThreshold(data.flagBelow),
    onScorerError: data.onScorerError === 'reject' ? 'reject' : 'accept',
    reviewReject: data.reviewReject === 'delete' ? 'delete' : 'mark',
  };
};

const checkThreshold = (value: number | null): FieldMessage | undefined => {
  if (value === null) {
    return undefined;
  }

  if (!Number.isFinite(value) || value < SCORE_MIN || value > SCORE_MAX) {
    return {
      id: 'settings.error.range',
      defaultMessage: 'Enter a number from {min} to {max}, or leave it empty to turn this off.',
      values: { min: SCORE_MIN, max: SCORE_MAX },
    };
  }

  return undefined;
};

/** Client-side checks; an empty object means the settings can be sent. */
export const validateSettings = (settings: PhotoScoreSettings): FieldErrors => {
  const errors: FieldErrors = {};

  const rejectError = checkThreshold(settings.rejectBelow);
  const flagError = checkThreshold(settings.flagBelow);

  if (rejectError) {
    errors.rejectBelow = rejectError;
  }

  if (flagError) {
    errors.flagBelow = flagError;
  }

  if (
    !rejectError &&
    !flagError &&
    settings.rejectBelow !== null &&
    settings.flagBelow !== null &&
    settings.flagBelow < settings.rejectBelow
  ) {
    errors.flagBelow = {
      id: 'settings.error.flagBelowReject',
      defaultMessage:
        'Must be greater than or equal to the reject threshold ({rejectBelow}): uploads below that are refused before they could be flagged.',
      values: { rejectBelow: settings.rejectBelow },
    };
  }

  if (settings.onScorerError !== 'accept' && settings.onScorerError !== 'reject') {
    errors.onScorerError = {
      id: 'settings.error.onScorerError',
      defaultMessage: 'Choose what happens when scoring fails.',
    };
  }

  return errors;
};

export const hasErrors = (errors: FieldErrors): boolean => Object.keys(errors).length > 0;

export const isSameSettings = (a: PhotoScoreSettings, b: PhotoScoreSettings): boolean =>
  SETTINGS_FIELDS.every((field) => a[field] === b[field]);

export interface ServerValidationError {
  status: number | undefined;
  message: string | undefined;
  fieldErrors: FieldErrors;
}

/**
 * Reads a Strapi error body, `{ error: { status, name, message, details: { errors: [{ path, message }] } } }`,
 * into a message and per-field messages. Errors on paths that are not settings fields are dropped
 * from `fieldErrors` (the overall message still says what went wrong).
 */
export const parseServerError = (body: unknown): ServerValidationError => {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const fieldErrors: FieldErrors = {};

  if (!error) {
    return { status: undefined, message: undefined, fieldErrors };
  }

  const details = isRecord(error.details) ? error.details : undefined;
  const items = details && Array.isArray(details.errors) ? details.errors : [];

  for (const item of items) {
    if (!isRecord(item) || typeof item.message !== 'string') {
      continue;
    }

    const path: unknown[] = Array.isArray(item.path)
      ? item.path
      : typeof item.path === 'string'
        ? item.path.split('.')
        : [];
    const field = path[0];

    if (isSettingsField(field) && fieldErrors[field] === undefined) {
      fieldErrors[field] = item.message;
    }
  }

  return {
    status: typeof error.status === 'number' ? error.status : undefined,
    message: typeof error.message === 'string' && error.message !== '' ? error.message : undefined,
    fieldErrors,
  };
};
