import type { ChildJob, RoleName, RoleParams } from './child-job.js';
import type { Plan } from './plan.js';
import type { AdminDb } from './postgres.js';
import type { SystemName } from './systems/system.js';

/** Which way is better for a figure: throughput up, latency and memory down. */
export type Better = 'higher' | 'lower';

/** One measured value of one run. */
export interface Sample {
  /** Stable id of the figure ('drain-c10', 'latency-p99', ...), for lookups; `name` is for people. */
  key: string;
  /** The case as the report names it, sizes included. */
  name: string;
  /** A library, or 'postgres' for the raw pgbench ceiling. */
  system: SystemName | 'postgres';
  unit: string;
  better: Better;
  value: number;
  /** How this system did it, where that differs between systems (printed under the table). */
  note?: string;
  /** Side figures of this run (CPU per message and the like), summarised as medians in the results. */
  extra?: Record<string, number>;
}

/** What a case gets from the orchestrator. */
export interface BenchContext {
  plan: Plan;
  admin: AdminDb;
  record(sample: Sample): void;
  /** A correctness failure or crash: the run goes on, and exits non-zero at the end. */
  fail(message: string): void;
  log(line: string): void;
  /** A child job for this system against its (freshly dropped) schema. */
  job<R extends RoleName>(system: SystemName, role: R, params: RoleParams[R], options: { concurrency: number; install: boolean; localQueue?: number }): ChildJob<R>;
  /** Drops the system's schema: every case starts from nothing and installs the system again. */
  freshSchema(system: SystemName): Promise<void>;
}

/** A case run for each library in turn. */
export interface LibraryCase {
  id: string;
  /** How many of the plan's repetitions include it (0: skipped in this plan). */
  repetitions(plan: Plan): number;
  /** Only these systems (default: every system of the plan). */
  systems?: SystemName[];
  run(ctx: BenchContext, system: SystemName): Promise<void>;
}
