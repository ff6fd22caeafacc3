import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { SimulatedTenant, SimulatedUser } from './directory';

/** What the person at the sign-in page (or a test, through the control API) makes of a sign-in. */
export const SIGN_IN_OUTCOMES = [
  'success',
  'mfa-required',
  'conditional-access-blocked',
  'admin-approval-required',
  'declined',
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

export interface CompletedSignIn {
  user: SimulatedUser;
  /** The account's home tenant; differs from the authority's tenant when someone picks a wrong account. */
  tenant: SimulatedTenant;
  outcome: SignInOutcome;
}

/** One device code from issue to redemption. Only the device code's hash is kept: it is the poller's secret. */
export interface DeviceCodeGrant {
  deviceCodeHash: string;
  userCode: string;
  authoritySegment: string;
  /** Undefined for `common` / `organizations`. */
  authorityTenant?: SimulatedTenant;
  clientId: string;
  scope: string;
  issuedAtMs: number;
  expiresAtMs: number;
  intervalSeconds: number;
  /** Smallest gap the server accepts between two polls; grows by the slow-down increment at each slow_down. */
  requiredGapMs: number;
  lastPollAtMs?: number;
  forcedSlowDowns: number;
  forcedExpired: boolean;
  signIn?: CompletedSignIn;
  redeemed: boolean;
}

export interface IssueDeviceCodeRequest {
  authoritySegment: string;
  authorityTenant?: SimulatedTenant;
  clientId: string;
  scope: string;
  nowMs: number;
  expiresInSeconds: number;
  intervalSeconds: number;
}

// Entra's user codes are 9 characters; leaving out 0/O/1/I/L keeps them easy to type from a screen.
const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const USER_CODE_LENGTH = 9;
const FORGET_AFTER_EXPIRY_MS = 60 * 60 * 1000;

export class DeviceCodeStore {
  private readonly byHash = new Map<string, DeviceCodeGrant>();
  private readonly byUser = new Map<string, DeviceCodeGrant>();

  issue(request: IssueDeviceCodeRequest): { deviceCode: string; grant: DeviceCodeGrant } {
    this.forgetLongExpired(request.nowMs);
    const deviceCode = randomBytes(48).toString('base64url');
    const grant: DeviceCodeGrant = {
      deviceCodeHash: hashCode(deviceCode),
      userCode: this.newUserCode(),
      authoritySegment: request.authoritySegment,
      authorityTenant: request.authorityTenant,
      clientId: request.clientId,
      scope: request.scope,
      issuedAtMs: request.nowMs,
      expiresAtMs: request.nowMs + request.expiresInSeconds * 1000,
      intervalSeconds: request.intervalSeconds,
      requiredGapMs: request.intervalSeconds * 1000,
      forcedSlowDowns: 0,
      forcedExpired: false,
      redeemed: false,
    };
    this.byHash.set(grant.deviceCodeHash, grant);
    this.byUser.set(grant.userCode, grant);
    return { deviceCode, grant };
  }

  byDeviceCode(deviceCode: string): DeviceCodeGrant | undefined {
    return this.byHash.get(hashCode(deviceCode));
  }

  /** People type codes in any case and with stray spaces or dashes, and Entra accepts that. */
  byUserCode(userCode: string): DeviceCodeGrant | undefined {
    return this.byUser.get(normalizeUserCode(userCode));
  }

  isExpired(grant: DeviceCodeGrant, nowMs: number): boolean {
    return grant.forcedExpired || nowMs >= grant.expiresAtMs;
  }

  private newUserCode(): string {
    for (;;) {
      let code = '';
      for (let i = 0; i < USER_CODE_LENGTH; i += 1) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
      if (!this.byUser.has(code)) return code;
    }
  }

  private forgetLongExpired(nowMs: number): void {
    for (const grant of this.byHash.values()) {
      if (nowMs - grant.expiresAtMs > FORGET_AFTER_EXPIRY_MS) {
        this.byHash.delete(grant.deviceCodeHash);
        this.byUser.delete(grant.userCode);
      }
    }
  }
}

export function normalizeUserCode(userCode: string): string {
  return userCode.replace(/[\s-]/g, '').toUpperCase();
}

export function hashCode(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A short, non-reversible reference for log lines, so a code can be followed through the log without being in it. */
export function codeRef(code: string): string {
  return hashCode(code).slice(0, 10);
}
