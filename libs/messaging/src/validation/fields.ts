import { InvalidArgumentError } from '../errors.js';

/**
 * Throws InvalidArgumentError naming the first field of `object` that is not in `known`: a misspelt or unsupported
 * option (`orderingKey` on broker.publish) must not be silently ignored. A for-in over a small object: cheap enough
 * for the publish path.
 */
export function assertKnownFields(object: object, known: ReadonlySet<string>, what: string): void {
  for (const field in object) {
    if (!known.has(field)) {
      throw new InvalidArgumentError(`Unknown field ${JSON.stringify(field)} of ${what}; known fields: ${[...known].join(', ')}`, { field });
    }
  }
}
