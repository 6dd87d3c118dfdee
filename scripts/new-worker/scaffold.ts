import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isScalar, isSeq, Scalar, type Document, type YAMLMap } from 'yaml';
import { readWorkerRegistry, writeWorkerRegistry } from '../system/worker-registry.js';
import { anchoredBlock, composeServices, readComposeFile, writeComposeFile } from './compose-files.js';
import { composeRabbitmqService, composeService, registryEntry, workerFiles, type WorkerNames } from './templates.js';

/** Works out the names of a new worker from what the user typed ("shipping" or "shipping-worker"). */
export function workerNames(input: string, port: number): WorkerNames {
  const name = input.trim().toLowerCase().replace(/-worker$/, '');
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 40) {
    throw new Error(`Invalid worker name ${JSON.stringify(input)}: use lower-case words separated by '-', e.g. "shipping"`);
  }
  const Name = name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
  return { name, Name, app: `${name}-worker`, port };
}

/** The files the scaffolder edits, relative to the repository root (the RabbitMQ override when there is one). */
export const EDITED_FILES = { compose: 'docker-compose.yml', composeRabbitmq: 'docker-compose.rabbitmq.yml', nestCli: 'nest-cli.json', registry: 'apps/workers.json' };

/** The first port from 3003 that no compose service (PORT or OPS_PORT) and no registered worker uses. */
function nextPort(doc: Document, registryPorts: number[]): number {
  const used = new Set([
    ...registryPorts,
    ...composeServices(doc, EDITED_FILES.compose).items.flatMap((pair) =>
      ['PORT', 'OPS_PORT'].map((name) => Number(doc.getIn(['services', (pair.key as Scalar).value, 'environment', name]))),
    ),
  ]);
  let port = 3003;
  while (used.has(port)) port++;
  return port;
}

/** A service key with a blank line before it, as the files' own. */
function serviceKey(doc: Document, app: string): Scalar {
  const key = doc.createNode(app) as Scalar;
  key.spaceBefore = true;
  return key;
}

/** The worker's service in docker-compose.rabbitmq.yml: the apps' switch to RabbitMQ (the *on-rabbitmq environment). */
function addRabbitmqOverride(doc: Document, names: WorkerNames): void {
  const onRabbitmq = anchoredBlock(doc, 'x-on-rabbitmq', EDITED_FILES.composeRabbitmq);
  const service = doc.createNode(composeRabbitmqService()) as YAMLMap;
  service.items.splice(1, 0, doc.createPair('environment', doc.createAlias(onRabbitmq)));
  composeServices(doc, EDITED_FILES.composeRabbitmq).add(doc.createPair(serviceKey(doc, names.app), service));
}

/**
 * Creates apps/<name>-worker (module, handler, config, main, tracing, a test), and registers it in nest-cli.json,
 * docker-compose.yml and docker-compose.rabbitmq.yml (edited as YAML documents: comments and layout kept) and
 * apps/workers.json (so npm start runs it, on the broker it is started with). Refuses, before writing anything, a
 * worker whose folder, nest-cli project or compose service exists.
 */
export function scaffoldWorker(root: string, input: string): { app: string; port: number; files: string[] } {
  const composePath = join(root, EDITED_FILES.compose);
  const nestCliPath = join(root, EDITED_FILES.nestCli);
  const registryPath = join(root, EDITED_FILES.registry);
  const rabbitmqPath = join(root, EDITED_FILES.composeRabbitmq);
  const doc = readComposeFile(composePath);
  if (!doc) throw new Error(`There is no ${EDITED_FILES.compose} in ${root}`);
  const rabbitmqDoc = readComposeFile(rabbitmqPath);
  const nestCli = JSON.parse(readFileSync(nestCliPath, 'utf8'));
  const registry = readWorkerRegistry(registryPath);
  const names = workerNames(input, nextPort(doc, Object.values(registry.workers).map((w) => w.port)));
  const { app } = names;
  const taken = [
    existsSync(join(root, 'apps', app)) && `apps/${app} exists`,
    nestCli.projects?.[app] && `nest-cli.json has a project ${app}`,
    composeServices(doc, EDITED_FILES.compose).has(app) && `docker-compose.yml has a service ${app}`,
    rabbitmqDoc && composeServices(rabbitmqDoc, EDITED_FILES.composeRabbitmq).has(app) && `docker-compose.rabbitmq.yml has a service ${app}`,
    registry.workers[app] && `apps/workers.json has a worker ${app}`,
  ].filter(Boolean);
  if (taken.length > 0) {
    throw new Error(`A worker ${app} already exists (${taken.join(', ')}): pick another name, or remove it first (npm run remove:worker -- ${names.name}, then delete apps/${app})`);
  }

  const anchor = anchoredBlock(doc, 'x-app', EDITED_FILES.compose);
  const service = doc.createNode(composeService(names)) as YAMLMap;
  service.items.unshift(doc.createPair('<<', doc.createAlias(anchor)));
  const test = service.getIn(['healthcheck', 'test'], true);
  if (isSeq(test)) {
    test.flow = true;
    for (const item of test.items) if (isScalar(item)) item.type = Scalar.QUOTE_DOUBLE;
  }
  composeServices(doc, EDITED_FILES.compose).add(doc.createPair(serviceKey(doc, app), service));
  if (rabbitmqDoc) addRabbitmqOverride(rabbitmqDoc, names);

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
  writeComposeFile(composePath, doc);
  if (rabbitmqDoc) writeComposeFile(rabbitmqPath, rabbitmqDoc);
  registry.workers[app] = registryEntry(names);
  writeWorkerRegistry(registryPath, registry);
  return { app, port: names.port, files: Object.keys(files) };
}
