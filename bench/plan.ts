import { SYSTEM_NAMES, type SystemName } from './systems/system.js';

/** How big each case is and how often it runs: `npm run bench` (full) or `npm run bench -- --quick`. */
export interface Plan {
  mode: 'full' | 'quick';
  /** Repetitions of every case (the 1M drain runs once). */
  repetitions: number;
  /** Every system by default; the orchestrator leaves out ours-rabbitmq where RABBITMQ_URL is not set. */
  systems: SystemName[];
  /** Case ids to run (all when null); see bench/run.ts for the list. */
  cases: string[] | null;
  publishSingle: number;
  batchSize: number;
  /** Messages a consumer buffers ahead of free handler slots (our prefetch, graphile-worker's localQueue.size). */
  localQueue: number;
  backlog: number;
  drainConcurrencies: number[];
  /** The 1M drain; null in quick mode. */
  bigBacklog: { messages: number; concurrency: number } | null;
  latency: { rate: number; seconds: number; concurrency: number };
  fanOut: { messages: number; concurrency: number };
  pgbench: { seconds: number; clients: number[] };
}

const FULL: Omit<Plan, 'systems' | 'cases'> = {
  mode: 'full',
  repetitions: 3,
  publishSingle: 10_000,
  batchSize: 1_000,
  localQueue: 500,
  backlog: 100_000,
  drainConcurrencies: [10, 50],
  bigBacklog: { messages: 1_000_000, concurrency: 50 },
  latency: { rate: 200, seconds: 10, concurrency: 10 },
  fanOut: { messages: 10_000, concurrency: 10 },
  pgbench: { seconds: 3, clients: [1, 8] },
};

const QUICK: Omit<Plan, 'systems' | 'cases'> = {
  ...FULL,
  mode: 'quick',
  repetitions: 1,
  publishSingle: 1_000,
  backlog: 10_000,
  bigBacklog: null,
  latency: { rate: 200, seconds: 5, concurrency: 10 },
  fanOut: { messages: 1_000, concurrency: 10 },
  pgbench: { seconds: 2, clients: [1, 8] },
};

export const USAGE = `npm run bench [-- [--quick] [--runs=N] [--systems=ours,pg-boss,graphile-worker,ours-rabbitmq] [--cases=id,...]]`;

export function parsePlan(argv: readonly string[]): Plan {
  const plan: Plan = { ...(argv.includes('--quick') ? QUICK : FULL), systems: [...SYSTEM_NAMES], cases: null };
  for (const arg of argv) {
    const [flag, value] = arg.split('=', 2);
    if (flag === '--quick') continue;
    else if (flag === '--runs' && Number.isInteger(Number(value)) && Number(value) > 0) plan.repetitions = Number(value);
    else if (flag === '--systems' && value) plan.systems = value.split(',').map((name) => assertSystem(name));
    else if (flag === '--cases' && value) plan.cases = value.split(',');
    else throw new Error(`Unknown argument ${arg}. Usage: ${USAGE}`);
  }
  return plan;
}

function assertSystem(name: string): SystemName {
  if (!(SYSTEM_NAMES as readonly string[]).includes(name)) throw new Error(`Unknown system ${name}; one of ${SYSTEM_NAMES.join(', ')}`);
  return name as SystemName;
}

/** Systems in a different order each repetition, so a noisy spell does not always hit the same one. */
export function systemOrder(plan: Plan, repetition: number): SystemName[] {
  const shift = repetition % plan.systems.length;
  return [...plan.systems.slice(shift), ...plan.systems.slice(0, shift)];
}
