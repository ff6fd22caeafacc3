import type { Mutation, UpdateOutcome, Versioned } from '../../usecases/ports';

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
    return (await this.insert(partition, value)) !== undefined;
  }

  /** The new etag; undefined when a document with that id exists in the partition. */
  async insert(partition: string, value: T): Promise<string | undefined> {
    await yieldToOthers();
    const key = MemoryTable.key(partition, value.id);
    if (this.docs.has(key)) return undefined;
    const etag = this.nextEtag();
    this.docs.set(key, { value: copy(value), etag, partition });
    return etag;
  }

  async upsert(partition: string, value: T): Promise<void> {
    await yieldToOthers();
    this.docs.set(MemoryTable.key(partition, value.id), { value: copy(value), etag: this.nextEtag(), partition });
  }

  /** False when the document changed (or went) since `etag` was read. */
  async replace(partition: string, value: T, etag: string): Promise<boolean> {
    return (await this.swap(partition, value, etag)) !== undefined;
  }

  /** The new etag; undefined when the document changed (or went) since `etag` was read. */
  async swap(partition: string, value: T, etag: string): Promise<string | undefined> {
    await yieldToOthers();
    const key = MemoryTable.key(partition, value.id);
    const current = this.docs.get(key);
    if (!current || current.etag !== etag) return undefined;
    const next = this.nextEtag();
    this.docs.set(key, { value: copy(value), etag: next, partition });
    return next;
  }

  async remove(partition: string, id: string): Promise<boolean> {
    await yieldToOthers();
    return this.docs.delete(MemoryTable.key(partition, id));
  }

  /** Every document (of one partition, when given), copied. */
  async all(partition?: string): Promise<T[]> {
    return (await this.allVersioned(partition)).map((d) => d.value);
  }

  /** Every document with its etag (of one partition, when given), copied. */
  async allVersioned(partition?: string): Promise<Versioned<T>[]> {
    await yieldToOthers();
    return [...this.docs.values()].filter((d) => partition === undefined || d.partition === partition).map((d) => ({ value: copy(d.value), version: d.etag }));
  }

  /** Read → decide → replace if unchanged; decided again on fresh data after a lost race. `known` saves the first read. */
  async update<F>(partition: string, id: string, mutate: (current: T) => Mutation<T, F>, attempts = 5, known?: Versioned<T>): Promise<UpdateOutcome<T, F>> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const stored = attempt === 0 && known ? { value: copy(known.value), etag: known.version } : await this.read(partition, id);
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
