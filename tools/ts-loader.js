// Module hooks: resolve the tsconfig path aliases and `./x.js` imports that point at `./x.ts`, and
// compile .ts with swc (the same settings the Jest transform uses).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';

const root = new URL('../', import.meta.url);
const aliases = {
  '@app/contracts': new URL('libs/contracts/index.ts', root).href,
  '@app/messaging': new URL('libs/messaging/src/index.ts', root).href,
  '@app/messaging/testing': new URL('libs/messaging/testing/index.ts', root).href,
  '@app/messaging/testing/faults': new URL('libs/messaging/testing/faults/index.ts', root).href,
  '@app/messaging/telemetry': new URL('libs/messaging/src/telemetry/start-telemetry.ts', root).href,
};
const swcOptions = JSON.parse(readFileSync(new URL('.swcrc', root), 'utf8'));

export async function resolve(specifier, context, nextResolve) {
  if (aliases[specifier]) return { url: aliases[specifier], shortCircuit: true };
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('/')) && context.parentURL?.startsWith('file:')) {
    const candidate = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcOptions, filename, sourceMaps: 'inline' });
  return { format: 'module', source: code, shortCircuit: true };
}
