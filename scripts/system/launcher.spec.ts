import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectBroker } from '@app/messaging';
import { createTestVhost, freePort, rabbitmqUrl, testDatabaseUrl, TsProcess, waitFor, type TestVhost } from '@app/messaging/testing';
import { scaffoldWorker } from '../new-worker/scaffold.js';
import { banner } from './banner.js';
import { dropSystemDatabases } from './databases.js';
import { portOwner } from './port-owner.js';
import { redactedUrl } from './server-check.js';
import { DEFAULT_PORTS, startSystem, type RunningSystem, type SystemPorts } from './start-system.js';

// `npm start` itself (scripts/start.ts through the project's loader), as a child process, as a user runs it.
const repo = fileURLToPath(new URL('../../', import.meta.url));
const START = join(repo, 'scripts/start.ts');
const text = (launcher: TsProcess) => launcher.events.map((e) => String(e.line ?? JSON.stringify(e)));
const errorLines = (launcher: TsProcess) => launcher.errorOutput.split('\n').filter(Boolean);
const printed = (launcher: TsProcess, pattern: RegExp, what: string) =>
  waitFor(() => text(launcher).find((line) => pattern.test(line)) ?? (launcher.child.exitCode !== null && fail(launcher, what)), { timeoutMs: 90_000, what });
function fail(launcher: TsProcess, what: string): never {
  throw new Error(`npm start exited before ${what}:\n${text(launcher).slice(-30).join('\n')}\n${launcher.errorOutput}`);
}

async function appPorts(): Promise<Record<string, string>> {
  const names = ['PORT_ORDER_API', 'PORT_ORDER_API_OPS', 'PORT_PAYMENT_WORKER', 'PORT_NOTIFICATION_WORKER', 'PORT_PAYMENT_PROVIDER', 'PORT_SMTP'];
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, String(await freePort())])));
}

describe('npm start, when something is in the way', () => {
  it('an unreachable DATABASE_URL: one line naming it (password hidden) with the fix, exit 1', async () => {
    const port = await freePort();
    const launcher = new TsProcess(START, { ...(await appPorts()), DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/x` });
    expect((await launcher.exited).code).toBe(1);
    expect(errorLines(launcher)).toEqual([
      `Cannot reach DATABASE_URL=postgres://postgres:***@127.0.0.1:${port}/x: connection refused (is PostgreSQL running on 127.0.0.1:${port}?); unset DATABASE_URL to use the embedded PostgreSQL`,
    ]);
  });

  it('a taken port: one line naming the port, the process on it and the variable to set, exit 1', async () => {
    const ports = await appPorts();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(Number(ports.PORT_PAYMENT_WORKER), '127.0.0.1', resolve));
    try {
      const launcher = new TsProcess(START, { ...ports, DATABASE_URL: '' });
      expect((await launcher.exited).code).toBe(1);
      const [line, ...rest] = errorLines(launcher);
      expect(rest).toEqual([]);
      expect(line).toMatch(new RegExp(`^Port ${ports.PORT_PAYMENT_WORKER} \\(payment-worker\\) is taken by pid ${process.pid} \\(node .+\\): stop it, or set PORT_PAYMENT_WORKER=<port> or PORT_BASE=<port>$`));
    } finally {
      server.close();
    }
  });

  it('an order API token key too short to be safe: one line, exit 1, before anything starts', async () => {
    const launcher = new TsProcess(START, { ...(await appPorts()), ORDER_API_JWT_SECRET: 'short', DATABASE_URL: '' });
    expect((await launcher.exited).code).toBe(1);
    expect(errorLines(launcher)).toEqual(['ORDER_API_JWT_SECRET must be at least 32 characters (got 5): unset it to use the key npm start makes, or give a longer one']);
    expect(text(launcher)).toEqual([]);
  });

  it('a MESSAGING_DRIVER it does not know, or rabbitmq without RABBITMQ_URL: one line, exit 1, before anything starts', async () => {
    const unknown = new TsProcess(START, { ...(await appPorts()), MESSAGING_DRIVER: 'kafka', DATABASE_URL: '' });
    expect((await unknown.exited).code).toBe(1);
    expect(errorLines(unknown)).toEqual(['MESSAGING_DRIVER must be one of postgres, rabbitmq (got "kafka")']);
    const noUrl = new TsProcess(START, { ...(await appPorts()), MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: '', DATABASE_URL: '' });
    expect((await noUrl.exited).code).toBe(1);
    expect(errorLines(noUrl)).toEqual(['MESSAGING_DRIVER=rabbitmq needs RABBITMQ_URL (or RABBITMQ_URL_FILE), e.g. amqp://user:password@host:5672']);
    expect(text(noUrl)).toEqual([]);
  });

  it('MESSAGING_DRIVER=rabbitmq with an unreachable RABBITMQ_URL: one line naming it (password hidden) with the fix, exit 1', async () => {
    const port = await freePort();
    const launcher = new TsProcess(START, { ...(await appPorts()), MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: `amqp://app:secret@127.0.0.1:${port}`, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' });
    expect((await launcher.exited).code).toBe(1);
    expect(errorLines(launcher)).toEqual([
      `Cannot reach RABBITMQ_URL=amqp://app:***@127.0.0.1:${port}: connection refused (is RabbitMQ running on 127.0.0.1:${port}?); or unset MESSAGING_DRIVER to use the PostgreSQL broker`,
    ]);
  });

  it('MESSAGING_DRIVER=rabbitmq with a worker that reads only BROKER_DATABASE_URL (scaffolded before either broker): one line with the fix, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgm-launcher-workers-'));
    try {
      const workersFile = join(dir, 'workers.json');
      writeFileSync(workersFile, JSON.stringify({ workers: { 'audit-worker': { entry: 'audit-worker/src/main.ts', port: await freePort(), env: ['BROKER_DATABASE_URL'] } } }));
      const launcher = new TsProcess(START, { ...(await appPorts()), MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', WORKERS_FILE: workersFile });
      expect((await launcher.exited).code).toBe(1);
      expect(errorLines(launcher)).toEqual([
        'audit-worker (apps/workers.json) read only BROKER_DATABASE_URL, the PostgreSQL broker: unset MESSAGING_DRIVER, or read the broker as a new worker does (readMessagingEnvironment in its config, messagingConnection in its module) and add MESSAGING_DRIVER, RABBITMQ_URL, RABBITMQ_EXCHANGE to its env in apps/workers.json',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port variable that is not a port: one line, exit 1', async () => {
    const launcher = new TsProcess(START, { PORT_BASE: '30oo', DATABASE_URL: '' });
    expect((await launcher.exited).code).toBe(1);
    expect(errorLines(launcher)).toEqual(['PORT_BASE=30oo is not a port number: use 1-65535']);
  });
});

describe('npm start with the embedded PostgreSQL and a scaffolded worker', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pgm-launcher-'));
  const dataDir = join(scratch, 'data', 'postgres');
  let ports: Record<string, string>;
  let launcher: TsProcess;
  const health = (port: string) => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
  /** The token the banner prints, for customer cust-1. */
  let token: string;
  const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  beforeAll(async () => {
    // A worker scaffolded into a scratch workspace, registered in its own apps/workers.json.
    for (const file of ['nest-cli.json', 'docker-compose.yml']) copyFileSync(join(repo, file), join(scratch, file));
    symlinkSync(join(repo, 'node_modules'), join(scratch, 'node_modules'));
    mkdirSync(join(scratch, 'apps'));
    // A name no one scaffolds in the repository itself (whose nest-cli.json and compose file are copied).
    scaffoldWorker(scratch, 'launcher-check');
    ports = { ...(await appPorts()), PORT_LAUNCHER_CHECK_WORKER: String(await freePort()), PORT_POSTGRES: String(await freePort()) };
    launcher = new TsProcess(START, { ...ports, DATABASE_URL: '', DATA_DIR: dataDir, WORKERS_FILE: join(scratch, 'apps/workers.json') });
    await printed(launcher, /^Try: /, 'the banner');
  }, 180_000);
  afterAll(async () => {
    if (launcher.child.exitCode === null) {
      launcher.kill('SIGINT');
      await launcher.exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  }, 90_000);

  it('prints every address from the port variables, the PostgreSQL and BROKER_DATABASE_URL; the scaffolded worker runs', async () => {
    const banner = text(launcher).slice(text(launcher).findIndex((line) => line === 'The order system is running:'));
    const pgUrl = `postgres://postgres:postgres@127.0.0.1:${ports.PORT_POSTGRES}`;
    token = banner[11]?.trim();
    expect(banner.slice(0, 16)).toEqual([
      'The order system is running:',
      `  order API            http://127.0.0.1:${ports.PORT_ORDER_API}   (POST /orders, GET /orders/:id, GET /orders; a bearer token each)`,
      `  order-api ops        http://127.0.0.1:${ports.PORT_ORDER_API_OPS}/health   (health and /metrics, this machine only)`,
      `  payment-worker       http://127.0.0.1:${ports.PORT_PAYMENT_WORKER}/health   (health)`,
      `  notification-worker  http://127.0.0.1:${ports.PORT_NOTIFICATION_WORKER}/health   (health)`,
      `  launcher-check-worker http://127.0.0.1:${ports.PORT_LAUNCHER_CHECK_WORKER}/health   (health)`,
      `  payment provider     http://127.0.0.1:${ports.PORT_PAYMENT_PROVIDER}   (simulator: a customerId starting with decline- is declined)`,
      `  mail                 smtp://127.0.0.1:${ports.PORT_SMTP}   (the catcher prints every mail here)`,
      `  PostgreSQL           ${pgUrl}/postgres   (embedded, data in ${dataDir})`,
      "  broker               PostgreSQL, the broker database beside the services' own   (MESSAGING_DRIVER=postgres)",
      'A token for customer cust-1, valid 1 h (npm run token -- <customerId> for others):',
      expect.stringMatching(/^ {2}[\w-]+\.[\w-]+\.[\w-]+$/),
      'A worker of your own (npm run new:worker) needs:',
      // The role of scaffolded workers, with the password npm start generated and keeps beside the data folder.
      `  BROKER_DATABASE_URL=postgres://worker:${JSON.parse(readFileSync(join(scratch, 'data', 'database-roles.json'), 'utf8')).worker}@127.0.0.1:${ports.PORT_POSTGRES}/broker`,
      `Try: ORDER_API_URL=http://127.0.0.1:${ports.PORT_ORDER_API} npm run demo      Stop: Ctrl-C`,
      '',
    ]);
    for (const port of [ports.PORT_ORDER_API_OPS, ports.PORT_PAYMENT_WORKER, ports.PORT_NOTIFICATION_WORKER, ports.PORT_LAUNCHER_CHECK_WORKER, ports.PORT_PAYMENT_PROVIDER]) {
      expect(await health(port)).toBe(true);
    }
    // Health is not on the API's port, and the API answers the banner's token (an empty list for a new customer).
    expect((await fetch(`http://127.0.0.1:${ports.PORT_ORDER_API}/health`)).status).toBe(404);
    const mine = await fetch(`http://127.0.0.1:${ports.PORT_ORDER_API}/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect([mine.status, await mine.json()]).toEqual([200, { items: [], nextCursor: null }]);
    const broker = new pg.Client({ connectionString: `${pgUrl}/broker` });
    await broker.connect();
    const { rows } = await broker.query<{ name: string }>(`SELECT name FROM messaging.queues WHERE name LIKE 'launcher-check.%' ORDER BY name`);
    await broker.end();
    expect(rows.map((r) => r.name)).toEqual(['launcher-check.order-created', 'launcher-check.order-created.dlq']);
    expect(readFileSync(join(dataDir, 'npm-start.port'), 'utf8').trim()).toBe(ports.PORT_POSTGRES);
  });

  it('a second npm start on the same data folder: one line naming the first one, exit 1', async () => {
    // With the same ports too, as a user typing npm start twice: the data folder is named, not a taken port.
    const second = new TsProcess(START, { ...ports, DATABASE_URL: '', DATA_DIR: dataDir, WORKERS_FILE: join(scratch, 'apps/workers.json') });
    expect((await second.exited).code).toBe(1);
    expect(errorLines(second)).toEqual([`The data folder ${dataDir} is in use by another npm start or db:start (pid ${launcher.child.pid}): stop it, or set DATA_DIR to another folder`]);
  });

  it('an app that dies is restarted with backoff, saying why', async () => {
    const before = portOwner(Number(ports.PORT_PAYMENT_WORKER))!.match(/^pid (\d+)/)![1];
    process.kill(Number(before), 'SIGKILL');
    await printed(launcher, /^payment-worker was killed by a signal; restarting it in 1 s \(restart 1 of at most 5 in a row\)$/, 'the restart line');
    await waitFor(() => health(ports.PORT_PAYMENT_WORKER), { timeoutMs: 60_000, what: 'payment-worker back' });
    expect(portOwner(Number(ports.PORT_PAYMENT_WORKER))).not.toContain(`pid ${before} `);
  }, 90_000);

  it('PostgreSQL killed (SIGKILL of the postmaster): restarted on the same port, and an order still gets paid', async () => {
    const killed = postmasterPid();
    const readyLines = () => text(launcher).filter((line) => line.includes('"event":"ready"')).length;
    expect(readyLines()).toBe(1);
    process.kill(killed, 'SIGKILL');
    await printed(launcher, /PostgreSQL exited unexpectedly \(killed by SIGKILL\)$/, 'the exit line');
    await printed(launcher, /^postgres exited with code 1; restarting it in 1 s \(restart 1 of at most 5 in a row\)$/, 'the restart line');
    await waitFor(() => readyLines() === 2, { timeoutMs: 60_000, what: 'PostgreSQL ready again' });
    expect(postmasterPid()).not.toBe(killed);
    expect(text(launcher).filter((line) => line.includes('"event":"ready"'))[1]).toContain(`127.0.0.1:${ports.PORT_POSTGRES}/`);
    const api = `http://127.0.0.1:${ports.PORT_ORDER_API}`;
    const order = await waitFor(
      async () => {
        const response = await fetch(`${api}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ email: 'ada@example.com', currency: 'EUR', items: [{ sku: 'beans', quantity: 1, unitPrice: '9.50' }] }),
        }).catch(() => undefined);
        return response?.status === 201 ? ((await response.json()) as { id: string }) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'an order accepted after the restart' },
    );
    const statusOf = async () => ((await (await fetch(`${api}/orders/${order.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string }).status;
    await waitFor(async () => (await statusOf()) === 'paid', { timeoutMs: 60_000, what: 'the order paid' });
    expect(launcher.child.exitCode).toBeNull();
  }, 150_000);

  it('Ctrl-C stops everything and exits 0, releasing the data folder; the next start takes the remembered port, and Ctrl-C while starting exits 130', async () => {
    launcher.kill('SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    expect(await health(ports.PORT_ORDER_API_OPS)).toBe(false);
    const { PORT_POSTGRES: _chosen, ...withoutPostgresPort } = ports;
    const next = new TsProcess(START, { ...withoutPostgresPort, DATABASE_URL: '', DATA_DIR: dataDir, WORKERS_FILE: join(scratch, 'none.json') });
    await printed(next, new RegExp(`^Starting the embedded PostgreSQL on port ${ports.PORT_POSTGRES} \\(data in `), 'the PostgreSQL line');
    await printed(next, /^Databases ready on /, 'the databases');
    // Interrupted while starting: exit 130, and the embedded PostgreSQL stops by itself.
    next.kill('SIGINT');
    expect(await next.exited).toEqual({ code: 130, signal: null });
    await waitFor(() => !existsSync(join(dataDir, 'postmaster.pid')), { timeoutMs: 60_000, what: 'PostgreSQL stopped' });
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 120_000);
});

const onRabbitmq = 'npm start on RabbitMQ (MESSAGING_DRIVER=rabbitmq) with a scaffolded worker';
if (rabbitmqUrl()) {
  describe(onRabbitmq, () => {
    // The launcher in this process, on the test PostgreSQL under a prefix of its own and a vhost of its own.
    const scratch = mkdtempSync(join(tmpdir(), 'pgm-launcher-rabbitmq-'));
    const prefix = `launcher_${randomBytes(3).toString('hex')}_`;
    const APP = 'launcher-rabbitmq-check-worker';
    const given: Record<string, Record<string, string>> = {};
    const logs: string[] = [];
    let vhost: TestVhost;
    let system: RunningSystem | undefined;

    beforeAll(async () => {
      for (const file of ['nest-cli.json', 'docker-compose.yml']) copyFileSync(join(repo, file), join(scratch, file));
      symlinkSync(join(repo, 'node_modules'), join(scratch, 'node_modules'));
      mkdirSync(join(scratch, 'apps'));
      scaffoldWorker(scratch, APP);
      vhost = await createTestVhost('launcher');
      const ports = Object.fromEntries(await Promise.all(Object.keys(DEFAULT_PORTS).map(async (key) => [key, await freePort()]))) as SystemPorts;
      system = await startSystem({
        messaging: { driver: 'rabbitmq', rabbitmqUrl: vhost.url, exchange: 'messaging' },
        databaseUrl: testDatabaseUrl(),
        databasePrefix: prefix,
        ports,
        workersFile: join(scratch, 'apps/workers.json'),
        workerPorts: { [APP]: await freePort() },
        appEnv: (app, env) => ((given[app] = { ...env }), {}),
        log: (line) => logs.push(line),
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${logs.slice(-30).join('\n')}`);
      });
    }, 180_000);
    afterAll(async () => {
      await system?.stop();
      await dropSystemDatabases(testDatabaseUrl(), prefix);
      await vhost?.drop();
      rmSync(scratch, { recursive: true, force: true });
    }, 90_000);

    it("gives the worker the apps' RabbitMQ variables (and no broker database); it runs, and its queue is in RabbitMQ", async () => {
      const broker = ['MESSAGING_DRIVER', 'RABBITMQ_URL', 'RABBITMQ_EXCHANGE', 'BROKER_DATABASE_URL'];
      const brokerOf = (app: string) => Object.fromEntries(broker.filter((name) => name in given[app]).map((name) => [name, given[app][name]]));
      expect(brokerOf(APP)).toEqual({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: vhost.url, RABBITMQ_EXCHANGE: 'messaging' });
      expect(brokerOf(APP)).toEqual(brokerOf('payment-worker'));
      expect((await fetch(system!.workerHealthUrls[APP])).status).toBe(200);
      // The banner gives the same to a worker run by hand, the password hidden.
      expect(banner(system!).split('\n')).toEqual(
        expect.arrayContaining(['A worker of your own (npm run new:worker) needs:', `  MESSAGING_DRIVER=rabbitmq RABBITMQ_URL=${redactedUrl(vhost.url)} RABBITMQ_EXCHANGE=messaging`]),
      );
      expect(redactedUrl(vhost.url)).not.toContain(':guest@');
      // Declared by the worker at its start: a passive declare finds it (and its dead-letter queue) in the vhost.
      const client = await connectBroker({ driver: 'rabbitmq', url: vhost.url, exchange: 'messaging' });
      try {
        const queue = 'launcher-rabbitmq-check.order-created';
        expect(await client.queueStats(queue)).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
        expect((await client.queueStats(`${queue}.dlq`)).ready).toBe(0);
      } finally {
        await client.close();
      }
    });
  });
} else {
  console.warn(`${onRabbitmq}: not run, RABBITMQ_URL is not set`);
}
