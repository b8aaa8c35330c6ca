import * as React from 'react';

import { Box, Tabs } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';

import { PERMISSIONS } from '../../permissions';
import { useCapabilities, useT, type Capabilities } from '../../hooks';
import { BackfillTab } from './BackfillTab';
import { DistributionTab } from './DistributionTab';
import { LibraryTab } from './LibraryTab';
import { ReviewTab } from './ReviewTab';
import { TryTab } from './TryTab';

interface TabDefinition {
  path: string;
  label: [string, string];
  allowed: (can: Capabilities) => boolean;
  element: React.ReactElement;
}

const TABS: TabDefinition[] = [
  { path: 'library', label: ['tab.library', 'Library'], allowed: (can) => can.canRead, element: <LibraryTab /> },
  { path: 'review', label: ['tab.review', 'Review queue'], allowed: (can) => can.canReview, element: <ReviewTab /> },
  {
    path: 'distribution',
    label: ['tab.distribution', 'Distribution & calibration'],
    allowed: (can) => can.canRead,
    element: <DistributionTab />,
  },
  { path: 'try', label: ['tab.try', 'Try a photo'], allowed: (can) => can.canRead, element: <TryTab /> },
  {
    path: 'backfill',
    label: ['tab.backfill', 'Backfill'],
    allowed: (can) => can.canBackfill,
    element: <BackfillTab />,
  },
];

const PhotoScoreApp = () => {
  const t = useT();
  const can = useCapabilities();
  const navigate = useNavigate();
  const { pathname } = useLocation();

  if (can.isLoading) return <Page.Loading />;
  const tabs = TABS.filter((tab) => tab.allowed(can));
  const current = tabs.find((tab) => pathname.split('/').includes(tab.path))?.path ?? tabs[0]?.path;

  return (
    <Page.Main>
      <Page.Title>{t('page.title', 'Photo Score')}</Page.Title>
      <Layouts.Header
        title={t('page.header.title', 'Photo Score')}
        subtitle={t(
          'page.header.subtitle',
          'The quality scores of your images: browse them, review the flagged ones, calibrate the thresholds',
        )}
      />
      <Box paddingLeft={10} paddingRight={10}>
        <Tabs.Root variant="simple" value={current} onValueChange={(value) => navigate(value)}>
          <Tabs.List aria-label={t('page.tabs', 'Photo Score sections')}>
            {tabs.map((tab) => (
              <Tabs.Trigger key={tab.path} value={tab.path}>
                {t(...tab.label)}
              </Tabs.Trigger>
            ))}
          </Tabs.List>
        </Tabs.Root>
      </Box>
      <Layouts.Content>
        <Box paddingTop={6}>
          <Routes>
            {tabs.map((tab) => (
              <Route key={tab.path} path={`${tab.path}/*`} element={tab.element} />
            ))}
            {current ? <Route path="*" element={<Navigate to={current} replace />} /> : null}
          </Routes>
        </Box>
      </Layouts.Content>
    </Page.Main>
  );
};

/** The main-menu page, behind the `read` permission (its tabs each check their own). */
export const ProtectedPhotoScoreApp = () => (
  <Page.Protect permissions={PERMISSIONS.read}>
    <PhotoScoreApp />
  </Page.Protect>
);

export default ProtectedPhotoScoreApp;
