import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { testDatabaseUrl } from '@app/messaging/testing';
import { dropSystemDatabases } from '../../scripts/system/databases.js';
import { startSystem, type RunningSystem } from '../../scripts/system/start-system.js';
import { freeSystemPorts } from './system-ports.js';

const APPS = ['order-api', 'payment-worker', 'notification-worker'] as const;
const WINDOW_MS = 10_000;
const SETTLE_MS = 10_000;
/** Linux reports process CPU time in ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** The pids of this process's children running each app (the launcher spawns `node ... apps/<app>/src/main.ts`). */
function appPids(): Map<string, number> {
  const pids = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const app = APPS.find((name) => command.includes(`apps/${name}/src/main.ts`));
      if (app) pids.set(app, Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

describe('the idle order system', () => {
  const prefix = `idle_${randomBytes(3).toString('hex')}_`;
  let system: RunningSystem;
  const admin = new pg.Pool({ connectionString: testDatabaseUrl(), max: 1 });

  beforeAll(async () => {
    system = await startSystem({
      databaseUrl: testDatabaseUrl(),
      databasePrefix: prefix,
      ports: await freeSystemPorts(),
      log: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    await admin.end();
    await dropSystemDatabases(testDatabaseUrl(), prefix);
  }, 60_000);

  async function commitsByDatabase(): Promise<Map<string, number>> {
    const { rows } = await admin.query<{ datname: string; xact_commit: string }>(
      `SELECT datname, xact_commit FROM pg_stat_database WHERE starts_with(datname, $1)`,
      [prefix],
    );
    return new Map(rows.map((r) => [r.datname.slice(prefix.length), Number(r.xact_commit)]));
  }

  it('costs next to nothing: a few commits per second in all, and a few percent of a core per app', async () => {
    const pids = appPids();
    expect([...pids.keys()].sort()).toEqual([...APPS].sort());
    // A backend's counters reach pg_stat_database when it goes idle, at most once a second, and pending ones up
    // to 10 s later: the boot's migrations and declarations would land in the window. Let them settle first.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const commitsBefore = await commitsByDatabase();
    const cpuBefore = new Map([...pids].map(([app, pid]) => [app, cpuSeconds(pid)]));
    const startedAt = Date.now();
    // The measurement is the window itself: there is no event to wait for in an idle system.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const seconds = (Date.now() - startedAt) / 1000;
    const commitsAfter = await commitsByDatabase();
    const commitsPerSecond = Object.fromEntries([...commitsAfter].map(([db, n]) => [db, Math.round(((n - (commitsBefore.get(db) ?? 0)) / seconds) * 10) / 10]));
    const totalCommitsPerSecond = Object.values(commitsPerSecond).reduce((a, b) => a + b, 0);
    const cpuPercent = Object.fromEntries([...pids].map(([app, pid]) => [app, Math.round(((cpuSeconds(pid) - (cpuBefore.get(app) ?? 0)) / seconds) * 1000) / 10]));
    console.log(`Idle for ${seconds.toFixed(1)} s: ${totalCommitsPerSecond.toFixed(1)} commits/s ${JSON.stringify(commitsPerSecond)}; CPU % of a core ${JSON.stringify(cpuPercent)}`);

    expect(totalCommitsPerSecond).toBeLessThan(20);
    for (const app of APPS) expect(cpuPercent[app]).toBeLessThan(5);
  }, 90_000);
});
