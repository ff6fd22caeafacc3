import type { Container } from '@azure/cosmos';
import type { Lease, LeaseStore, Versioned } from '../../usecases/ports';
import { readItem, statusOf, withoutSystemProperties } from './conditionalWrite';

export class LeaseRepository implements LeaseStore {
  constructor(private readonly container: Container) {}

  async get(id: string): Promise<Lease | undefined> {
    const doc = await readItem<Lease>(this.container, id, id);
    return doc && withoutSystemProperties(doc);
  }

  async put(lease: Lease): Promise<void> {
    await this.container.items.upsert(lease);
  }

  async read<T extends Lease>(id: string): Promise<Versioned<T> | undefined> {
    const doc = await readItem<T>(this.container, id, id);
    return doc && { value: withoutSystemProperties(doc), version: doc._etag! };
  }

  async create<T extends Lease>(lease: T): Promise<string | undefined> {
    try {
      const { etag } = await this.container.items.create(lease);
      return etag;
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      throw error;
    }
  }

  async replace<T extends Lease>(lease: T, version: string): Promise<string | undefined> {
    try {
      const { etag } = await this.container.item(lease.id, lease.id).replace(lease, { accessCondition: { type: 'IfMatch', condition: version } });
      return etag;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return undefined;
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.container.item(id, id).delete();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}
