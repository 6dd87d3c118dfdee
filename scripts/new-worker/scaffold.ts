import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type YAMLMap } from 'yaml';
import { readWorkerRegistry, writeWorkerRegistry } from '../system/worker-registry.js';
import { composeService, registryEntry, workerFiles, type WorkerNames } from './templates.js';

/** How docker-compose.yml is written back: as it was written (long lines kept, flow lists unpadded). */
const YAML_STYLE = { lineWidth: 0, flowCollectionPadding: false };

/** Works out the names of a new worker from what the user typed ("shipping" or "shipping-worker"). */
export function workerNames(input: string, port: number): WorkerNames {
  const name = input.trim().toLowerCase().replace(/-worker$/, '');
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 40) {
    throw new Error(`Invalid worker name ${JSON.stringify(input)}: use lower-case words separated by '-', e.g. "shipping"`);
  }
  const Name = name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
  return { name, Name, app: `${name}-worker`, port };
}

/** The files the scaffolder edits, relative to the repository root. */
export const EDITED_FILES = { compose: 'docker-compose.yml', nestCli: 'nest-cli.json', registry: 'apps/workers.json' };

function composeServices(doc: Document): YAMLMap {
  const services = doc.get('services', true);
  if (!isMap(services)) throw new Error(`${EDITED_FILES.compose} has no services: map`);
  return services;
}

/** The first port from 3003 that no compose service (PORT or OPS_PORT) and no registered worker uses. */
function nextPort(doc: Document, registryPorts: number[]): number {
  const used = new Set([
    ...registryPorts,
    ...composeServices(doc).items.flatMap((pair) =>
      ['PORT', 'OPS_PORT'].map((name) => Number(doc.getIn(['services', (pair.key as Scalar).value, 'environment', name]))),
    ),
  ]);
  let port = 3003;
  while (used.has(port)) port++;
  return port;
}

/**
 * Creates apps/<name>-worker (module, handler, config, main, tracing, a test), and registers it in nest-cli.json,
 * docker-compose.yml (edited as a YAML document: comments and layout kept) and apps/workers.json (so npm start
 * runs it). Refuses, before writing anything, a worker whose folder, nest-cli project or compose service exists.
 */
export function scaffoldWorker(root: string, input: string): { app: string; port: number; files: string[] } {
  const composePath = join(root, EDITED_FILES.compose);
  const nestCliPath = join(root, EDITED_FILES.nestCli);
  const registryPath = join(root, EDITED_FILES.registry);
  const doc = parseDocument(readFileSync(composePath, 'utf8'), { merge: true });
  const nestCli = JSON.parse(readFileSync(nestCliPath, 'utf8'));
  const registry = readWorkerRegistry(registryPath);
  const names = workerNames(input, nextPort(doc, Object.values(registry.workers).map((w) => w.port)));
  const { app } = names;
  const taken = [
    existsSync(join(root, 'apps', app)) && `apps/${app} exists`,
    nestCli.projects?.[app] && `nest-cli.json has a project ${app}`,
    composeServices(doc).has(app) && `docker-compose.yml has a service ${app}`,
    registry.workers[app] && `apps/workers.json has a worker ${app}`,
  ].filter(Boolean);
  if (taken.length > 0) {
    throw new Error(`A worker ${app} already exists (${taken.join(', ')}): pick another name, or remove it first (npm run remove:worker -- ${names.name}, then delete apps/${app})`);
  }

  const anchor = doc.get('x-app', true);
  if (!isMap(anchor) || !anchor.anchor) throw new Error(`${EDITED_FILES.compose} has no x-app: &app block to merge`);
  const service = doc.createNode(composeService(names)) as YAMLMap;
  service.items.unshift(doc.createPair('<<', doc.createAlias(anchor)));
  const test = service.getIn(['healthcheck', 'test'], true);
  if (isSeq(test)) {
    test.flow = true;
    for (const item of test.items) if (isScalar(item)) item.type = Scalar.QUOTE_DOUBLE;
  }
  const key = doc.createNode(app) as Scalar;
  key.spaceBefore = true;
  composeServices(doc).add(doc.createPair(key, service));

  const files = workerFiles(names);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { flag: 'wx' });
  }
  nestCli.projects[app] = {
    type: 'application',
    root: `apps/${app}`,
    entryFile: 'main',
    sourceRoot: `apps/${app}/src`,
    compilerOptions: { tsConfigPath: `apps/${app}/tsconfig.app.json` },
  };
  writeFileSync(nestCliPath, `${JSON.stringify(nestCli, null, 2)}\n`);
  writeFileSync(composePath, doc.toString(YAML_STYLE));
  registry.workers[app] = registryEntry(names);
  writeWorkerRegistry(registryPath, registry);
  return { app, port: names.port, files: Object.keys(files) };
}
