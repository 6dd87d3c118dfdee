// Lets plain `node --import ./scripts/register.js file.ts` run the project's TypeScript (decorators and
// their metadata included, which Node's own type stripping does not support). Used by child processes
// in tests and by the project's commands; compiled builds do not need it.
import { register } from 'node:module';

register('./ts-loader.js', import.meta.url);
