// One role of one case for one system, in a fresh process. Started by bench/child-runner.ts with the job as JSON in
// BENCH_JOB; prints {"event":"result", ...} (or {"event":"failure", message}) as its last stdout line.
import pg from 'pg';
import { report, type ChildJob, type RoleName, type RoleOutcomes } from './child-job.js';
import { idle } from './cases/baseline.js';
import { drainBacklog } from './cases/drain.js';
import { consumeForLatency, publishAtRate } from './cases/latency.js';
import { publishInBatches, publishOneByOne } from './cases/publish.js';
import { createSystem } from './systems/index.js';
import type { BenchSystem } from './systems/system.js';

type Role<R extends RoleName> = (system: BenchSystem, params: ChildJob<R>['params']) => Promise<RoleOutcomes[R]>;

const ROLES: { [R in RoleName]: Role<R> } = {
  'publish-one': publishOneByOne,
  'publish-batches': publishInBatches,
  drain: drainBacklog,
  'latency-consume': consumeForLatency,
  'latency-publish': publishAtRate,
  idle,
};

/** Flushes dirty pages before the timed phase, so a checkpoint left over from the setup does not land inside it. */
async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-checkpoint' });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

async function main(job: ChildJob): Promise<object> {
  const system = createSystem(job.system, { url: job.url, schema: job.schema, concurrency: job.concurrency, localQueue: job.localQueue });
  try {
    await system.start();
    if (job.install) await system.install();
    await checkpoint(job.url);
    const role = ROLES[job.role] as Role<RoleName>;
    return await role(system, job.params);
  } finally {
    await system.close();
  }
}

const job = JSON.parse(process.env.BENCH_JOB ?? 'null') as ChildJob | null;
if (!job) throw new Error('bench/child.ts is started by the bench orchestrator (npm run bench), with BENCH_JOB set');
try {
  report('result', await main(job));
  process.exit(0);
} catch (error) {
  report('failure', { message: error instanceof Error ? error.message : String(error) });
  console.error(error);
  process.exit(1);
}
