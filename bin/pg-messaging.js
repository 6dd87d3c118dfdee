#!/usr/bin/env node
// `npx pg-messaging` (package.json "bin") and `node bin/pg-messaging.js`: the CLI runs from the TypeScript sources
// through the project's loader, as the npm scripts do.
import '../tools/register.js';

const { runCli } = await import('../libs/messaging/src/cli/main.ts');
process.exitCode = await runCli(process.argv);
