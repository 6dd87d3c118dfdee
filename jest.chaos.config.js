/** `npm run chaos`: every fault test (test/faults/*.spec.ts and the full-only *.chaos.ts) at full size, one at a time. */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.{spec,chaos}.ts'],
  testTimeout: 900_000,
  maxWorkers: 1,
};
