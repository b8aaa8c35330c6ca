// ESLint for the plugin's TypeScript (server, admin, tests): JavaScript's and typescript-eslint's
// recommended rules, no `any` and no `@ts-…` comments (the standards' two), and no import cycles.
// Formatting is prettier's (`npm run format`), not the linter's. `npm run lint` runs this and tsc.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'tests/app/', '**/node_modules/'] },
  {
    files: ['server/src/**/*.ts', 'shared/**/*.ts', 'admin/src/**/*.{ts,tsx}', 'tests/**/*.ts'],
    // import-x's TypeScript settings (its parsers and extensions), so no-cycle follows .ts imports.
    extends: [js.configs.recommended, tseslint.configs.recommended, importX.flatConfigs.typescript],
    languageOptions: { globals: globals.node },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', 'admin/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      'import-x/no-cycle': 'error',
      // `const { dropped: _, ...rest } = x` is how an object loses a key.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['admin/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
);
