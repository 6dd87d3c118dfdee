import { readFileSync } from 'node:fs';

export interface CpuUse {
  /** CPU time of this Node process (user + system), ms. */
  nodeMs: number;
  /** Busy CPU time of the whole machine over all cores (PostgreSQL included), ms; null where /proc/stat is missing. */
  hostMs: number | null;
}

/** Busy jiffies of all cores from /proc/stat (everything except idle and iowait). */
function hostBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    // USER_HZ is 100 on every Linux we run on: one jiffy is 10 ms.
    return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
  } catch {
    return null;
  }
}

/** Starts measuring; the returned function gives the CPU used since. */
export function startCpuMeter(): () => CpuUse {
  const node = process.cpuUsage();
  const host = hostBusyMs();
  return () => {
    const used = process.cpuUsage(node);
    const hostNow = hostBusyMs();
    return { nodeMs: (used.user + used.system) / 1000, hostMs: host === null || hostNow === null ? null : hostNow - host };
  };
}
