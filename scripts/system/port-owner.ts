import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Which process listens on a TCP port, from /proc (Linux; elsewhere, or when /proc does not tell, undefined):
 * "pid 1234 (node apps/order-api/src/main.ts)". For the launcher's "port is taken" message only.
 */
export function portOwner(port: number): string | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
        // State 0A is LISTEN; the local address ends with the port in hex.
        if (state === '0A' && Number.parseInt(local.split(':')[1], 16) === port) inodes.add(`socket:[${inode}]`);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      if (fds.some((fd) => inodes.has(safeReadlink(`/proc/${pid}/fd/${fd}`)))) {
        // The program and its last argument (the script, for node) say enough: "node .../apps/order-api/src/main.ts".
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        return `pid ${pid} (${[basename(argv[0] ?? '?'), ...argv.slice(1).slice(-1)].join(' ')})`;
      }
    }
  } catch {
    // No /proc: the message goes without the owner.
  }
  return undefined;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
