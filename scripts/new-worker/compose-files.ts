import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isMap, parseDocument, type Document, type YAMLMap } from 'yaml';

/** How a compose file is written back: as it was written (long lines kept, flow lists unpadded). */
const YAML_STYLE = { lineWidth: 0, flowCollectionPadding: false };

/** A compose file as a YAML document (comments and layout kept), or null when there is no such file. */
export function readComposeFile(path: string): Document | null {
  return existsSync(path) ? parseDocument(readFileSync(path, 'utf8'), { merge: true }) : null;
}

export function writeComposeFile(path: string, doc: Document): void {
  writeFileSync(path, doc.toString(YAML_STYLE));
}

/** The file's services: map (`file` names it in the error). */
export function composeServices(doc: Document, file: string): YAMLMap {
  const services = doc.get('services', true);
  if (!isMap(services)) throw new Error(`${file} has no services: map`);
  return services;
}

/** The map a top-level `key: &anchor` block holds, to merge or alias. */
export function anchoredBlock(doc: Document, key: string, file: string): YAMLMap {
  const block = doc.get(key, true);
  if (!isMap(block) || !block.anchor) throw new Error(`${file} has no ${key}: &… block to refer to`);
  return block;
}
