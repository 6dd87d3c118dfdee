import { fileURLToPath } from 'node:url';

/** The workload child processes' scripts, for Supervisor.start. */
export const WORKLOAD = {
  /** Claims, handles (fates, effects through the inbox), settles; records everything. See processes/consumer.ts. */
  consumer: fileURLToPath(new URL('./processes/consumer.ts', import.meta.url)),
  /** Publishes unique values `<name>-<n>`, recording invoke/ok/fail/info. See processes/publisher.ts. */
  publisher: fileURLToPath(new URL('./processes/publisher.ts', import.meta.url)),
} as const;
