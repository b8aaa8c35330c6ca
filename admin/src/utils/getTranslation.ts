import { PLUGIN_ID } from '../pluginId';

/** Prefixes a translation key with the plugin id, as `registerTrads` does with the keys of `translations/*.json`. */
export const getTranslation = (id: string): string => `${PLUGIN_ID}.${id}`;
