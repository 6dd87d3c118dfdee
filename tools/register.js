// Lets plain `node --import ./tools/register.js file.ts` run the project's TypeScript (decorators and
// their metadata included, which Node's own type stripping does not support). Used by the project's commands and
// by every child process its tests start (tools/jest-global-setup.js hands it to TsProcess); compiled builds do
// not need it.
import { register } from 'node:module';

register('./ts-loader.js', import.meta.url);
