import type { Container } from '@azure/cosmos';
import type { SweepRun } from '../../domain/sweep';
import type { Mutation, SweepStore } from '../../usecases/ports';
import { createIfAbsent, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';

/** The sweeps, one document each (TTL on: each says when it goes). Every write is conditional on the etag read. */
export class SweepRepository implements SweepStore {
  constructor(private readonly container: Container) {}

  async get(id: string): Promise<SweepRun | undefined> {
    const doc = await readItem<SweepRun>(this.container, id, id);
    return doc && withoutSystemProperties(doc);
  }

  create(run: SweepRun): Promise<boolean> {
    return createIfAbsent(this.container, run);
  }

  update<F = never>(id: string, mutate: (run: SweepRun) => Mutation<SweepRun, F>) {
    return updateIfMatch<SweepRun, F>(this.container, id, id, mutate);
  }
}
