/**
 * The interfaces the use cases need from the outside world. Adapters (src/adapters) implement them;
 * the composition root (bot/compose) picks which. Use cases import these, never an adapter.
 */
import type { TenantRef } from '../domain/inputs';
import type { SignInFailure } from '../domain/signInFailures';

/** Who runs the background work: this process's id, and whether another instance is still alive. */
export interface InstanceRegistry {
  readonly instanceId: string;
  isAlive(instanceId: string): Promise<boolean>;
}

export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly expiresInSeconds: number;
  readonly intervalSeconds: number;
  readonly message: string;
}

export interface SignedInAccount {
  readonly tenantId: string;
  readonly objectId: string;
  readonly username: string;
  readonly homeAccountId: string;
}

export type DeviceCodeOutcome =
  /** `accessToken` stays in memory: it is used once, for the Graph check, and never stored. */
  | { ok: true; account: SignedInAccount; scopes: string[]; serializedCache: string; accessToken: string }
  | { ok: false; cancelled: true }
  | { ok: false; cancelled: false; failure: SignInFailure };

export interface DeviceCodeSession {
  /** Resolves when the user signed in, the code expired or was declined, or the session was cancelled. */
  readonly outcome: Promise<DeviceCodeOutcome>;
  /** Stops polling at the next interval (e.g. the invitation was revoked). */
  cancel(): void;
}

/** The identity port the onboarding flow uses; tests may substitute it, production uses MSAL. */
export interface DeviceCodeAuthority {
  /** `stillWanted` is asked before each poll; false stops the session (as a cancel). */
  start(tenantId: string, onPrompt: (prompt: DeviceCodePrompt) => void, stillWanted?: () => Promise<boolean>): DeviceCodeSession;
}

export interface Organization {
  readonly id: string;
  readonly displayName: string;
  readonly domains: readonly string[];
}

export type OrganizationLookup = { ok: true; organization: Organization } | { ok: false; reason: 'unauthorized' | 'throttled' | 'unavailable' | 'unexpected' };

/** Reads Microsoft Graph for the signed-in organization: its id, name and verified domains. */
export interface OrganizationReader {
  read(accessToken: string): Promise<OrganizationLookup>;
}

export type TenantLookup =
  | { ok: true; tenantId: string; domain?: string }
  | { ok: false; reason: 'not-found' | 'unavailable' };

/** Finds a customer's Entra tenant id from a domain or id, before anything is stored. */
export interface TenantDirectory {
  resolve(ref: TenantRef): Promise<TenantLookup>;
}
