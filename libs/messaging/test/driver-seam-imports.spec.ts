import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layers above the driver seam reach a broker only through MessageBroker (driver/) and connectBroker: an import
// of drivers/ or of the 'pg' package there ties them to one engine again. The outbox and the inbox may use 'pg' and
// the postgres/ primitives: they write the service's own database, whichever broker carries the messages.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const ABOVE_THE_SEAM = ['transport', 'outbox', 'inbox', 'ops', 'housekeeping', 'messaging.module.ts'];
const SERVICE_DATABASE_WRITERS = ['outbox', 'inbox'];

/** Every module specifier of a file: `import … from`, `export … from`, side-effect imports and `import()`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g)) found.push(match[2]);
  return found;
}

/** What is wrong with one import of a file (the path is relative to src/), or null. */
function forbiddenImport(file: string, specifier: string): string | null {
  const mayUsePg = SERVICE_DATABASE_WRITERS.some((folder) => file.startsWith(`${folder}/`));
  if ((specifier === 'pg' || specifier.startsWith('pg/')) && !mayUsePg) return `imports the 'pg' package`;
  if (!specifier.startsWith('.')) return null;
  const target = relative(SRC, resolve(SRC, dirname(file), specifier)).split(sep).join('/');
  if (target === 'drivers' || target.startsWith('drivers/')) return `imports ${target} (use MessageBroker, or connectBroker)`;
  return null;
}

function filesUnder(path: string): string[] {
  const absolute = join(SRC, path);
  if (statSync(absolute).isFile()) return [path];
  return readdirSync(absolute).flatMap((entry) => filesUnder(`${path}/${entry}`));
}

describe('the layers above the driver seam', () => {
  it('import neither drivers/ nor the pg package (the outbox and the inbox may use pg for the service database)', () => {
    const files = ABOVE_THE_SEAM.flatMap(filesUnder).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const problems = files.flatMap((file) =>
      specifiers(readFileSync(join(SRC, file), 'utf8')).flatMap((specifier) => {
        const problem = forbiddenImport(file, specifier);
        return problem ? [`${file}: ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('the check sees the imports it must refuse', () => {
    const source = [
      `import { Broker } from '../drivers/postgres/broker.js';`,
      `import pg from 'pg';`,
      `export { x } from "../drivers/rabbitmq/rabbitmq-broker.js";`,
      `const lazy = await import('../drivers/postgres/consumer.js');`,
      `import type { MessageBroker } from '../driver/message-broker.js';`,
    ].join('\n');
    const refused = (file: string) => specifiers(source).filter((specifier) => forbiddenImport(file, specifier) !== null);
    expect(refused('ops/alerter.ts')).toEqual(['../drivers/postgres/broker.js', 'pg', '../drivers/rabbitmq/rabbitmq-broker.js', '../drivers/postgres/consumer.js']);
    expect(refused('outbox/relay.ts')).toEqual(['../drivers/postgres/broker.js', '../drivers/rabbitmq/rabbitmq-broker.js', '../drivers/postgres/consumer.js']);
    expect(forbiddenImport('messaging.module.ts', './drivers/postgres/broker.js')).not.toBeNull();
    expect(forbiddenImport('messaging.module.ts', './connect-broker.js')).toBeNull();
  });
});
