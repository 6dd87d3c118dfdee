import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as messaging from '@app/messaging';

// Comments and docs that point at things the repository does not have (a design document, a migration function) send
// readers nowhere: every document named must exist, every migration function named must be exported.
const root = fileURLToPath(new URL('../../', import.meta.url));
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|js|md|sql|yml|json)$|Dockerfile$/.test(file) && file !== 'package-lock.json' && existsSync(join(root, file)));

describe('references in comments and docs', () => {
  it('name only documents that exist (from the repository root or beside the file)', () => {
    const missing = files.flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/[A-Za-z0-9_./-]+\.md\b/g)]
        .map(([name]) => name)
        .filter((name) => !existsSync(join(root, name)) && !existsSync(join(root, dirname(file), name)))
        .map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('name only migration functions the library exports', () => {
    const named = files
      .filter((file) => file.startsWith('libs/') || file === 'README.md')
      .flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/\bmigrate\w*(?=\()|\bmigrate[A-Z]\w*/g)].map(([name]) => `${file}: ${name}`));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => !(entry.split(': ')[1] in messaging) && !entry.startsWith('libs/messaging/src/postgres/') && !entry.startsWith('libs/messaging/src/drivers/postgres/'))).toEqual([]);
  });
});
