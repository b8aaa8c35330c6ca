import * as React from 'react';

import { Badge, Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { ArrowClockwise, Play } from '@strapi/icons';
import { Layouts, Page, isFetchError, useFetchClient, useNotification, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';

import { PERMISSIONS } from '../permissions';
import { PLUGIN_ID } from '../pluginId';
import { getTranslation } from '../utils/getTranslation';
import { parseServerError } from '../utils/settings';
import {
  canResume,
  formatUse,
  formatVendorUsage,
  parseVendorResponse,
  parseVendorsResponse,
  type VendorEvent,
  type VendorState,
} from '../utils/vendors';

const VENDORS_URL = `/${PLUGIN_ID}/vendors`;

type Translate = (id: string, defaultMessage: string, values?: Record<string, string | number>) => string;

const errorBody = (error: unknown): unknown => (isFetchError(error) ? error.response?.data : undefined);

const when = (iso: string): string => new Date(iso).toLocaleString();

const Fact = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <Grid.Item col={6} s={12} direction="column" alignItems="flex-start">
    <Typography variant="sigma" textColor="neutral600" tag="dt">
      {label}
    </Typography>
    <Typography variant="omega" tag="dd">
      {children}
    </Typography>
  </Grid.Item>
);

const describeEvent = (event: VendorEvent | null, none: string): string =>
  event ? `${when(event.at)}: ${event.message}${event.kind ? ` (${event.kind})` : ''}` : none;

interface VendorCardProps {
  vendor: VendorState;
  t: Translate;
  canUpdate: boolean;
  resuming: boolean;
  usageFetched: boolean;
  onResume: (id: string) => void;
}

const VendorCard = ({ vendor, t, canUpdate, resuming, usageFetched, onResume }: VendorCardProps) => {
  const status = !vendor.enabled
    ? { label: t('vendors.status.disabled', 'Disabled'), variant: 'secondary' as const }
    : vendor.suspended
      ? { label: t('vendors.status.suspended', 'Suspended'), variant: 'danger' as const }
      : vendor.skipped
        ? { label: t('vendors.status.skipped', 'Skipped'), variant: 'warning' as const }
        : { label: t('vendors.status.active', 'Active'), variant: 'success' as const };
  const noLimit = t('vendors.budget.noLimit', 'no limit');
  const usage = formatVendorUsage(vendor.usage);

  return (
    <Box
      background="neutral0"
      padding={6}
      shadow="filterShadow"
      hasRadius
      tag="section"
      aria-labelledby={`vendor-${vendor.id}`}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between" alignItems="center" gap={2}>
          <Flex gap={2} alignItems="center">
            <Typography variant="delta" tag="h2" id={`vendor-${vendor.id}`}>
              {vendor.id}
            </Typography>
            <Badge variant={status.variant}>{status.label}</Badge>
          </Flex>
          {canUpdate ? (
            <Button
              size="S"
              variant="secondary"
              startIcon={<Play />}
              loading={resuming}
              disabled={!canResume(vendor) || resuming}
              onClick={() => onResume(vendor.id)}
              aria-label={t('vendors.resume.label', 'Resume {vendor}', { vendor: vendor.id })}
            >
              {t('vendors.resume', 'Resume')}
            </Button>
          ) : null}
        </Flex>
        <Grid.Root gap={4} tag="dl">
          <Fact label={t('vendors.chain', 'Place in the chain')}>
            {vendor.position === null
              ? t('vendors.chain.none', 'Not in the chain')
              : t('vendors.chain.position', '#{position} ({role}), weight {weight}', {
                  position: vendor.position,
                  role:
                    vendor.role === 'enrichment'
                      ? t('vendors.role.enrichment', 'tags and moderation')
                      : t('vendors.role.score', 'score'),
                  weight: vendor.weight,
                })}
          </Fact>
          <Fact label={t('vendors.breaker', 'Circuit breaker')}>
            {vendor.breaker.open && vendor.breaker.reopensAt
              ? t('vendors.breaker.open', 'Open until {time}', { time: when(vendor.breaker.reopensAt) })
              : t('vendors.breaker.closed', 'Closed ({failures} failures in a row)', {
                  failures: vendor.breaker.consecutiveFailures,
                })}
          </Fact>
          <Fact label={t('vendors.budget.today', 'Requests today (UTC)')}>
            {formatUse(vendor.budget.usedToday, vendor.budget.perDay, noLimit)}
          </Fact>
          <Fact label={t('vendors.budget.month', 'Requests this month (UTC)')}>
            {formatUse(vendor.budget.usedThisMonth, vendor.budget.perMonth, noLimit)}
          </Fact>
          <Fact label={t('vendors.suspension', 'Quota suspension')}>
            {vendor.suspended
              ? t('vendors.suspension.until', 'Until {time}: {reason}', {
                  time: when(vendor.suspended.until),
                  reason: vendor.suspended.reason,
                })
              : t('vendors.suspension.none', 'Not suspended')}
          </Fact>
          <Fact label={t('vendors.skipped', 'Next upload')}>
            {vendor.skipped
              ? t('vendors.skipped.reason', 'Skipped: {reason}', { reason: vendor.skipped })
              : t('vendors.skipped.none', 'Will call the vendor')}
          </Fact>
          <Fact label={t('vendors.lastError', 'Last error')}>
            {describeEvent(vendor.lastError, t('vendors.none', 'None'))}
          </Fact>
          <Fact label={t('vendors.lastSkip', 'Last skipped')}>
            {describeEvent(vendor.lastSkip, t('vendors.none', 'None'))}
          </Fact>
          {usageFetched ? (
            <Fact label={t('vendors.usage', 'Usage reported by the vendor')}>
              {usage ?? t('vendors.usage.none', 'This vendor does not report usage')}
            </Fact>
          ) : null}
        </Grid.Root>
      </Flex>
    </Box>
  );
};

const VendorsPage = () => {
  const { formatMessage } = useIntl();
  const { toggleNotification } = useNotification();
  const { get, post } = useFetchClient();
  const {
    allowedActions: { canUpdate },
    isLoading: isLoadingPermissions,
  } = useRBAC(PERMISSIONS.updateSettings);

  const [vendors, setVendors] = React.useState<VendorState[] | null>(null);
  const [loadError, setLoadError] = React.useState<string | undefined>(undefined);
  const [usageFetched, setUsageFetched] = React.useState(false);
  const [fetchingUsage, setFetchingUsage] = React.useState(false);
  const [resuming, setResuming] = React.useState<string | null>(null);

  const t: Translate = React.useCallback(
    (id, defaultMessage, values) => formatMessage({ id: getTranslation(id), defaultMessage }, values),
    [formatMessage],
  );

  React.useEffect(() => {
    let active = true;
    get(VENDORS_URL)
      .then(({ data }) => {
        if (active) setVendors(parseVendorsResponse(data));
      })
      .catch((error: unknown) => {
        if (active) setLoadError(parseServerError(errorBody(error)).message ?? 'error');
      });
    return () => {
      active = false;
    };
  }, [get]);

  const fetchUsage = async () => {
    setFetchingUsage(true);
    try {
      const { data } = await get(`${VENDORS_URL}?usage=true`);
      setVendors(parseVendorsResponse(data));
      setUsageFetched(true);
    } catch (error: unknown) {
      toggleNotification({
        type: 'danger',
        message:
          parseServerError(errorBody(error)).message ??
          t('vendors.notification.usageError', 'The vendors could not be asked for their usage.'),
      });
    } finally {
      setFetchingUsage(false);
    }
  };

  const resume = async (id: string) => {
    setResuming(id);
    try {
      const { data } = await post(`${VENDORS_URL}/${encodeURIComponent(id)}/resume`, {});
      const updated = parseVendorResponse(data);
      if (updated) {
        // Keep the usage already fetched: resuming does not ask the vendor again.
        setVendors((previous) =>
          (previous ?? []).map((vendor) => (vendor.id === id ? { ...updated, usage: vendor.usage } : vendor)),
        );
      }
      toggleNotification({
        type: 'success',
        message: t('vendors.notification.resumed', '{vendor} resumed', { vendor: id }),
      });
    } catch (error: unknown) {
      toggleNotification({
        type: 'danger',
        message:
          parseServerError(errorBody(error)).message ??
          t('vendors.notification.resumeError', 'The vendor could not be resumed.'),
      });
    } finally {
      setResuming(null);
    }
  };

  if (loadError !== undefined) {
    return <Page.Error content={t('vendors.notification.loadError', 'The vendors could not be loaded.')} />;
  }
  if (vendors === null || isLoadingPermissions) {
    return <Page.Loading />;
  }

  return (
    <Page.Main>
      <Page.Title>{t('vendors.page.title', 'Vendors - Photo Score')}</Page.Title>
      <Layouts.Header
        title={t('vendors.header.title', 'Vendors')}
        subtitle={t(
          'vendors.header.subtitle',
          'Optional scoring services beside the embedded offline scorer: their budgets, suspensions and errors',
        )}
        primaryAction={
          // Nothing to ask without a vendor: the embedded scorer has no usage to report.
          vendors.length > 0 ? (
            <Button
              size="S"
              variant="secondary"
              startIcon={<ArrowClockwise />}
              loading={fetchingUsage}
              onClick={fetchUsage}
            >
              {t('vendors.usage.fetch', 'Ask vendors for their usage')}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {vendors.length === 0 ? (
            <Box background="neutral0" padding={6} shadow="filterShadow" hasRadius>
              <Typography variant="omega">
                {t(
                  'vendors.empty',
                  'No vendor is configured: every image is scored by the embedded scorer. Vendors are set up in config/plugins.',
                )}
              </Typography>
            </Box>
          ) : (
            vendors.map((vendor) => (
              <VendorCard
                key={vendor.id}
                vendor={vendor}
                t={t}
                canUpdate={Boolean(canUpdate)}
                resuming={resuming === vendor.id}
                usageFetched={usageFetched}
                onResume={resume}
              />
            ))
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

/** The vendors page behind the `plugin::photo-score.settings.read` permission. */
const ProtectedVendorsPage = () => (
  <Page.Protect permissions={PERMISSIONS.readSettings}>
    <VendorsPage />
  </Page.Protect>
);

export { VendorsPage, ProtectedVendorsPage };
export default ProtectedVendorsPage;
