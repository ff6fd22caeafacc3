import { hashCode } from './deviceCodes';
import { newRefreshToken } from './tokenIssuer';

interface RefreshTokenRecord {
  clientId: string;
  userOid: string;
  tenantId: string;
  scope: string;
  issuedAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
}

export type RefreshTokenRedemption =
  | { ok: true; clientId: string; userOid: string; tenantId: string; scope: string }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'client-mismatch'; issuedAt?: Date };

/**
 * Refresh tokens by hash. Like Entra, redeeming one hands out a new one (the token "rolls") while the old one
 * stays valid until it expires; revocation ("revoke sessions") kills every token of the user.
 */
export class RefreshTokenStore {
  private readonly records = new Map<string, RefreshTokenRecord>();

  issue(request: { clientId: string; userOid: string; tenantId: string; scope: string; nowMs: number; lifetimeSeconds: number }): string {
    const token = newRefreshToken();
    this.records.set(hashCode(token), {
      clientId: request.clientId,
      userOid: request.userOid,
      tenantId: request.tenantId,
      scope: request.scope,
      issuedAtMs: request.nowMs,
      expiresAtMs: request.nowMs + request.lifetimeSeconds * 1000,
      revoked: false,
    });
    return token;
  }

  redeem(token: string, clientId: string, nowMs: number): RefreshTokenRedemption {
    const record = this.records.get(hashCode(token));
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.clientId !== clientId) return { ok: false, reason: 'client-mismatch' };
    if (record.revoked) return { ok: false, reason: 'revoked' };
    if (nowMs >= record.expiresAtMs) return { ok: false, reason: 'expired', issuedAt: new Date(record.issuedAtMs) };
    return { ok: true, clientId: record.clientId, userOid: record.userOid, tenantId: record.tenantId, scope: record.scope };
  }

  /** Returns how many tokens were revoked. */
  revokeForUser(tenantId: string, userOid: string): number {
    return this.update(tenantId, userOid, (record) => {
      record.revoked = true;
    });
  }

  /** Makes the user's tokens look 90 days idle without moving the clock. */
  expireForUser(tenantId: string, userOid: string, nowMs: number): number {
    return this.update(tenantId, userOid, (record) => {
      record.expiresAtMs = Math.min(record.expiresAtMs, nowMs);
    });
  }

  private update(tenantId: string, userOid: string, change: (record: RefreshTokenRecord) => void): number {
    let count = 0;
    for (const record of this.records.values()) {
      if (record.tenantId === tenantId && record.userOid === userOid) {
        change(record);
        count += 1;
      }
    }
    return count;
  }
}
