import { hashCode } from './deviceCodes';
import { newRefreshToken } from './tokenIssuer';

interface RefreshTokenRecord {
  hash: string;
  clientId: string;
  userOid: string;
  tenantId: string;
  scope: string;
  issuedAtMs: number;
  /** Each token has its own inactivity window from the moment it was issued. */
  expiresAtMs: number;
  /** When the person last signed in interactively: carried over every roll, for sign-in frequency rules. */
  authTimeMs: number;
  /** The user's revocation count when it was issued: a later revocation kills it. */
  generation: number;
}

export type RefreshTokenRedemption =
  | { ok: true; clientId: string; userOid: string; tenantId: string; scope: string; issuedAt: Date; authTimeMs: number }
  | { ok: false; reason: 'unknown' | 'client-mismatch'; issuedAt?: undefined; validFrom?: undefined }
  | { ok: false; reason: 'expired'; issuedAt: Date; validFrom?: undefined }
  | { ok: false; reason: 'revoked'; issuedAt: Date; validFrom: Date };

export interface IssueRefreshTokenRequest {
  clientId: string;
  userOid: string;
  tenantId: string;
  scope: string;
  nowMs: number;
  lifetimeSeconds: number;
  /** Defaults to `nowMs`: a fresh interactive sign-in. A roll passes the original one on. */
  authTimeMs?: number;
}

/**
 * How many refresh tokens of one user and app stay redeemable at once. Entra keeps every one until its own
 * window lapses; the simulator forgets the oldest beyond this many so a long benchmark cannot grow it without end.
 */
export const REFRESH_TOKENS_KEPT_PER_USER_AND_APP = 50;

interface UserTokens {
  /** Hashes, oldest first. */
  chain: string[];
  /** How many times the user's sessions were revoked ("Revoke sessions", a password reset). */
  generation: number;
  /** Entra's `refreshTokensValidFromDateTime`: the last revocation. */
  validFromMs?: number;
}

/**
 * Refresh tokens by hash, as Entra has them for a public client that is not a single-page app: each lives 90 days
 * of inactivity (`lifetimeSeconds`) with no fixed maximum, counted from when it was issued. Redeeming one hands
 * out a new one with a fresh window (the token "rolls"); the old one stays valid until its own window lapses.
 * Revocation works like Entra's `revokeSignInSessions` and a password reset: every token issued before it dies.
 */
export class RefreshTokenStore {
  private readonly records = new Map<string, RefreshTokenRecord>();
  private readonly users = new Map<string, UserTokens>();

  issue(request: IssueRefreshTokenRequest): string {
    const token = newRefreshToken();
    const hash = hashCode(token);
    const user = this.userOf(request.tenantId, request.userOid);
    this.records.set(hash, {
      hash,
      clientId: request.clientId,
      userOid: request.userOid,
      tenantId: request.tenantId,
      scope: request.scope,
      issuedAtMs: request.nowMs,
      expiresAtMs: request.nowMs + request.lifetimeSeconds * 1000,
      authTimeMs: request.authTimeMs ?? request.nowMs,
      generation: user.generation,
    });
    user.chain.push(hash);
    this.forgetBeyondLimit(user, request.clientId);
    return token;
  }

  redeem(token: string, clientId: string, nowMs: number): RefreshTokenRedemption {
    const record = this.records.get(hashCode(token));
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.clientId !== clientId) return { ok: false, reason: 'client-mismatch' };
    const issuedAt = new Date(record.issuedAtMs);
    const user = this.userOf(record.tenantId, record.userOid);
    if (record.generation < user.generation) return { ok: false, reason: 'revoked', issuedAt, validFrom: new Date(user.validFromMs ?? nowMs) };
    if (nowMs >= record.expiresAtMs) return { ok: false, reason: 'expired', issuedAt };
    return { ok: true, clientId: record.clientId, userOid: record.userOid, tenantId: record.tenantId, scope: record.scope, issuedAt, authTimeMs: record.authTimeMs };
  }

  /** Which tenant a token belongs to, without redeeming it (the tenant's faults apply to `organizations` requests too). */
  tenantOf(token: string): string | undefined {
    return this.records.get(hashCode(token))?.tenantId;
  }

  /** Revokes every refresh token of the user; returns how many were still alive. */
  revokeForUser(tenantId: string, userOid: string, nowMs: number): number {
    const user = this.userOf(tenantId, userOid);
    const alive = user.chain.filter((hash) => {
      const record = this.records.get(hash);
      return record !== undefined && record.generation === user.generation && nowMs < record.expiresAtMs;
    }).length;
    user.generation += 1;
    user.validFromMs = nowMs;
    return alive;
  }

  /** Makes the user's tokens look 90 days idle without moving the clock; returns how many there were. */
  expireForUser(tenantId: string, userOid: string, nowMs: number): number {
    const user = this.userOf(tenantId, userOid);
    let count = 0;
    for (const hash of user.chain) {
      const record = this.records.get(hash);
      if (!record) continue;
      record.expiresAtMs = Math.min(record.expiresAtMs, nowMs);
      count += 1;
    }
    return count;
  }

  private userOf(tenantId: string, userOid: string): UserTokens {
    const key = `${tenantId.toLowerCase()}|${userOid}`;
    let user = this.users.get(key);
    if (!user) {
      user = { chain: [], generation: 0 };
      this.users.set(key, user);
    }
    return user;
  }

  private forgetBeyondLimit(user: UserTokens, clientId: string): void {
    const ofClient = user.chain.filter((hash) => this.records.get(hash)?.clientId === clientId);
    if (ofClient.length <= REFRESH_TOKENS_KEPT_PER_USER_AND_APP) return;
    const forgotten = new Set(ofClient.slice(0, ofClient.length - REFRESH_TOKENS_KEPT_PER_USER_AND_APP));
    for (const hash of forgotten) this.records.delete(hash);
    user.chain = user.chain.filter((hash) => !forgotten.has(hash));
  }
}
