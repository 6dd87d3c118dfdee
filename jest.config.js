import { ignorePatterns, specsNotRun } from './tools/specs-not-run.js';

/** Jest 30 in ESM mode (Nest 12 is ESM-only): run with `node --experimental-vm-modules` on Node >= 24.9. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@app/contracts$': '<rootDir>/libs/contracts/index.ts',
    '^@app/messaging$': '<rootDir>/libs/messaging/src/index.ts',
    '^@app/messaging/testing$': '<rootDir>/libs/messaging/testing/index.ts',
    '^@app/messaging/testing/faults$': '<rootDir>/libs/messaging/testing/faults/index.ts',
    '^@app/messaging/telemetry$': '<rootDir>/libs/messaging/src/telemetry/start-telemetry.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/{libs,apps,test,scripts,bench}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...ignorePatterns(specsNotRun())],
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
  globalTeardown: '<rootDir>/tools/jest-global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
