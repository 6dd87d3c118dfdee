import pg from 'pg';

/**
 * A connection of its own for counting a PostgreSQL system's unsettled messages, apart from the library's pool, so
 * the "all settled?" polls of a drain take nothing from it.
 */
export class SqlCount {
  private readonly client: pg.Client;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url, application_name: 'bench-inspector' });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Runs a query returning one row with an integer column `n`. */
  async count(text: string, values: unknown[]): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(text, values);
    return rows[0].n;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
