import pg from 'pg';

/** One statement: text with $n placeholders and its values; `name` makes pg prepare it once per connection. */
export interface SqlStatement {
  name?: string;
  text: string;
  values: unknown[];
}

/** Runs a statement on some connection and returns its rows. The library's only view of "a database session". */
export interface SqlExecutor {
  run<R>(statement: SqlStatement): Promise<R[]>;
}

/** What the library needs of a `pg` Pool, Client or PoolClient. */
export type SqlClient = Pick<pg.ClientBase, 'query'>;

/** The TypeORM shapes a caller may hand over: an EntityManager (from `dataSource.transaction`) or a QueryRunner. */
interface TypeOrmQueryRunnerLike {
  query(query: string, parameters?: unknown[], useStructuredResult?: boolean): Promise<unknown>;
}
interface TypeOrmManagerLike {
  readonly queryRunner?: TypeOrmQueryRunnerLike;
  query(query: string, parameters?: unknown[]): Promise<unknown>;
}
export type TypeOrmTransaction = TypeOrmManagerLike | (TypeOrmQueryRunnerLike & { readonly manager: unknown });

/** A transaction the caller owns: a `pg` client inside BEGIN, a TypeORM EntityManager or QueryRunner, or an executor. */
export type Transaction = SqlClient | TypeOrmTransaction | SqlExecutor;

export function pgExecutor(client: SqlClient): SqlExecutor {
  return {
    async run<R>(statement: SqlStatement): Promise<R[]> {
      const result = await client.query<R & pg.QueryResultRow>(statement as pg.QueryConfig);
      return result.rows;
    },
  };
}

/**
 * Adapts a TypeORM EntityManager or QueryRunner. Statements run on its connection, so inside its transaction.
 * Uses the QueryRunner's structured result because TypeORM's plain `query` returns `[rows, count]` for UPDATE/DELETE.
 */
export function typeOrmExecutor(transaction: TypeOrmTransaction): SqlExecutor {
  const runner: TypeOrmQueryRunnerLike | undefined = 'manager' in transaction ? transaction : transaction.queryRunner;
  return {
    async run<R>(statement: SqlStatement): Promise<R[]> {
      if (runner) {
        const result = (await runner.query(statement.text, statement.values, true)) as { records: R[] };
        return result.records;
      }
      return (await transaction.query(statement.text, statement.values)) as R[];
    },
  };
}

function isExecutor(value: Transaction): value is SqlExecutor {
  return typeof (value as SqlExecutor).run === 'function';
}

function isTypeOrm(value: Transaction): value is TypeOrmTransaction {
  return 'queryRunner' in value || ('manager' in value && 'connection' in value) || 'dataSource' in value;
}

/** Turns whatever transaction the caller passed into an executor. */
export function toExecutor(transaction: Transaction): SqlExecutor {
  if (isExecutor(transaction)) return transaction;
  if (isTypeOrm(transaction)) return typeOrmExecutor(transaction);
  return pgExecutor(transaction as SqlClient);
}

/**
 * A `pg` client emits 'error' when its connection fails, even after the query it was running got that error (the
 * socket closing is one more event); unheard, that ends the process. For a client whose every use awaits a query,
 * the rejected query is the report: this listener only keeps the process alive.
 */
export function survivingConnectionErrors<C extends pg.ClientBase>(client: C): C {
  client.on('error', () => undefined);
  return client;
}

/**
 * The client class of every pool the library and its TypeORM DataSources create (pg-pool's `Client` option): it
 * listens for 'error' for its whole life. A checked-out client whose connection fails between two queries (idle in
 * a transaction while a handler awaits an HTTP call) emits 'error' on itself, not on the pool, and its holder may not
 * listen: in a test killing PostgreSQL six times under load, one run in four ended the payment worker that way. The
 * failure still reaches the holder (its next query fails) and the pool (it drops the client).
 */
export class ErrorListeningClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    survivingConnectionErrors(this);
  }
}

/** `ErrorListeningClient` as pg-pool's `Client` option. */
export const ERROR_LISTENING_POOL = { Client: ErrorListeningClient as unknown as new () => pg.ClientBase };

/**
 * Runs `work` with a client checked out of `pool`, and gives it back (destroyed if its connection failed). While
 * checked out, a client whose server goes away emits 'error' between queries; unheard, that crashes the process.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `work` in a transaction on a client of `pool`: COMMIT when it resolves, ROLLBACK when it throws. */
export function inClientTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** Runs `work` in a transaction on a connection of `pool`, through an executor. */
export function inTransaction<T>(pool: pg.Pool, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
  return inClientTransaction(pool, (client) => work(pgExecutor(client)));
}

/** Runs `work` so that it writes all or nothing inside the caller's transaction. */
export async function withSavepoint<T>(db: SqlExecutor, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
  await db.run({ text: 'SAVEPOINT pg_messaging', values: [] });
  try {
    const result = await work(db);
    await db.run({ text: 'RELEASE SAVEPOINT pg_messaging', values: [] });
    return result;
  } catch (error) {
    await db.run({ text: 'ROLLBACK TO SAVEPOINT pg_messaging', values: [] });
    throw error;
  }
}
