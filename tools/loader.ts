import { fileURLToPath } from 'node:url';

/** The project's TypeScript loader (tools/register.js), as a path for `node --import`. */
export const TS_LOADER = fileURLToPath(new URL('./register.js', import.meta.url));

/** The Node flags that run one of the project's TypeScript files: pass as TsProcess's `nodeArgs`. */
export const LOADER_NODE_ARGS: readonly string[] = ['--import', TS_LOADER];
