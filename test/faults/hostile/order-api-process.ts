import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TsProcess } from '@app/messaging/testing';
import { TEST_AUTH } from '../../../apps/order-api/test/customer-tokens.js';

const SCRIPT = fileURLToPath(new URL('./order-api-child.ts', import.meta.url));

export interface OrderApiProcess {
  process: TsProcess;
  base: string;
  /** Its ops listener (health and metrics). */
  ops: string;
  pid: number;
}

/**
 * Starts the order API as a child process and waits until it listens. It checks tokens with the tests' key
 * (TEST_AUTH), so `callerHeaders()` and `bearer()` of this process are its callers' tokens.
 */
export async function startOrderApiProcess(env: { ORDERS_DATABASE_URL: string; BROKER_DATABASE_URL: string; PORT?: string; OPS_PORT?: string }): Promise<OrderApiProcess> {
  const child = new TsProcess(SCRIPT, {
    OPS_PORT: '0',
    ...env,
    ORDER_API_JWT_SECRET: TEST_AUTH.secret,
    ORDER_API_JWT_AUDIENCE: TEST_AUTH.audience,
    ORDER_API_JWT_ISSUER: TEST_AUTH.issuer,
    LOG_LEVEL: 'silent',
  });
  const [listening] = await child.waitForEvents('listening', 1, 60_000);
  return { process: child, base: `http://127.0.0.1:${listening.port as number}`, ops: listening.ops as string, pid: listening.pid as number };
}

/** Asks the child what only it can see: whether Object.prototype was polluted. */
export async function probe(child: TsProcess): Promise<{ polluted: boolean; heapUsedBytes: number }> {
  const seen = child.named('probe').length;
  child.kill('SIGWINCH');
  const probes = await child.waitForEvents('probe', seen + 1, 10_000);
  return probes[seen] as { polluted: boolean; heapUsedBytes: number };
}

/** Resident memory of a process, now and at its peak (VmRSS, VmHWM), in MB, from /proc. */
export function residentMemoryMb(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
}
