// `npm run secrets`: makes the secrets docker-compose.yml needs that must never be committed (secrets/ files listed
// in .gitignore), each only if it is missing. Run it once before `docker compose up`.
import { fileURLToPath } from 'node:url';
import { generateSecrets } from './system/compose-secrets.js';

const made = generateSecrets(fileURLToPath(new URL('../secrets/', import.meta.url)));
console.log(made.length > 0 ? `Made ${made.join(', ')} in secrets/` : 'Every generated secret is there already (delete a file to make a new one).');
