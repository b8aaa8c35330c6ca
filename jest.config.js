/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } },
    ],
  },
  // Dynamic import() is left to jest's VM modules (run with --experimental-vm-modules),
  // which load ESM-only packages such as p-retry natively.
  testMatch: ['<rootDir>/server/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/tests/app/'],
  testTimeout: 120000,
};
