import { Sparkle } from '@strapi/icons';
import type { PluginDefinition } from '@strapi/strapi/admin';

import { PERMISSIONS } from './permissions';
import { EntryImagesPanel } from './panels/EntryImagesPanel';
import { PLUGIN_ID } from './pluginId';
import { getTranslation } from './utils/getTranslation';

type TranslationModule = { default: Record<string, string> };

const prefixTranslations = (data: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [getTranslation(key), value]));

const plugin: PluginDefinition = {
  register(app) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Sparkle,
      intlLabel: { id: getTranslation('plugin.name'), defaultMessage: 'Photo Score' },
      Component: () => import('./pages/photo-score/App').then((mod) => ({ default: mod.ProtectedPhotoScoreApp })),
      permissions: PERMISSIONS.read,
    });

    app.widgets.register({
      id: 'overview',
      pluginId: PLUGIN_ID,
      icon: Sparkle,
      title: { id: getTranslation('widget.title'), defaultMessage: 'Photo Score' },
      link: {
        label: { id: getTranslation('widget.link'), defaultMessage: 'Open Photo Score' },
        href: `/plugins/${PLUGIN_ID}`,
      },
      component: () => import('./widgets/OverviewWidget').then((mod) => mod.OverviewWidget),
      permissions: PERMISSIONS.read,
    });

    const contentManager = app.getPlugin('content-manager')?.apis;
    if (contentManager && typeof contentManager.addEditViewSidePanel === 'function') {
      // Loaded with the plugin's entry: a panel is a hook-using function the edit view calls, not a lazy page.
      contentManager.addEditViewSidePanel([EntryImagesPanel]);
    }

    app.addSettingsLink(
      {
        id: PLUGIN_ID,
        intlLabel: { id: getTranslation('settings.section'), defaultMessage: 'Photo Score' },
      },
      [
        {
          id: `${PLUGIN_ID}-thresholds`,
          // Relative to /settings: the page is served at /admin/settings/photo-score.
          to: PLUGIN_ID,
          intlLabel: { id: getTranslation('settings.link'), defaultMessage: 'Thresholds' },
          Component: () => import('./pages/SettingsPage').then((mod) => ({ default: mod.ProtectedSettingsPage })),
          permissions: PERMISSIONS.readSettings,
        },
        {
          id: `${PLUGIN_ID}-vendors`,
          to: `${PLUGIN_ID}/vendors`,
          intlLabel: { id: getTranslation('vendors.link'), defaultMessage: 'Vendors' },
          Component: () => import('./pages/VendorsPage').then((mod) => ({ default: mod.ProtectedVendorsPage })),
          permissions: PERMISSIONS.readSettings,
        },
      ],
    );

    app.registerPlugin({
      id: PLUGIN_ID,
      name: 'Photo Score',
    });
  },

  async registerTrads({ locales }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = (await import(`./translations/${locale}.json`)) as TranslationModule;

          return { data: prefixTranslations(data), locale };
        } catch {
          // No translation file for this locale: the admin falls back to the defaultMessages.
          return { data: {}, locale };
        }
      }),
    );
  },
};

export default plugin;
