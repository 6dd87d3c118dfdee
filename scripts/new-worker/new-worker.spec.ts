import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { scaffoldWorker, workerNames } from './scaffold.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A scratch copy of the monorepo's frame (configs copied, libraries and node_modules linked) to scaffold into. */
function scratchWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgm-new-worker-'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'jest.config.js', '.swcrc', 'nest-cli.json', 'docker-compose.yml']) {
    copyFileSync(join(repo, file), join(dir, file));
  }
  for (const link of ['node_modules', 'libs', 'scripts']) symlinkSync(join(repo, link), join(dir, link));
  mkdirSync(join(dir, 'apps'));
  return dir;
}

describe('npm run new:worker', () => {
  it('scaffolds a worker whose code type-checks and whose own test passes, registered in nest-cli.json and docker-compose.yml', () => {
    const dir = scratchWorkspace();
    try {
      const { app, files } = scaffoldWorker(dir, 'shipping');
      expect(app).toBe('shipping-worker');
      expect(files).toEqual(expect.arrayContaining(['apps/shipping-worker/src/main.ts', 'apps/shipping-worker/test/shipping-worker.spec.ts']));
      const nestCli = JSON.parse(readFileSync(join(dir, 'nest-cli.json'), 'utf8'));
      expect(nestCli.projects['shipping-worker']).toMatchObject({ type: 'application', root: 'apps/shipping-worker', entryFile: 'main' });
      const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), { merge: true });
      expect(compose.services['shipping-worker']).toMatchObject({ build: { args: { APP: 'shipping-worker' } }, environment: { PORT: '3003' } });
      expect(compose.services['shipping-worker'].depends_on.postgres).toEqual({ condition: 'service_healthy' });

      writeFileSync(join(dir, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', include: ['apps/shipping-worker/**/*.ts'] }));
      execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json', '--noEmit'], { cwd: dir, stdio: 'pipe' });
      const run = spawnSync(
        process.execPath,
        ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(repo, 'node_modules/jest/bin/jest.js'), 'apps/shipping-worker'],
        { cwd: dir, env: process.env, encoding: 'utf8' },
      );
      expect({ status: run.status, summary: run.stderr.match(/Tests:.*/)?.[0] }).toEqual({ status: 0, summary: 'Tests:       1 passed, 1 total' });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer | string; stderr?: Buffer | string };
      throw new Error(`${(error as Error).message}\n${stdout?.toString() ?? ''}\n${stderr?.toString() ?? ''}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses bad names and existing apps', () => {
    expect(() => workerNames('Shipping Worker', 3003)).toThrow('Invalid worker name');
    expect(() => workerNames('../etc', 3003)).toThrow('Invalid worker name');
    expect(workerNames('label-printer-worker', 3003)).toMatchObject({ name: 'label-printer', Name: 'LabelPrinter', app: 'label-printer-worker' });
    const dir = scratchWorkspace();
    try {
      scaffoldWorker(dir, 'billing');
      expect(() => scaffoldWorker(dir, 'billing')).toThrow('already exists');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
