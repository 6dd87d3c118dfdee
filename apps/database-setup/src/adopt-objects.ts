import type { RoleClient } from '@app/messaging';

/**
 * Gives `owner` the objects of `schemas` that another role owns (a database migrated by the superuser before roles
 * existed: an older data folder). Tables bring their indexes and their own sequences along. Run by a superuser in
 * that database; a schema that does not exist is skipped, and `public` stays the database owner's.
 */
export async function adoptSchemaObjects(client: RoleClient, schemas: readonly string[], owner: string): Promise<void> {
  const { rows } = await client.query<{ statement: string }>(
    `SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $2::text) AS statement
       FROM pg_namespace n WHERE n.nspname = ANY($1::text[]) AND n.nspname <> 'public' AND n.nspowner <> $2::regrole
     UNION ALL
     SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, $2::text)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relowner <> $2::regrole
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1::text[]) AND p.proowner <> $2::regrole`,
    [schemas, owner],
  );
  for (const { statement } of rows) await client.query(statement);
}
