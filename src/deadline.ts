import { promiseHooks } from 'node:v8';

/**
 * One deadline per unit of work (a turn, a card action, a page request), passed down implicitly to
 * every dependency call made inside it: the store, Entra and Graph adapters cap their own timeouts
 * by what is left, so separate timeouts never add up past what the caller can wait.
 */
export interface Deadline {
  readonly atMs: number;
  /** Aborts when the deadline passes. */
  readonly signal: AbortSignal;
  remainingMs(): number;
}

/** Thrown when work runs out of its budget; callers answer with an apology and a reference. */
export class DeadlineExceeded extends Error {
  constructor(readonly budgetMs: number, readonly what: string) {
    super(`${what} ran out of its ${budgetMs} ms budget`);
    this.name = 'DeadlineExceeded';
  }
}

/*
 * How the deadline follows the work: every promise created while a deadline is active carries it,
 * and a promise's reactions (the code after an `await`, a `.then` callback) run under what it
 * carries. That is what AsyncLocalStorage does for promises, without its async_hooks bookkeeping
 * (async ids, resource stacks, a lookup per promise), which on Node 20 cost a status turn 8-12 % of
 * its CPU; this costs about 3 % (docs/BENCHMARKS.md). What is reached only through a
 * timer or an event callback, not a promise, runs without the deadline and so falls back to its own
 * timeout. Every consumer here (the store plugin, the HTTP client, the use cases) is awaited.
 */
const CARRIED = Symbol('deadline');
type Carrier = { [CARRIED]?: Deadline };
let active: Deadline | undefined;
/** What was active before each reaction now running, innermost last. */
const enclosing: (Deadline | undefined)[] = [];
let hooked = false;

function carryThroughPromises(): void {
  if (hooked) return;
  hooked = true;
  promiseHooks.createHook({
    init(promise) {
      if (active !== undefined) (promise as Carrier)[CARRIED] = active;
    },
    before(promise) {
      enclosing.push(active);
      active = (promise as Carrier)[CARRIED];
    },
    after() {
      active = enclosing.pop();
    },
  });
}

function runUnder<T>(deadline: Deadline | undefined, work: () => T): T {
  if (deadline !== undefined) carryThroughPromises();
  const before = active;
  active = deadline;
  try {
    return work();
  } finally {
    active = before;
  }
}

export function currentDeadline(): Deadline | undefined {
  return active;
}

/** `ms`, or less if the current deadline leaves less (never below 1 ms). */
export function cappedByDeadline(ms: number): number {
  const deadline = active;
  return deadline ? Math.max(1, Math.min(ms, deadline.remainingMs())) : ms;
}

/** The work ran out of its budget: ours, or an SDK call aborted by the deadline's signal. */
export function isOutOfTime(error: unknown): boolean {
  return error instanceof DeadlineExceeded || (error as { name?: string } | null)?.name === 'AbortError';
}

/**
 * Runs `work` under a deadline `budgetMs` from now (or the enclosing one, if that is sooner) and
 * settles by then whatever `work` does: past it, the caller gets `DeadlineExceeded` while the
 * calls still in flight are aborted through the signal.
 */
export async function withDeadline<T>(budgetMs: number, what: string, work: () => Promise<T>): Promise<T> {
  const outer = active;
  const atMs = Math.min(Date.now() + budgetMs, outer?.atMs ?? Infinity);
  const controller = new AbortController();
  const deadline: Deadline = { atMs, signal: controller.signal, remainingMs: () => atMs - Date.now() };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new DeadlineExceeded(budgetMs, what));
      reject(new DeadlineExceeded(budgetMs, what));
    }, Math.max(0, atMs - Date.now()));
  });
  try {
    return await Promise.race([runUnder(deadline, work), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Background work started from inside a turn (a device-code poll) must not inherit the turn's deadline. */
export function withoutDeadline<T>(work: () => T): T {
  return runUnder(undefined, work);
}
