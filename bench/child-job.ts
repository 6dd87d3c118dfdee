import type { CpuUse } from './cpu.js';
import type { SystemName } from './systems/system.js';
import type { TallyVerdict } from './tally.js';

/** What each child role is told (the orchestrator passes it as JSON in BENCH_JOB). */
export interface RoleParams {
  'publish-one': { n: number };
  'publish-batches': { n: number; batchSize: number; fanOut: boolean };
  drain: { n: number; queues: string[] };
  'latency-consume': { n: number };
  'latency-publish': { rate: number; seconds: number };
  idle: Record<string, never>;
}

export interface PublishOutcome {
  messages: number;
  seconds: number;
  cpu: CpuUse;
}

export interface DrainOutcome {
  /** Handler calls expected: messages × queues. */
  deliveries: number;
  /** From consumer start until every message is settled in the database. */
  seconds: number;
  /** From consumer start until the last handler call. */
  handlerSeconds: number;
  /** process.resourceUsage().maxRSS of the consumer process, KiB. */
  maxRssKb: number;
  cpu: CpuUse;
  verdicts: TallyVerdict[];
}

export interface LatencyConsumeOutcome {
  /** publish → handler start, ms, one per message in arrival order. */
  latenciesMs: number[];
  verdict: TallyVerdict;
  maxRssKb: number;
}

export interface LatencyPublishOutcome {
  sent: number;
  seconds: number;
  /** Worst delay of a send behind its schedule (open loop: sends never wait for earlier ones). */
  maxLagMs: number;
}

export interface RoleOutcomes {
  'publish-one': PublishOutcome;
  'publish-batches': PublishOutcome;
  drain: DrainOutcome;
  'latency-consume': LatencyConsumeOutcome;
  'latency-publish': LatencyPublishOutcome;
  idle: { maxRssKb: number };
}

export type RoleName = keyof RoleParams;

export interface ChildJob<R extends RoleName = RoleName> {
  role: R;
  system: SystemName;
  url: string;
  schema: string;
  concurrency: number;
  /** See SystemConnection.localQueue. */
  localQueue: number;
  /** Create the system's tables and queues first (untimed): the first child of each case does. */
  install: boolean;
  params: RoleParams[R];
}

/** One JSON line on stdout: how a child talks to the orchestrator. */
export function report(event: string, fields: object = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}
