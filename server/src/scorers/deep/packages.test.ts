import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEEP_INSTALL_COMMAND, DEEP_PACKAGES } from './packages';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("the deep mode's packages", () => {
  it('are the optional peer dependencies package.json declares, at the versions the boot error names', () => {
    const optional = Object.keys(manifest.peerDependenciesMeta).filter(
      (name) => manifest.peerDependenciesMeta[name].optional,
    );
    expect(optional.sort()).toEqual(Object.keys(DEEP_PACKAGES).sort());
    for (const [name, version] of Object.entries(DEEP_PACKAGES)) {
      expect(manifest.peerDependencies[name]).toBe(version);
      // Installed here for the suite, never for the plugin's users.
      expect(manifest.devDependencies[name]).toBe(version);
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(DEEP_INSTALL_COMMAND).toContain(` ${name}@${version}`);
    }
  });
});
