import { retryAfterSecondsOf } from '../../domain/retryAfter';
import type { GraphFailure } from '../../usecases/ports';
import type { JsonResponse } from '../http/httpsJson';

/** A request that got no answer: our timeout or the caller's deadline, or a broken connection. */
export function unanswered(error: unknown): GraphFailure {
  const e = error as { name?: string; message?: string } | null;
  const timedOut = e?.message === 'timeout' || e?.name === 'AbortError' || e?.name === 'DeadlineExceeded';
  return { ok: false, reason: timedOut ? 'timeout' : 'unavailable' };
}

/** A non-200 answer of Graph: refused (401/403), throttled (429, with its Retry-After), or unavailable. */
export function refusedOrBusy(response: JsonResponse): GraphFailure {
  const { status } = response;
  const retryAfterSeconds = retryAfterSecondsOf(response.headers['retry-after']);
  const wait = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (status === 401 || status === 403) return { ok: false, reason: 'unauthorized', status };
  if (status === 429) return { ok: false, reason: 'throttled', status, ...wait };
  return { ok: false, reason: 'unavailable', status, ...wait };
}
