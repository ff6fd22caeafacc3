import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { Clock } from '../../clock';
import { sealedSecretSchema } from '../crypto/secretBox';
import type { Sealer, TokenCacheDocs, TokenCaches } from '../../usecases/ports';

/** The AAD binds a sealed cache to its tenant: a blob copied to another tenant's record won't open. */
const aadFor = (tenantId: string) => `tokenCache:${tenantId}`;

/**
 * MSAL token caches per customer tenant, sealed with AES-256-GCM before they are stored. MSAL hands
 * its plugin the whole serialized cache, refresh tokens in plain text, so sealing happens here.
 */
export class TokenCacheStore implements TokenCaches {
  constructor(private readonly repository: TokenCacheDocs, private readonly box: Sealer, private readonly clock: Clock) {}

  async save(tenantId: string, serializedCache: string): Promise<void> {
    await this.repository.put({ id: tenantId, tenantId, sealed: await this.box.seal(serializedCache, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() });
  }

  /**
   * Adds a new sign-in to what is stored: a second account for the same tenant (say a service
   * account after a Global admin) must not wipe the first one's refresh token. Returns the undo:
   * the entries this sign-in added go again and those it replaced come back, on fresh data, so
   * anything another writer merged meanwhile is kept.
   */
  async merge(tenantId: string, serializedCache: string): Promise<() => Promise<void>> {
    let replaced: string | undefined;
    await this.repository.change(tenantId, async (current) => {
      const existing = current && (await this.open(tenantId, current.sealed));
      replaced = existing;
      const merged = existing === undefined ? serializedCache : mergeSerializedCaches(existing, serializedCache);
      return { id: tenantId, tenantId, sealed: await this.box.seal(merged, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() };
    });
    return async () => {
      await this.repository.change(tenantId, async (current) => {
        const now = (current && (await this.open(tenantId, current.sealed))) ?? '{}';
        const restored = withdrawSerializedCache(now, serializedCache, replaced);
        return { id: tenantId, tenantId, sealed: await this.box.seal(restored, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() };
      });
    };
  }

  /** A stored cache we cannot open (a retired key) is replaced rather than blocking a new sign-in. */
  private async open(tenantId: string, sealed: unknown): Promise<string | undefined> {
    const parsed = sealedSecretSchema.safeParse(sealed);
    if (!parsed.success) return undefined;
    try {
      return await this.box.openString(parsed.data, aadFor(tenantId));
    } catch {
      return undefined;
    }
  }

  /** The serialized cache, or undefined when there is none (or it cannot be opened with our keys). */
  async load(tenantId: string): Promise<string | undefined> {
    const doc = await this.repository.get(tenantId);
    if (!doc) return undefined;
    const sealed = sealedSecretSchema.safeParse(doc.sealed);
    if (!sealed.success) return undefined;
    return await this.box.openString(sealed.data, aadFor(tenantId));
  }

  /**
   * The serialized cache with the version it was read at, for a refresh that writes it back once
   * (`saveChanges`). `unreadable`: sealed with a key we no longer have, or not a sealed cache.
   */
  async openVersioned(tenantId: string): Promise<{ ok: true; serialized: string; version: string } | { ok: false; reason: 'no-cache' | 'unreadable' }> {
    const stored = await this.repository.getVersioned(tenantId);
    if (!stored) return { ok: false, reason: 'no-cache' };
    const serialized = await this.open(tenantId, stored.doc.sealed);
    return serialized === undefined ? { ok: false, reason: 'unreadable' } : { ok: true, serialized, version: stored.version };
  }

  /**
   * Writes what changed between `before` (as opened) and `after`: one conditional replace when
   * nobody wrote in between; otherwise the same changes applied to what is stored now, so a sign-in
   * that merged another account meanwhile keeps it.
   */
  async saveChanges(tenantId: string, before: string, after: string, version: string): Promise<void> {
    const doc = { id: tenantId, tenantId, sealed: await this.box.seal(after, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() };
    if (await this.repository.replaceIfUnchanged(doc, version)) return;
    await this.repository.change(tenantId, async (current) => {
      const now = (current && (await this.open(tenantId, current.sealed))) ?? '{}';
      const changed = applyCacheChanges(now, before, after);
      return { id: tenantId, tenantId, sealed: await this.box.seal(changed, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() };
    });
  }

  /** A cache plugin for a PublicClientApplication that serves one customer tenant. */
  pluginFor(tenantId: string): ICachePlugin {
    return {
      beforeCacheAccess: async (context: TokenCacheContext) => {
        const cache = await this.load(tenantId);
        if (cache !== undefined) context.tokenCache.deserialize(cache);
      },
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (context.cacheHasChanged) await this.save(tenantId, context.tokenCache.serialize());
      },
    };
  }
}

/** MSAL's serialized cache is a set of maps keyed by cache key; the newer entry wins per key. */
export function mergeSerializedCaches(older: string, newer: string): string {
  const a = JSON.parse(older) as Record<string, Record<string, unknown>>;
  const b = JSON.parse(newer) as Record<string, Record<string, unknown>>;
  const merged: Record<string, Record<string, unknown>> = {};
  for (const section of new Set([...Object.keys(a), ...Object.keys(b)])) merged[section] = { ...(a[section] ?? {}), ...(b[section] ?? {}) };
  return JSON.stringify(merged);
}

/** Takes one sign-in's entries out of a cache again: each key it wrote goes back to what it replaced (or goes). */
export function withdrawSerializedCache(current: string, added: string, replaced: string | undefined): string {
  const now = JSON.parse(current) as Record<string, Record<string, unknown>>;
  const ours = JSON.parse(added) as Record<string, Record<string, unknown>>;
  const before = (replaced === undefined ? {} : JSON.parse(replaced)) as Record<string, Record<string, unknown>>;
  const result: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(now)) result[section] = { ...now[section] };
  for (const [section, entries] of Object.entries(ours)) {
    for (const key of Object.keys(entries ?? {})) {
      if (!result[section]) continue;
      // An entry someone else rewrote since is theirs now.
      if (JSON.stringify(result[section][key]) !== JSON.stringify(entries[key])) continue;
      if (before[section] && key in before[section]) result[section][key] = before[section][key];
      else delete result[section][key];
    }
  }
  return JSON.stringify(result);
}

/**
 * The changes from `before` to `after` (entries added, replaced or removed), applied to `current`.
 * An account another writer touched since `before` (a sign-in of the same account) stays as they
 * left it, every entry of it; everything else ends as in `after`, and whatever others added is kept.
 */
export function applyCacheChanges(current: string, before: string, after: string): string {
  type Cache = Record<string, Record<string, unknown>>;
  const now = JSON.parse(current) as Cache;
  const was = JSON.parse(before) as Cache;
  const is = JSON.parse(after) as Cache;
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const accountOf = (entry: unknown) => (entry as { home_account_id?: unknown } | undefined)?.home_account_id;
  const theirs = new Set<unknown>();
  for (const section of new Set([...Object.keys(now), ...Object.keys(was)])) {
    for (const key of new Set([...Object.keys(now[section] ?? {}), ...Object.keys(was[section] ?? {})])) {
      if (!same(now[section]?.[key], was[section]?.[key])) theirs.add(accountOf(now[section]?.[key]) ?? accountOf(was[section]?.[key]));
    }
  }
  const result: Cache = {};
  for (const section of Object.keys(now)) result[section] = { ...now[section] };
  for (const section of new Set([...Object.keys(was), ...Object.keys(is)])) {
    const a = was[section] ?? {};
    const b = is[section] ?? {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (same(a[key], b[key]) || !same(now[section]?.[key], a[key])) continue;
      const account = accountOf(b[key]) ?? accountOf(a[key]);
      if (account !== undefined && theirs.has(account)) continue;
      if (key in b) (result[section] ??= {})[key] = b[key];
      else if (result[section]) delete result[section][key];
    }
  }
  return JSON.stringify(result);
}
