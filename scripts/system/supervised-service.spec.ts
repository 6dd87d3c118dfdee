import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signal } from '@app/messaging/testing';
import { ChildService } from './child-service.js';
import { SupervisedService } from './supervised-service.js';

describe('SupervisedService', () => {
  it('restarts a service that keeps exiting after 1 s, then 2 s, then gives up with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgm-supervised-'));
    const script = join(dir, 'crashing.js');
    writeFileSync(script, "console.log('started'); process.exit(3);\n");
    const lines: string[] = [];
    const gaveUp = signal<string>();
    let starts = 0;
    try {
      const supervised = new SupervisedService(
        () => {
          starts++;
          return new ChildService('crashing', script, {}, (line) => lines.push(line), 0);
        },
        { log: (line) => lines.push(line), onGiveUp: gaveUp.resolve, maxRestarts: 2 },
      );
      expect(await gaveUp.promise).toBe('crashing exited with code 3 again after 2 restarts in a row; stopping everything (its last lines are above)');
      expect(starts).toBe(3);
      expect(lines.filter((line) => line.startsWith('crashing exited'))).toEqual([
        'crashing exited with code 3; restarting it in 1 s (restart 1 of at most 2 in a row)',
        'crashing exited with code 3; restarting it in 2 s (restart 2 of at most 2 in a row)',
      ]);
      expect(lines.filter((line) => line.endsWith('| started'))).toHaveLength(3);
      await supervised.stop();
      expect(starts).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
