import type { Container } from '@azure/cosmos';
import type { Lease, LeaseStore } from '../../usecases/ports';
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

  async remove(id: string): Promise<void> {
    try {
      await this.container.item(id, id).delete();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}
