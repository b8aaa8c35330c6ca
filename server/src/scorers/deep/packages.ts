/**
 * The deep mode's packages (`local.mode: 'deep'`, `local.moderation`, the CLI's `--mode deep`
 * and `--moderation`) are optional peer dependencies: a default install carries neither
 * TensorFlow.js nor nsfwjs (nor nsfwjs's own peer, the full `@tensorflow/tfjs`). model.ts loads
 * them when the network is first needed; this says up front which are missing and how to add
 * them, instead of a "Cannot find module" at the first upload.
 */
export const DEEP_PACKAGES = {
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-layers': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
  nsfwjs: '4.4.0',
} as const;

type DeepPackage = keyof typeof DEEP_PACKAGES;

/** What model.ts resolves of each (nsfwjs exports no package.json and its main entry needs the full tfjs). */
const ENTRY_POINTS: Readonly<Record<DeepPackage, string>> = {
  '@tensorflow/tfjs-core': '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers': '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm': '@tensorflow/tfjs-backend-wasm/package.json',
  nsfwjs: 'nsfwjs/models/mobilenet_v2',
};

export const DEEP_INSTALL_COMMAND = `npm install ${Object.entries(DEEP_PACKAGES)
  .map(([name, version]) => `${name}@${version}`)
  .join(' ')}`;

function missingDeepPackages(): DeepPackage[] {
  return (Object.keys(ENTRY_POINTS) as DeepPackage[]).filter((name) => {
    try {
      require.resolve(ENTRY_POINTS[name]);
      return false;
    } catch {
      return true;
    }
  });
}

/** Throws, naming what is missing and the command that installs it, when `setting` (what asked for the CNN) cannot run. */
export function assertDeepPackages(setting: string): void {
  const missing = missingDeepPackages();
  if (missing.length === 0) return;
  throw new Error(
    `photo-score: ${setting} needs the deep mode's packages, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed. ` +
      `Install them in your app: ${DEEP_INSTALL_COMMAND}`,
  );
}
