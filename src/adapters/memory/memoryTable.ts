import type { Mutation, UpdateOutcome } from '../../usecases/ports';

/**
 * Documents in memory with the store's semantics: keyed by partition and id, an etag that changes
 * on every write, create-if-absent, replace-if-match, and copies in and out (a caller never holds
 * the stored object). Each operation yields to the event loop first, as a network call would, so
 * concurrent writers interleave the way they do against Cosmos DB.
 */
export class MemoryTable<T extends { id: string }> {
  private readonly docs = new Map<string, { value: T; etag: string; partition: string }>();
  private writes = 0;

  private static key(partition: string, id: string): string {
    return `${partition}\u0000${id}`;
  }

  private nextEtag(): string {
    this.writes += 1;
    return `"m${this.writes}"`;
  }

  async read(partition: string, id: string): Promise<{ value: T; etag: string } | undefined> {
    await yieldToOthers();
    const doc = this.docs.get(MemoryTable.key(partition, id));
    return doc && { value: copy(doc.value), etag: doc.etag };
  }

  /** False when a document with that id exists in the partition. */
  async create(partition: string, value: T): Promise<boolean> {
    await yieldToOthers();
    const key = MemoryTable.key(partition, value.id);
    if (this.docs.has(key)) return false;
    this.docs.set(key, { value: copy(value), etag: this.nextEtag(), partition });
    return true;
  }

  async upsert(partition: string, value: T): Promise<void> {
    await yieldToOthers();
    this.docs.set(MemoryTable.key(partition, value.id), { value: copy(value), etag: this.nextEtag(), partition });
  }

  /** False when the document changed (or went) since `etag` was read. */
  async replace(partition: string, value: T, etag: string): Promise<boolean> {
    await yieldToOthers();
    const key = MemoryTable.key(partition, value.id);
    const current = this.docs.get(key);
    if (!current || current.etag !== etag) return false;
    this.docs.set(key, { value: copy(value), etag: this.nextEtag(), partition });
    return true;
  }

  async remove(partition: string, id: string): Promise<boolean> {
    await yieldToOthers();
    return this.docs.delete(MemoryTable.key(partition, id));
  }

  /** Every document (of one partition, when given), copied. */
  async all(partition?: string): Promise<T[]> {
    await yieldToOthers();
    return [...this.docs.values()].filter((d) => partition === undefined || d.partition === partition).map((d) => copy(d.value));
  }

  /** Read → decide → replace if unchanged; decided again on fresh data after a lost race. */
  async update<F>(partition: string, id: string, mutate: (current: T) => Mutation<T, F>, attempts = 5): Promise<UpdateOutcome<T, F>> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const stored = await this.read(partition, id);
      if (!stored) return { ok: false, reason: 'not-found' };
      const next = mutate(copy(stored.value));
      if (!next.ok) return { ok: false, reason: 'rejected', failure: next.failure };
      if (await this.replace(partition, next.value, stored.etag)) return { ok: true, value: copy(next.value), previous: stored.value };
    }
    return { ok: false, reason: 'conflict' };
  }
}

function copy<T>(value: T): T {
  // What a store would hand back: JSON in, JSON out (undefined fields dropped, no shared objects).
  return JSON.parse(JSON.stringify(value)) as T;
}

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));
