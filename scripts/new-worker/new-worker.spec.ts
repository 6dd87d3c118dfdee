import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MESSAGING_ENVIRONMENT } from '@app/messaging';
import { rabbitmqUrl } from '@app/messaging/testing';
import { EDITED_FILES, scaffoldWorker, workerNames } from './scaffold.js';
import { unregisterWorker } from './remove-worker.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// Names no one scaffolds in the repository itself, whose registrations (shipping after the README's example) the
// scratch copies carry along.
const NAME = 'scaffold-check';
const APP = `${NAME}-worker`;

/**
 * A scratch copy of the monorepo to scaffold into: the files the scaffolder edits and the scripts copied (the CLI
 * finds the repository from its own location), the apps (and workers already scaffolded), libraries, tools and
 * node_modules linked.
 */
function scratchWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgm-new-worker-'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'jest.config.js', '.swcrc', 'nest-cli.json', 'docker-compose.yml', 'docker-compose.rabbitmq.yml', 'README.md', 'Dockerfile', '.gitignore']) {
    cpSync(join(repo, file), join(dir, file));
  }
  cpSync(join(repo, 'scripts'), join(dir, 'scripts'), { recursive: true });
  for (const link of ['node_modules', 'libs', 'tools', 'secrets', 'docker']) symlinkSync(join(repo, link), join(dir, link));
  mkdirSync(join(dir, 'apps'));
  for (const app of readdirSync(join(repo, 'apps'))) {
    if (app === 'workers.json') cpSync(join(repo, 'apps', app), join(dir, 'apps', app));
    else symlinkSync(join(repo, 'apps', app), join(dir, 'apps', app));
  }
  mkdirSync(join(dir, 'test/compose'), { recursive: true });
  cpSync(join(repo, 'test/compose/docker-compose.spec.ts'), join(dir, 'test/compose/docker-compose.spec.ts'));
  return dir;
}

/** Every file under apps/ (links not followed) and the content of the files the scaffolder edits. */
function snapshot(dir: string): Record<string, string> {
  const files = readdirSync(join(dir, 'apps', APP), { recursive: true, encoding: 'utf8' }).map((f) => `apps/${APP}/${f}`);
  return Object.fromEntries([
    ['apps/ listing', files.sort().join('\n')],
    ...Object.values(EDITED_FILES).map((file) => [file, existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '(none)']),
  ]);
}

const run = (dir: string, command: string, args: string[]) => spawnSync(command, args, { cwd: dir, env: process.env, encoding: 'utf8' });
const newWorker = (dir: string, name: string) => run(dir, process.execPath, ['--import', './tools/register.js', 'scripts/new-worker.ts', name]);
const jest = (dir: string, path: string) =>
  run(dir, process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(repo, 'node_modules/jest/bin/jest.js'), path]);

describe('npm run new:worker', () => {
  let dir: string;
  beforeEach(() => (dir = scratchWorkspace()));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('scaffolds a worker registered in nest-cli.json, both compose files and apps/workers.json, whose printed test command passes', () => {
    const before = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    const cli = newWorker(dir, NAME);
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
    expect(cli.stdout).toContain(`  apps/${APP}/src/main.ts\n`);
    const nestCli = JSON.parse(readFileSync(join(dir, 'nest-cli.json'), 'utf8'));
    expect(nestCli.projects[APP]).toMatchObject({ type: 'application', root: `apps/${APP}`, entryFile: 'main' });
    const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), { merge: true });
    const registered = JSON.parse(readFileSync(join(dir, 'apps/workers.json'), 'utf8')).workers;
    const port = registered[APP].port;
    // The broker variables, as the apps read them: npm start gives it those of the broker it runs on.
    expect(registered[APP]).toEqual({ entry: `${APP}/src/main.ts`, port, env: [...MESSAGING_ENVIRONMENT, 'BROKER_DATABASE_URL'] });
    // The first port from 3003 that no compose service uses as PORT or OPS_PORT (3003 with no worker of its own).
    const others = new Set(
      Object.entries(compose.services as Record<string, { environment?: { PORT?: string; OPS_PORT?: string } }>)
        .filter(([name]) => name !== APP)
        .flatMap(([, svc]) => [Number(svc.environment?.PORT ?? 0), Number(svc.environment?.OPS_PORT ?? 0)]),
    );
    let expected = 3003;
    while (others.has(expected)) expected++;
    expect(port).toBe(expected);
    expect(compose.services[APP]).toMatchObject({ build: { args: { APP } }, environment: { OPS_PORT: String(port) }, restart: 'unless-stopped' });
    expect(compose.services[APP].depends_on.postgres).toEqual({ condition: 'service_healthy' });
    // Edited as a document: everything that was there is still there, byte for byte, comments included.
    const after = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    expect(after.startsWith(before.slice(0, before.indexOf('\nsecrets:')))).toBe(true);
    expect(after.endsWith(before.slice(before.indexOf('\nsecrets:')))).toBe(true);
    // docker-compose.rabbitmq.yml switches it to RabbitMQ as it does the apps: appended, the rest kept.
    const rabbitmqBefore = readFileSync(join(repo, 'docker-compose.rabbitmq.yml'), 'utf8');
    const rabbitmqAfter = readFileSync(join(dir, 'docker-compose.rabbitmq.yml'), 'utf8');
    expect(rabbitmqAfter.startsWith(rabbitmqBefore)).toBe(true);
    expect(parse(rabbitmqAfter, { merge: true }).services[APP]).toEqual({
      depends_on: { rabbitmq: { condition: 'service_healthy' } },
      environment: { MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL_FILE: '/run/secrets/rabbitmq_url' },
      secrets: ['rabbitmq_url'],
    });
    expect(rabbitmqAfter.slice(rabbitmqBefore.length)).toContain('    environment: *on-rabbitmq\n');

    const hint = cli.stdout.match(new RegExp(`^ {2}(npm test -- apps/${APP})\\s+#`, 'm'))?.[1];
    expect(hint).toBe(`npm test -- apps/${APP}`);
    const test = run(dir, 'npm', hint!.split(' ').slice(1));
    // On the PostgreSQL broker, and on RabbitMQ (a vhost of its own) where RABBITMQ_URL is set.
    const tests = rabbitmqUrl() ? 2 : 1;
    expect({ status: test.status, summary: test.stderr.match(/Tests:.*/)?.[0] }).toEqual({ status: 0, summary: `Tests:       ${tests} passed, ${tests} total` });
    if (!rabbitmqUrl()) expect(`${test.stdout}${test.stderr}`).toContain(`${APP} on RabbitMQ: not run, RABBITMQ_URL is not set`);
  }, 240_000);

  it('refuses a second scaffold of the same worker with a clear message, and changes no file', () => {
    expect(newWorker(dir, NAME).status).toBe(0);
    const before = snapshot(dir);
    const again = newWorker(dir, APP);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe(
      `A worker ${APP} already exists (apps/${APP} exists, nest-cli.json has a project ${APP}, docker-compose.yml has a service ${APP}, docker-compose.rabbitmq.yml has a service ${APP}, apps/workers.json has a worker ${APP}): pick another name, or remove it first (npm run remove:worker -- ${NAME}, then delete apps/${APP})`,
    );
    expect(snapshot(dir)).toEqual(before);
    // The next name gets the next port.
    const { port } = JSON.parse(readFileSync(join(dir, 'apps/workers.json'), 'utf8')).workers[APP];
    expect(scaffoldWorker(dir, `${NAME}-next`).port).toBe(port + 1);
  }, 60_000);

  it('refuses a worker whose compose service alone exists, before writing anything', () => {
    writeFileSync(join(dir, 'docker-compose.yml'), readFileSync(join(dir, 'docker-compose.yml'), 'utf8').replace('\nsecrets:', `  ${APP}:\n    image: by-hand\n\nsecrets:`));
    const before = Object.fromEntries(Object.values(EDITED_FILES).map((file) => [file, existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '']));
    expect(() => scaffoldWorker(dir, NAME)).toThrow(`A worker ${APP} already exists (docker-compose.yml has a service ${APP})`);
    expect(existsSync(join(dir, 'apps', APP))).toBe(false);
    expect(Object.fromEntries(Object.values(EDITED_FILES).map((file) => [file, existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '']))).toEqual(before);
  });

  it("keeps the compose files' own test green with the scaffolded worker present", () => {
    expect(newWorker(dir, NAME).status).toBe(0);
    const compose = jest(dir, 'test/compose/docker-compose.spec.ts');
    expect({ status: compose.status, summary: compose.stderr.match(/Tests:.*/)?.[0] }).toEqual({ status: 0, summary: expect.stringMatching(/Tests: +\d+ passed, \d+ total/) });
    expect(compose.stderr).toContain(`${APP}: builds from the Dockerfile`);
    expect(compose.stderr).toContain(`${APP}: switched to RabbitMQ by MESSAGING_DRIVER=rabbitmq`);
  }, 120_000);

  it('remove:worker takes it out of every registration and leaves its code', () => {
    expect(newWorker(dir, NAME).status).toBe(0);
    expect(unregisterWorker(dir, NAME)).toEqual({ app: APP, name: NAME, removedFrom: ['nest-cli.json', 'docker-compose.yml', 'docker-compose.rabbitmq.yml', 'apps/workers.json'] });
    for (const file of ['docker-compose.yml', 'docker-compose.rabbitmq.yml']) expect(readFileSync(join(dir, file), 'utf8')).toBe(readFileSync(join(repo, file), 'utf8'));
    expect(readFileSync(join(dir, 'nest-cli.json'), 'utf8')).toBe(readFileSync(join(repo, 'nest-cli.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'apps/workers.json'), 'utf8')).workers[APP]).toBeUndefined();
    expect(existsSync(join(dir, `apps/${APP}/src/main.ts`))).toBe(true);
  });

  it('refuses bad names', () => {
    expect(() => workerNames('Shipping Worker', 3003)).toThrow('Invalid worker name');
    expect(() => workerNames('../etc', 3003)).toThrow('Invalid worker name');
    expect(workerNames('label-printer-worker', 3003)).toMatchObject({ name: 'label-printer', Name: 'LabelPrinter', app: 'label-printer-worker' });
  });
});
