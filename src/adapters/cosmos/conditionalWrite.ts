import type { Container, ItemDefinition } from '@azure/cosmos';

/** A stored document with Cosmos' system properties. */
export type Stored<T> = T & { readonly _etag?: string; readonly _ts?: number; readonly _rid?: string; readonly _self?: string; readonly _attachments?: string };

import type { Mutation, UpdateOutcome, Versioned } from '../../usecases/ports';

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Strips Cosmos' system properties so a document can be written back. */
export function withoutSystemProperties<T>(doc: Stored<T>): T {
  const { _etag, _ts, _rid, _self, _attachments, ...rest } = doc as Stored<T> & Record<string, unknown>;
  void _etag; void _ts; void _rid; void _self; void _attachments;
  return rest as T;
}

export async function readItem<T>(container: Container, id: string, partitionKey: string): Promise<Stored<T> | undefined> {
  try {
    const { resource } = await container.item(id, partitionKey).read<Stored<T> & ItemDefinition>();
    return resource ?? undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Read → decide → replace, conditional on the `_etag` that was read. Another writer in between
 * makes Cosmos answer 412; we then decide again on fresh data, so no update is ever silently
 * overwritten. After `attempts` conflicts the caller gets `conflict` to report.
 */
export async function updateIfMatch<T extends { id: string }, F = never>(
  container: Container,
  id: string,
  partitionKey: string,
  mutate: (current: T) => Mutation<T, F>,
  attempts = 5,
  known?: Versioned<T>,
): Promise<UpdateOutcome<T, F>> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    // A caller that read the document already (a sweep's page) saves the read on the first try.
    const first = attempt === 0 && known ? { value: known.value, etag: known.version } : undefined;
    const stored = first ?? (await readVersioned<T>(container, id, partitionKey));
    if (stored === undefined) return { ok: false, reason: 'not-found' };
    const previous = stored.value;
    const next = mutate(previous);
    if (!next.ok) return { ok: false, reason: 'rejected', failure: next.failure };
    try {
      await container.item(id, partitionKey).replace(next.value, {
        accessCondition: { type: 'IfMatch', condition: stored.etag },
      });
      return { ok: true, value: next.value, previous };
    } catch (error) {
      // 404: deleted since the read; the next read reports not-found.
      const status = statusOf(error);
      if (status !== 412 && status !== 404) throw error;
    }
  }
  return { ok: false, reason: 'conflict' };
}

async function readVersioned<T>(container: Container, id: string, partitionKey: string): Promise<{ value: T; etag: string } | undefined> {
  const stored = await readItem<T>(container, id, partitionKey);
  return stored && { value: withoutSystemProperties(stored), etag: stored._etag! };
}

/** Creates a document; `false` when one with that id already exists (a retried request). */
export async function createIfAbsent<T extends { id: string }>(container: Container, doc: T): Promise<boolean> {
  try {
    await container.items.create(doc);
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw error;
  }
}
