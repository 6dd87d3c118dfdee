import { Broker } from '@app/messaging';
import type { BenchBroker, OursDriver } from './ours.js';
import { SqlCount } from './sql-count.js';
import type { SystemConnection } from './system.js';

/** Our PostgreSQL driver: `Broker.connect` on the case's schema; unsettled = rows left in its messages table. */
export function postgresDriver(connection: SystemConnection): OursDriver {
  const count = new SqlCount(connection.url);
  return {
    system: 'ours',
    serverPid: null,
    declaresOnStart: false,
    async connect(): Promise<BenchBroker> {
      await count.connect();
      return Broker.connect({ connectionString: connection.url, schema: connection.schema, poolSize: 10 });
    },
    queueName: (queue) => queue,
    // The orchestrator drops the schema before every case.
    clear: async () => undefined,
    unsettled: (_broker, queues) => count.count(`SELECT count(*)::int AS n FROM "${connection.schema}".messages WHERE queue = ANY($1)`, [queues]),
    close: () => count.close(),
  };
}
