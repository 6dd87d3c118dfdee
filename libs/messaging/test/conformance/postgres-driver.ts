import { fileURLToPath } from 'node:url';
import { createTestBroker, recordingLogger, type DriverFactory } from '../../testing/index.js';

/** The PostgreSQL driver under test: a fresh schema per test file on DATABASE_URL. */
export const postgresDriverFactory: DriverFactory = {
  async create(label) {
    // The cases fail, retry and overrun graces on purpose: the broker's warnings about that are kept, not printed.
    const t = await createTestBroker(label, { logger: recordingLogger() });
    return {
      broker: t.broker,
      childModule: fileURLToPath(new URL('./postgres-child-broker.ts', import.meta.url)),
      childEnv: { DATABASE_URL: t.url, CONFORMANCE_SCHEMA: t.schema },
      cleanup: () => t.cleanup(),
    };
  },
};
