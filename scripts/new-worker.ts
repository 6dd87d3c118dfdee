// `npm run new:worker -- <name>`: scaffolds apps/<name>-worker, ready to run on either broker (npm start runs it) and test.
import { fileURLToPath } from 'node:url';
import { scaffoldWorker } from './new-worker/scaffold.js';
import { workerPortVariable } from './system/ports.js';

const input = process.argv[2];
if (!input) {
  console.error('Usage: npm run new:worker -- <name>      e.g. npm run new:worker -- shipping');
  process.exit(2);
}
try {
  const { app, port, files } = scaffoldWorker(fileURLToPath(new URL('../', import.meta.url)), input);
  const next = [
    [`npm test -- apps/${app}`, 'type-checks the project, then runs its test'],
    ['npm start', `runs it with the system; health on http://127.0.0.1:${port}/health (${workerPortVariable(app)} moves it)`],
    [`npm run remove:worker -- ${app.replace(/-worker$/, '')}`, 'when it goes: deletes its queues from the broker and its registrations'],
  ];
  const width = Math.max(...next.map(([command]) => command.length)) + 2;
  console.log(`Created apps/${app}:\n${files.map((f) => `  ${f}`).join('\n')}
and registered it in nest-cli.json, docker-compose.yml, docker-compose.rabbitmq.yml and apps/workers.json (which npm start reads).
It runs on the broker it is started with: PostgreSQL (BROKER_DATABASE_URL), or MESSAGING_DRIVER=rabbitmq with RABBITMQ_URL.
Next:
${next.map(([command, what]) => `  ${command.padEnd(width)}# ${what}`).join('\n')}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
