import type { Agent } from 'node:https';
import { z } from 'zod';
import type { TenantRef } from '../../domain/inputs';
import type { TenantDirectory, TenantLookup } from '../../usecases/ports';
import { getJson } from '../http/httpsJson';

const openIdConfig = z.object({ issuer: z.string(), token_endpoint: z.string() });
const ISSUER_TENANT = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0\/?$/i;

/**
 * Entra publishes each tenant's OpenID configuration anonymously; its issuer carries the tenant id.
 * An unknown domain answers 400 (AADSTS90002), which we report as not found.
 */
export class EntraTenantDirectory implements TenantDirectory {
  constructor(private readonly authorityHost: string, private readonly agent?: Agent, private readonly timeoutMs = 5_000) {}

  async resolve(ref: TenantRef): Promise<TenantLookup> {
    const url = `${this.authorityHost}/${encodeURIComponent(ref.value)}/v2.0/.well-known/openid-configuration`;
    let response;
    try {
      response = await getJson(url, this.agent, this.timeoutMs);
    } catch {
      return ref.kind === 'id' ? { ok: true, tenantId: ref.value } : { ok: false, reason: 'unavailable' };
    }
    if (response.status === 400 || response.status === 404) return { ok: false, reason: 'not-found' };
    const parsed = openIdConfig.safeParse(response.body);
    const match = parsed.success ? ISSUER_TENANT.exec(parsed.data.issuer) : null;
    if (response.status !== 200 || match === null) {
      return ref.kind === 'id' ? { ok: true, tenantId: ref.value } : { ok: false, reason: 'unavailable' };
    }
    const tenantId = match[1].toLowerCase();
    return { ok: true, tenantId, domain: ref.kind === 'domain' ? ref.value : undefined };
  }
}

