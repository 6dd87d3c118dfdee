import type { Sample } from '../context.js';
import type { CpuUse } from '../cpu.js';
import type { SystemName } from '../systems/system.js';

export const fmt = (n: number): string => n.toLocaleString('en-US');

/** A throughput sample, with the CPU each message cost in the Node process, on the whole machine and in the RabbitMQ server. */
export function throughput(key: string, name: string, system: SystemName, count: number, seconds: number, cpu: CpuUse, unit = 'msg/s'): Sample {
  const extra: Record<string, number> = { nodeCpuUsPerMsg: (cpu.nodeMs * 1000) / count };
  if (cpu.hostMs !== null) extra.hostCpuUsPerMsg = (cpu.hostMs * 1000) / count;
  if (cpu.serverMs !== null) extra.serverCpuUsPerMsg = (cpu.serverMs * 1000) / count;
  return { key, name, system, unit, better: 'higher', value: count / seconds, extra };
}

export function peakRss(key: string, name: string, system: SystemName, maxRssKb: number): Sample {
  return { key: `${key}-rss`, name: `${name}: consumer peak RSS`, system, unit: 'MiB', better: 'lower', value: maxRssKb / 1024 };
}
