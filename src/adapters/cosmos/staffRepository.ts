import type { Container } from '@azure/cosmos';
import type { StaffMember } from '../../domain/staff';
import type { StaffStore } from '../../usecases/ports';
import { readItem, statusOf, withoutSystemProperties } from './conditionalWrite';

export class StaffRepository implements StaffStore {
  constructor(private readonly container: Container) {}

  async get(aadObjectId: string): Promise<StaffMember | undefined> {
    const doc = await readItem<StaffMember>(this.container, aadObjectId, aadObjectId);
    return doc && withoutSystemProperties(doc);
  }

  /** Setting a role is idempotent: the document id is the object id. */
  async put(member: StaffMember): Promise<void> {
    await this.container.items.upsert(member);
  }

  async remove(aadObjectId: string): Promise<boolean> {
    try {
      await this.container.item(aadObjectId, aadObjectId).delete();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async list(): Promise<StaffMember[]> {
    const { resources } = await this.container.items.query<StaffMember>('SELECT * FROM c ORDER BY c.addedAt').fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }
}
