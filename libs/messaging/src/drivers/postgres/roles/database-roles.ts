import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InvalidArgumentError } from '../../../errors.js';
import { brokerGrantStatements, databaseAccessStatements, roleStatements, serviceGrantStatements, type BrokerRoleNames } from './role-statements.js';
import { assertSchemaName } from '../../../validation/names.js';

export type { BrokerRoleNames } from './role-statements.js';

/** A client that can quote a literal (a `pg.Client` or a pooled client). */
export type RoleClient = Pick<pg.ClientBase, 'query' | 'escapeLiteral'>;

/** A role that logs in: an app, or an owner that runs migrations. */
export interface LoginRole {
  name: string;
  /** Set at every run (it is sent as a SCRAM-SHA-256 verifier, so the server's logs never hold it in clear). */
  password: string;
  /** Group roles it is a member of (it inherits their privileges). */
  memberOf?: string[];
  /** Session defaults (ALTER ROLE … SET), e.g. APP_ROLE_SETTINGS. */
  settings?: Record<string, string>;
}

/**
 * Session limits for the apps' roles: no statement of theirs runs longer than 30 s (the broker's run in
 * milliseconds) and a transaction left open and idle for 60 s is ended, so a stuck app cannot hold row locks or
 * block vacuum. The LISTEN connection idles outside a transaction, which these do not limit.
 */
export const APP_ROLE_SETTINGS: Readonly<Record<string, string>> = { statement_timeout: '30s', idle_in_transaction_session_timeout: '60s' };

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) throw new InvalidArgumentError(`Invalid role name ${JSON.stringify(name)}: lower-case letters, digits and _, at most 63`, { role: name });
}

/** PostgreSQL's SCRAM-SHA-256 verifier of a password (what `ALTER ROLE … PASSWORD` stores), computed here. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest('base64');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey}:${serverKey}`;
}

async function ensureRole(client: RoleClient, name: string, login: boolean): Promise<void> {
  assertRoleName(name);
  const { rowCount } = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name]);
  if (rowCount === 0) {
    try {
      await client.query(roleStatements.create(name, login));
      return;
    } catch (error) {
      // Another setup created it meanwhile (duplicate_object): narrow it like an existing one.
      if ((error as { code?: string }).code !== '42710') throw error;
    }
  }
  await client.query(roleStatements.alter(name, login));
}

/**
 * Creates (or narrows again) the group roles and the login roles, sets the logins' passwords, memberships and
 * session settings. Idempotent; run by a superuser or a CREATEROLE role. Roles are cluster-wide.
 */
export async function ensureRoles(client: RoleClient, groups: readonly string[], logins: readonly LoginRole[]): Promise<void> {
  for (const group of groups) await ensureRole(client, group, false);
  for (const login of logins) {
    if (!login.password) throw new InvalidArgumentError(`Role ${login.name} needs a password`, { role: login.name });
    await ensureRole(client, login.name, true);
    // Printable ASCII is its own SASLprep form; anything else is left to the server to hash.
    const secret = /^[\x21-\x7e]+$/.test(login.password) ? scramVerifier(login.password) : login.password;
    await client.query(roleStatements.password(login.name, client.escapeLiteral(secret)));
    for (const group of login.memberOf ?? []) {
      assertRoleName(group);
      await client.query(roleStatements.grantMembership(group, login.name));
    }
    for (const [setting, value] of Object.entries(login.settings ?? {})) {
      if (!/^[a-z_]+$/.test(setting)) throw new InvalidArgumentError(`Invalid setting name ${setting}`, { setting });
      await client.query(roleStatements.setting(login.name, setting, client.escapeLiteral(value)));
    }
  }
}

/**
 * Gives the database to its owner role and lets only `connecting` roles (and the owner, and superusers) connect:
 * CONNECT and TEMPORARY are revoked from PUBLIC. Run by a superuser, from any database of the server.
 */
export async function restrictDatabase(client: RoleClient, database: string, owner: string, connecting: readonly string[]): Promise<void> {
  for (const name of [database, owner, ...connecting]) assertRoleName(name);
  for (const statement of databaseAccessStatements(database, owner, [...connecting])) await client.query(statement);
}

/** Grants the broker's group roles their privileges on `schema` (see BrokerRoleNames). Run in the broker's database by its owner, after migrating. */
export async function grantBrokerRoles(client: RoleClient, schema: string, roles: BrokerRoleNames): Promise<void> {
  for (const name of Object.values(roles)) assertRoleName(name);
  await runInTransaction(client, brokerGrantStatements(schema, roles));
}

export interface ServiceGrants {
  /** Schemas of the service's tables, e.g. ['public', 'messaging'] (its entities, its outbox and inbox). */
  schemas: string[];
  /** The role that owns them and runs the migrations. */
  owner: string;
  /** The roles that use them (read and write rows only). */
  apps: string[];
  /** Migration bookkeeping the apps must not touch, e.g. ['public.typeorm_migrations', 'messaging.service_schema_migrations']. */
  migrationTables: string[];
}

/** Grants a service's app roles the rows of its tables. Run in the service's database by its owner, after migrating. */
export async function grantServiceDatabase(client: RoleClient, grants: ServiceGrants): Promise<void> {
  for (const name of [grants.owner, ...grants.apps]) assertRoleName(name);
  for (const table of grants.migrationTables) table.split('.').forEach(assertSchemaName);
  await runInTransaction(client, serviceGrantStatements(grants.schemas, grants.owner, grants.apps, grants.migrationTables));
}

/** Drops roles and what they own or were granted in the database `client` is connected to (tests, teardown). */
export async function dropRoles(client: RoleClient, names: readonly string[]): Promise<void> {
  for (const name of names) assertRoleName(name);
  const { rows } = await client.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])`, [names]);
  const existing = new Set(rows.map((r) => r.rolname));
  for (const name of names.filter((n) => existing.has(n))) await client.query(roleStatements.dropOwned(name));
  for (const name of names.filter((n) => existing.has(n))) await client.query(roleStatements.drop(name));
}

async function runInTransaction(client: RoleClient, statements: string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
