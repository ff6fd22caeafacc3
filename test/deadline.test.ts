import fc from 'fast-check';
import { currentDeadline, Deadline, DeadlineExceeded, withDeadline, withoutDeadline } from '../src/deadline';

/**
 * How a unit of work's deadline follows it (src/deadline.ts): through every await, `.then`,
 * Promise.all and callback the work schedules, never into other work running at the same time,
 * never out of it. Whatever carries it (AsyncLocalStorage today) must keep all of these.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A macrotask later: nothing of the test is running, so nothing may be active. */
const nextMacrotask = () => new Promise<Deadline | undefined>((resolve) => setImmediate(() => resolve(currentDeadline())));

describe('the deadline of a unit of work', () => {
  it('is there after awaits, in .then callbacks, in every branch of Promise.all and after a sleep', async () => {
    await withDeadline(5_000, 'work', async () => {
      const own = currentDeadline();
      expect(own).toBeDefined();
      await null;
      expect(currentDeadline()).toBe(own);
      await sleep(1);
      expect(currentDeadline()).toBe(own);
      const seen = await Promise.all([
        (async () => {
          await sleep(2);
          return currentDeadline();
        })(),
        Promise.resolve().then(() => currentDeadline()),
        new Promise<void>((resolve) => setTimeout(resolve, 1)).then(() => currentDeadline()),
      ]);
      expect(seen).toEqual([own, own, own]);
      await Promise.reject(new Error('a failure inside')).catch(() => undefined);
      expect(currentDeadline()).toBe(own);
    });
    expect(currentDeadline()).toBeUndefined();
    expect(await nextMacrotask()).toBeUndefined();
  });

  it('never reaches work that runs at the same time (any interleaving)', async () => {
    const step = fc.constantFrom('await', 'sleep', 'all', 'then');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 6 }), async (plans) => {
        const wrong: string[] = [];
        const check = (own: Deadline | undefined, where: string) => {
          if (currentDeadline() !== own) wrong.push(where);
        };
        const run = async (steps: readonly string[], index: number) => {
          const own = currentDeadline();
          for (const [n, s] of steps.entries()) {
            const where = `task ${index} step ${n} (${s})`;
            if (s === 'await') await null;
            else if (s === 'sleep') await sleep((index + n) % 3);
            else if (s === 'all') await Promise.all([sleep(1).then(() => check(own, `${where} branch`)), Promise.resolve().then(() => check(own, `${where} branch`))]);
            else await Promise.resolve(n).then(() => check(own, `${where} callback`));
            check(own, where);
          }
        };
        // Half the tasks run under a deadline of their own, the others under none.
        await Promise.all(plans.map((steps, i) => (i % 2 === 0 ? withDeadline(5_000 + i, `task ${i}`, () => run(steps, i)) : run(steps, i))));
        expect(wrong).toEqual([]);
        expect(currentDeadline()).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });

  it('does not leak through a promise made under it and awaited elsewhere', async () => {
    let shared!: Promise<number>;
    await withDeadline(5_000, 'maker', async () => {
      shared = sleep(2).then(() => 7);
    });
    // Outside any deadline, and under another one, awaiting the same promise.
    await shared;
    expect(currentDeadline()).toBeUndefined();
    await withDeadline(4_000, 'other', async () => {
      const own = currentDeadline();
      await shared;
      expect(currentDeadline()).toBe(own);
    });
  });

  it('is not passed to work started with withoutDeadline, and is there again after it', async () => {
    await withDeadline(5_000, 'turn', async () => {
      const own = currentDeadline();
      const background = withoutDeadline(async () => {
        expect(currentDeadline()).toBeUndefined();
        await sleep(2);
        return currentDeadline();
      });
      expect(currentDeadline()).toBe(own);
      await sleep(1);
      expect(currentDeadline()).toBe(own);
      expect(await background).toBeUndefined();
    });
  });

  it('nested: the sooner of the two applies inside, the outer one again after', async () => {
    await withDeadline(5_000, 'outer', async () => {
      const outer = currentDeadline()!;
      await withDeadline(60_000, 'inner, longer', async () => {
        expect(currentDeadline()!.atMs).toBe(outer.atMs);
      });
      await withDeadline(1_000, 'inner, shorter', async () => {
        await null;
        expect(currentDeadline()!.atMs).toBeLessThan(outer.atMs);
      });
      expect(currentDeadline()).toBe(outer);
    });
  });

  it('aborts what is still running when it passes, and says which work ran out', async () => {
    let signal: AbortSignal | undefined;
    const late = withDeadline(20, 'slow work', async () => {
      signal = currentDeadline()!.signal;
      await sleep(200);
    });
    await expect(late).rejects.toThrow(new DeadlineExceeded(20, 'slow work'));
    expect(signal?.aborted).toBe(true);
  });

  it('reaches callbacks a library schedules without a promise: nextTick, queueMicrotask, setImmediate, setTimeout', async () => {
    // The Cosmos SDK starts a cross-partition query's document requests from a semaphore that calls
    // back with process.nextTick: a carrier that follows promises only loses the deadline there.
    const seen = await withDeadline(5_000, 'turn', async () => {
      const own = currentDeadline();
      const via = (schedule: (callback: () => void) => void) => new Promise<boolean>((resolve) => schedule(() => resolve(currentDeadline() === own)));
      return {
        nextTick: await via((cb) => process.nextTick(cb)),
        queueMicrotask: await via((cb) => queueMicrotask(cb)),
        setImmediate: await via((cb) => setImmediate(cb)),
        setTimeout: await via((cb) => setTimeout(cb, 1)),
      };
    });
    expect(seen).toEqual({ nextTick: true, queueMicrotask: true, setImmediate: true, setTimeout: true });
    expect(await nextMacrotask()).toBeUndefined();
  });
});
