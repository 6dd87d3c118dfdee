import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composeService, workerFiles, type WorkerNames } from './templates.js';

/** Works out the names of a new worker from what the user typed ("shipping" or "shipping-worker"). */
export function workerNames(input: string, port: number): WorkerNames {
  const name = input.trim().toLowerCase().replace(/-worker$/, '');
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 40) {
    throw new Error(`Invalid worker name ${JSON.stringify(input)}: use lower-case words separated by '-', e.g. "shipping"`);
  }
  const Name = name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
  return { name, Name, app: `${name}-worker`, port };
}

/** The next health port after those docker-compose.yml already uses. */
function nextPort(compose: string): number {
  const ports = [...compose.matchAll(/PORT: "(\d+)"/g)].map((m) => Number(m[1])).filter((p) => p >= 3000 && p < 4000);
  return Math.max(3002, ...ports) + 1;
}

/**
 * Creates apps/<name>-worker (module, handler, config, main, tracing, a test), registers it in nest-cli.json, and
 * adds its service to docker-compose.yml. Refuses to overwrite anything. Returns the files written.
 */
export function scaffoldWorker(root: string, input: string): { app: string; files: string[] } {
  const composePath = join(root, 'docker-compose.yml');
  const compose = readFileSync(composePath, 'utf8');
  const names = workerNames(input, nextPort(compose));
  if (existsSync(join(root, 'apps', names.app))) throw new Error(`apps/${names.app} already exists`);
  const files = workerFiles(names);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { flag: 'wx' });
  }
  const nestCliPath = join(root, 'nest-cli.json');
  const nestCli = JSON.parse(readFileSync(nestCliPath, 'utf8'));
  nestCli.projects[names.app] = {
    type: 'application',
    root: `apps/${names.app}`,
    entryFile: 'main',
    sourceRoot: `apps/${names.app}/src`,
    compilerOptions: { tsConfigPath: `apps/${names.app}/tsconfig.app.json` },
  };
  writeFileSync(nestCliPath, `${JSON.stringify(nestCli, null, 2)}\n`);
  const at = compose.search(/^secrets:$/m);
  if (at < 0) throw new Error('docker-compose.yml has no top-level secrets: section to insert before');
  writeFileSync(composePath, compose.slice(0, at) + composeService(names) + compose.slice(at));
  return { app: names.app, files: Object.keys(files) };
}
