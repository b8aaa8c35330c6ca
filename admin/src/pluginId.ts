/** The plugin's id: the `strapi.name` in package.json, the admin routes' prefix and the translations' prefix. */
export const PLUGIN_ID = 'photo-score';

export default PLUGIN_ID;
