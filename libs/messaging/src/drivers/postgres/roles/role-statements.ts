import { quoteIdent, schemaIdent } from '../../../postgres/identifiers.js';

/**
 * The group roles of one broker schema. Each is NOLOGIN; login roles are made members of what they need.
 * - producer: publish (routing reads the bindings; it inserts only the columns a new message has, and reads back
 *   only `queue` and `visible_at`, so it can neither read payloads nor forge attempts, lease tokens or deaths);
 * - consumer: claim, ack, nack (retry or dead-letter), extend and release leases, declare and bind its queues;
 * - admin: the consumer's rights plus redrive, purge, delete queues or messages, pause queues, the dead-letter
 *   events (alerter) and the housekeeping chores (deduplication purge, expired-queue sweep, activity pruning).
 */
export interface BrokerRoleNames {
  owner: string;
  producer: string;
  consumer: string;
  admin: string;
}

const NEW_MESSAGE = 'queue, message_id, routing_key, payload, headers, published_at, visible_at';
const ACTIVITY_COUNTS = 'published, delivered, acked, dead_lettered';
const QUEUE_OPTIONS = 'lease_ms, max_attempts, retry_base_ms, retry_max_ms, retry_jitter, dead_letter_queue, updated_at, expires_at';

/**
 * The GRANTs (and row policies) of a broker schema, run by its owner after the migrations, in one transaction:
 * every privilege is revoked first, so the statements are idempotent and a privilege dropped here is dropped from a
 * live database too.
 * Privileges are the columns and tables each statement of statements/ touches, nothing more.
 */
export function brokerGrantStatements(schema: string, roles: BrokerRoleNames): string[] {
  const s = schemaIdent(schema);
  const [producer, consumer, admin] = [roles.producer, roles.consumer, roles.admin].map(quoteIdent);
  const groups = `${producer}, ${consumer}, ${admin}`;
  const tables = ['queues', 'bindings', 'messages', 'deduplication', 'dead_letter_events', 'consumer_presence', 'queue_activity', 'schema_migrations'].map((t) => `${s}.${t}`).join(', ');
  return [
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC, ${groups}`,
    `REVOKE ALL ON ${tables} FROM PUBLIC, ${groups}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM PUBLIC, ${groups}`,
    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${s} FROM PUBLIC, ${groups}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${groups}`,
    // publish and publishToQueue (request-reply), with deduplication.
    `GRANT SELECT (name) ON ${s}.queues TO ${producer}`,
    `GRANT SELECT (queue, pattern_regex) ON ${s}.bindings TO ${producer}`,
    `GRANT INSERT (${NEW_MESSAGE}) ON ${s}.messages TO ${producer}`,
    `GRANT SELECT (queue, visible_at) ON ${s}.messages TO ${producer}`,
    `GRANT SELECT (message_id, expires_at), INSERT (message_id, expires_at), UPDATE (expires_at) ON ${s}.deduplication TO ${producer}`,
    // claim, ack, nack, extend, release; declare, update, bind and renew queues (a PgServer's boot, a PgClient's reply queue).
    `GRANT SELECT, INSERT (name, ${QUEUE_OPTIONS}), UPDATE (${QUEUE_OPTIONS}) ON ${s}.queues TO ${consumer}, ${admin}`,
    `GRANT SELECT, INSERT, UPDATE (pattern_regex) ON ${s}.bindings TO ${consumer}, ${admin}`,
    `GRANT SELECT, DELETE, INSERT (${NEW_MESSAGE}, last_error, deaths), UPDATE (attempts, lease_token, visible_at, last_error) ON ${s}.messages TO ${consumer}, ${admin}`,
    `GRANT INSERT (queue, dead_letter_queue, message_id, routing_key, reason, error) ON ${s}.dead_letter_events TO ${consumer}, ${admin}`,
    `GRANT EXECUTE ON FUNCTION ${s}.record_death(jsonb, text, text, text, text), ${s}.retry_delay(integer, integer, integer, double precision) TO ${consumer}, ${admin}`,
    // redrive, purge, deleteQueue, unbind; the alerter; the housekeeping chores.
    `GRANT DELETE ON ${s}.queues, ${s}.bindings, ${s}.dead_letter_events TO ${admin}`,
    `GRANT SELECT, UPDATE (reason) ON ${s}.dead_letter_events TO ${admin}`,
    `GRANT SELECT, DELETE ON ${s}.deduplication TO ${admin}`,
    // Every broker adds its activity counts (an upsert reads the row it adds to); consumers keep their presence
    // rows; operators pause queues, read both tables, and prune them.
    `GRANT SELECT, INSERT, UPDATE (${ACTIVITY_COUNTS}) ON ${s}.queue_activity TO ${groups}`,
    `GRANT SELECT, INSERT, UPDATE (consumers, expires_at), DELETE ON ${s}.consumer_presence TO ${consumer}, ${admin}`,
    `GRANT UPDATE (paused_at) ON ${s}.queues TO ${admin}`,
    `GRANT DELETE ON ${s}.queue_activity TO ${admin}`,
    ...messageRowPolicies(s, producer, consumer, admin),
  ];
}

/**
 * Row-level security on the messages table, for what column grants cannot say: a consumer inserts rows only to
 * dead-letter them (a row with a death history), so a role that is a consumer and not a producer cannot publish
 * (42501, "new row violates row-level security policy"). Every other policy lets the rows through: the privileges
 * above decide. The owner (migrations) and superusers bypass row security.
 */
function messageRowPolicies(s: string, producer: string, consumer: string, admin: string): string[] {
  const policies = {
    pgm_read: `FOR SELECT TO ${producer}, ${consumer}, ${admin} USING (true)`,
    pgm_publish: `FOR INSERT TO ${producer} WITH CHECK (deaths IS NULL AND attempts = 0 AND lease_token IS NULL)`,
    pgm_dead_letter: `FOR INSERT TO ${consumer} WITH CHECK (jsonb_typeof(deaths) = 'array' AND jsonb_array_length(deaths) > 0 AND lease_token IS NULL)`,
    pgm_settle: `FOR UPDATE TO ${consumer} USING (true) WITH CHECK (true)`,
    pgm_ack: `FOR DELETE TO ${consumer} USING (true)`,
    pgm_admin: `FOR ALL TO ${admin} USING (true) WITH CHECK (true)`,
  };
  return [
    `ALTER TABLE ${s}.messages ENABLE ROW LEVEL SECURITY`,
    ...Object.entries(policies).flatMap(([name, rule]) => [`DROP POLICY IF EXISTS ${name} ON ${s}.messages`, `CREATE POLICY ${name} ON ${s}.messages ${rule}`]),
  ];
}

/**
 * The GRANTs of a service's own database, run by its owner after the migrations: the app reads and writes the rows
 * of every table in `schemas` (its entities, outbox, inbox) but not the migration bookkeeping, and gets the same on
 * tables later migrations add (default privileges). It creates nothing: CREATE on the schemas stays the owner's.
 */
export function serviceGrantStatements(schemas: string[], owner: string, apps: string[], migrationTables: string[]): string[] {
  const list = schemas.map(schemaIdent).join(', ');
  const members = apps.map(quoteIdent).join(', ');
  return [
    `REVOKE CREATE ON SCHEMA ${list} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${list} TO ${members}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${list} TO ${members}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${list} TO ${members}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(owner)} IN SCHEMA ${list} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${members}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(owner)} IN SCHEMA ${list} GRANT USAGE, SELECT ON SEQUENCES TO ${members}`,
    ...migrationTables.map((table) => `REVOKE ALL ON ${table.split('.').map(quoteIdent).join('.')} FROM PUBLIC, ${members}`),
  ];
}

/** Cluster-wide statements for one role (run by a superuser or a CREATEROLE role). `literal` quotes a value. */
export const roleStatements = {
  create: (role: string, login: boolean) => `CREATE ROLE ${quoteIdent(role)} ${login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
  /** Re-asserts the attributes of an existing role, so a role someone widened by hand is narrowed again. */
  alter: (role: string, login: boolean) => `ALTER ROLE ${quoteIdent(role)} ${login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
  password: (role: string, literal: string) => `ALTER ROLE ${quoteIdent(role)} PASSWORD ${literal}`,
  setting: (role: string, name: string, literal: string) => `ALTER ROLE ${quoteIdent(role)} SET ${quoteIdent(name)} = ${literal}`,
  grantMembership: (group: string, member: string) => `GRANT ${quoteIdent(group)} TO ${quoteIdent(member)}`,
  drop: (role: string) => `DROP ROLE IF EXISTS ${quoteIdent(role)}`,
  dropOwned: (role: string) => `DROP OWNED BY ${quoteIdent(role)}`,
};

/** Database-level statements: only the given roles may connect, nobody may create temporary tables but the owner. */
export function databaseAccessStatements(database: string, owner: string, connecting: string[]): string[] {
  const db = quoteIdent(database);
  return [
    `ALTER DATABASE ${db} OWNER TO ${quoteIdent(owner)}`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
    ...(connecting.length > 0 ? [`GRANT CONNECT ON DATABASE ${db} TO ${connecting.map(quoteIdent).join(', ')}`] : []),
  ];
}
