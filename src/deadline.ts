import { AsyncLocalStorage } from 'node:async_hooks';

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

const current = new AsyncLocalStorage<Deadline>();

export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/** `ms`, or less if the current deadline leaves less (never below 1 ms). */
export function cappedByDeadline(ms: number): number {
  const deadline = current.getStore();
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
  const outer = current.getStore();
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
    return await Promise.race([current.run(deadline, work), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Background work started from inside a turn (a device-code poll) must not inherit the turn's deadline. */
export function withoutDeadline<T>(work: () => T): T {
  return current.exit(work);
}
