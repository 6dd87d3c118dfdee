import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TS_PROCESS_IMPORT, TsProcess } from '../testing/index.js';

const FLAGS = fileURLToPath(new URL('./fixtures/node-flags-process.ts', import.meta.url));
const LIBRARY = fileURLToPath(new URL('../', import.meta.url));
const TESTING = join(LIBRARY, 'testing');

async function flagsOf(child: TsProcess): Promise<unknown> {
  const [line] = await child.waitForEvents('flags');
  expect(await child.exited).toEqual({ code: 0, signal: null });
  return line.flags;
}

describe('the test kit', () => {
  it('imports and points at nothing outside the library: no repository tooling (tools/, scripts/) that a user of it would not have', () => {
    const files = readdirSync(TESTING, { recursive: true, encoding: 'utf8' }).filter((file) => /\.(ts|js)$/.test(file));
    expect(files.length).toBeGreaterThan(10);
    const outside = files.flatMap((file) =>
      [...readFileSync(join(TESTING, file), 'utf8').matchAll(/(?:from |import\(|import |new URL\()'(\.[^']+)'/g)]
        .map(([, specifier]) => relative(LIBRARY, resolve(dirname(join(TESTING, file)), specifier)))
        .filter((target) => target.startsWith('..'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('TsProcess runs its child with the loader TS_PROCESS_IMPORT names (the repository sets it in its Jest setup)', async () => {
    const loader = process.env[TS_PROCESS_IMPORT];
    expect(loader).toMatch(/register\.js$/);
    expect(await flagsOf(new TsProcess(FLAGS, {}))).toEqual(['--import', loader]);
  });

  it('TsProcess runs its child with the Node flags it is given instead: none runs the file on Node type stripping', async () => {
    expect(await flagsOf(new TsProcess(FLAGS, {}, { nodeArgs: [] }))).toEqual([]);
    expect(await flagsOf(new TsProcess(FLAGS, {}, { nodeArgs: ['--no-warnings'] }))).toEqual(['--no-warnings']);
  });
});
