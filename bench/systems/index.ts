import { GRAPHILE_FAN_OUT, GraphileWorkerSystem } from './graphile-worker.js';
import { OURS_FAN_OUT, OURS_RABBITMQ_FAN_OUT, OursSystem } from './ours.js';
import { postgresDriver } from './ours-postgres.js';
import { rabbitMqDriver } from './ours-rabbitmq.js';
import { PG_BOSS_FAN_OUT, PgBossSystem } from './pg-boss.js';
import type { BenchSystem, SystemConnection, SystemName } from './system.js';

/**
 * Each system's schema in the bench database; every case drops and recreates it. The RabbitMQ driver's is the name of
 * its exchange and the prefix of its queues, which its install deletes and declares again.
 */
export const SCHEMAS: Record<SystemName, string> = {
  ours: 'bench_ours',
  'pg-boss': 'bench_pgboss',
  'graphile-worker': 'bench_graphile',
  'ours-rabbitmq': 'bench_rabbitmq',
};

/** How each system's fan-out publish works (graphile-worker has no routing), printed with the fan-out figures. */
export const FAN_OUT_METHODS: Record<SystemName, string> = {
  ours: OURS_FAN_OUT,
  'pg-boss': PG_BOSS_FAN_OUT,
  'graphile-worker': GRAPHILE_FAN_OUT,
  'ours-rabbitmq': OURS_RABBITMQ_FAN_OUT,
};

export function createSystem(name: SystemName, connection: SystemConnection): BenchSystem {
  switch (name) {
    case 'ours':
      return new OursSystem(connection, postgresDriver(connection));
    case 'ours-rabbitmq':
      return new OursSystem(connection, rabbitMqDriver(connection));
    case 'pg-boss':
      return new PgBossSystem(connection);
    case 'graphile-worker':
      return new GraphileWorkerSystem(connection);
  }
}
