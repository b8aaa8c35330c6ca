import * as React from 'react';

import { useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';

import { PERMISSIONS } from './permissions';
import { getTranslation } from './utils/getTranslation';

export type Translate = (id: string, defaultMessage: string, values?: Record<string, string | number>) => string;

/** `t(id, default, values)`: a message of the plugin's translations. */
export const useT = (): Translate => {
  const { formatMessage } = useIntl();
  return React.useCallback(
    (id, defaultMessage, values) => formatMessage({ id: getTranslation(id), defaultMessage }, values),
    [formatMessage],
  );
};

const CAPABILITY_CHECKS = [
  ...PERMISSIONS.read,
  ...PERMISSIONS.review,
  ...PERMISSIONS.backfill,
  ...PERMISSIONS.updateSettings,
];

/** What the signed-in admin may do on the Photo Score page (useRBAC names each by its last segment). */
export const useCapabilities = () => {
  const { allowedActions, isLoading } = useRBAC(CAPABILITY_CHECKS);
  return {
    isLoading,
    canRead: Boolean(allowedActions.canRead),
    canReview: Boolean(allowedActions.canReview),
    canBackfill: Boolean(allowedActions.canBackfill),
    canUpdateSettings: Boolean(allowedActions.canUpdate),
  };
};

export type Capabilities = ReturnType<typeof useCapabilities>;
