import type pg from 'pg';

/**
 * The database's schema objects: every namespace, relation (with its kind and columns' count) and function with
 * its arguments. Two snapshots taken around hostile input must be equal: nothing was created, dropped or altered.
 */
export async function catalogSnapshot(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ entry: string }>(
    `SELECT 'namespace ' || nspname AS entry FROM pg_namespace
     UNION ALL
     SELECT 'relation ' || n.nspname || '.' || c.relname || ' kind=' || c.relkind::text || ' columns=' || c.relnatts::text
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     UNION ALL
     SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     ORDER BY 1`,
  );
  return rows.map((row) => row.entry);
}

/** What is in `after` and not in `before`, and the reverse. */
export function catalogDiff(before: string[], after: string[]): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const is = new Set(after);
  return { added: after.filter((e) => !was.has(e)), removed: before.filter((e) => !is.has(e)) };
}
