/**
 * `npm run chaos`: every fault test (test/faults/*.spec.ts and the full-only *.chaos.ts) at full size, one at a time,
 * and the RabbitMQ cluster failover test, whose R01.json the reliability doc reads too.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.{spec,chaos}.ts', '<rootDir>/test/rabbitmq-cluster/**/*.spec.ts'],
  testTimeout: 900_000,
  maxWorkers: 1,
};
