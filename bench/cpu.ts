import { readFileSync } from 'node:fs';
import { processCpuMs } from './server-process.js';

export interface CpuUse {
  /** CPU time of this Node process (user + system), ms. */
  nodeMs: number;
  /** Busy CPU time of the whole machine over all cores (PostgreSQL included), ms; null where /proc/stat is missing. */
  hostMs: number | null;
  /** CPU time of the broker server process (RabbitMQ's beam.smp), ms; null for the PostgreSQL systems or when unreadable. */
  serverMs: number | null;
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

const since = (start: number | null, now: number | null) => (start === null || now === null ? null : now - start);

/** Starts measuring (and the broker server's process too, given its pid); the returned function gives the CPU used since. */
export function startCpuMeter(serverPid: number | null = null): () => CpuUse {
  const node = process.cpuUsage();
  const host = hostBusyMs();
  const server = serverPid === null ? null : processCpuMs(serverPid);
  return () => {
    const used = process.cpuUsage(node);
    return {
      nodeMs: (used.user + used.system) / 1000,
      hostMs: since(host, hostBusyMs()),
      serverMs: serverPid === null ? null : since(server, processCpuMs(serverPid)),
    };
  };
}
