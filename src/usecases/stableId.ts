import { createHash } from 'node:crypto';
import { toCrockford } from '../random';

/** A short id derived from a request key, so a redelivered request maps to the same document. */
export function stableId(prefix: string, key: string, length = 10): string {
  return `${prefix}${toCrockford(createHash('sha256').update(key).digest(), length)}`;
}
