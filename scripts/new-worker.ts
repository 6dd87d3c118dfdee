// `npm run new:worker -- <name>`: scaffolds apps/<name>-worker, ready to run and test.
import { fileURLToPath } from 'node:url';
import { scaffoldWorker } from './new-worker/scaffold.js';

const input = process.argv[2];
if (!input) {
  console.error('Usage: npm run new:worker -- <name>      e.g. npm run new:worker -- shipping');
  process.exit(2);
}
try {
  const { app, files } = scaffoldWorker(fileURLToPath(new URL('../', import.meta.url)), input);
  console.log(`Created apps/${app}:\n${files.map((f) => `  ${f}`).join('\n')}\nand added it to nest-cli.json and docker-compose.yml.
Next:
  npx jest apps/${app}                         # its test (or npm test)
  BROKER_DATABASE_URL=... node --import ./scripts/register.js apps/${app}/src/main.ts
  Add it to scripts/system/start-system.ts to run it with npm start.`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
