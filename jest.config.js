/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // p-retry and friends ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  testMatch: ['<rootDir>/server/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/tests/app/'],
  testTimeout: 120000,
};
