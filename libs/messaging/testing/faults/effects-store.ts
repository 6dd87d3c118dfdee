import pg from 'pg';
import { migrateDatabase, SERVICE_MIGRATIONS } from '../../src/index.js';
import type { EffectRow } from './checkers/effects.js';

/** The effects table of the fault workloads: no unique key, so a duplicate effect is a second row, countable. */
const effectsTable = (schema: string) => `"${schema}".fault_effects`;

function assertSchema(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Not a plain schema name: ${schema}`);
}

/** Creates the service schema of the consumers: the library's inbox (SERVICE_MIGRATIONS) and the effects table. */
export async function setupEffects(url: string, schema: string): Promise<void> {
  assertSchema(schema);
  await migrateDatabase(url, schema, SERVICE_MIGRATIONS);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${effectsTable(schema)} (
      id bigserial PRIMARY KEY, value text NOT NULL, message_id text NOT NULL, process text NOT NULL, attempt integer NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  } finally {
    await client.end();
  }
}

/** Writes one effect inside the caller's transaction (the inbox's). */
export async function writeEffect(client: pg.ClientBase, schema: string, effect: { value: string; messageId: string; process: string; attempt: number }): Promise<void> {
  assertSchema(schema);
  await client.query(`INSERT INTO ${effectsTable(schema)} (value, message_id, process, attempt) VALUES ($1, $2, $3, $4)`, [effect.value, effect.messageId, effect.process, effect.attempt]);
}

/** Every effect committed, oldest first. */
export async function readEffects(url: string, schema: string): Promise<(EffectRow & { process: string; attempt: number })[]> {
  assertSchema(schema);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string; message_id: string; process: string; attempt: number }>(
      `SELECT value, message_id, process, attempt FROM ${effectsTable(schema)} ORDER BY id`,
    );
    return rows.map((r) => ({ value: r.value, messageId: r.message_id, process: r.process, attempt: r.attempt }));
  } finally {
    await client.end();
  }
}
