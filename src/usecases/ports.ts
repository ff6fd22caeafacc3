/**
 * The interfaces the use cases need from the outside world. Adapters (src/adapters) implement them;
 * the composition root (bot/compose) picks which. Use cases import these, never an adapter.
 */
import type { TenantRef } from '../domain/inputs';
import type { SignInFailure } from '../domain/signInFailures';
import type { FlowEvent } from './signIn/flowEvents';
import type { Invitation } from '../domain/invitation';
import type { SealedSecret } from '../domain/sealedSecret';
import type { Actor, AuditActor, StaffMember } from '../domain/staff';
import type { SweepRun } from '../domain/sweep';
import type { CustomerTenant } from '../domain/tenant';
import type { ValidationRecord } from '../domain/validation';

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

/** Why Graph gave no usable answer: `status` as answered, `retryAfterSeconds` from a 429's (or 503's) Retry-After. */
export type GraphFailure = {
  ok: false;
  reason: 'unauthorized' | 'throttled' | 'unavailable' | 'timeout' | 'unexpected';
  status?: number;
  retryAfterSeconds?: number;
};

export type OrganizationLookup = { ok: true; organization: Organization } | GraphFailure;

/** Reads Microsoft Graph for the signed-in organization: its id, name and verified domains. */
export interface OrganizationReader {
  read(accessToken: string): Promise<OrganizationLookup>;
}

/** The signed-in user as Graph `/me` sees it; `accountEnabled` only when Graph said. */
export interface SignedInUser {
  readonly id: string;
  readonly userPrincipalName?: string;
  readonly accountEnabled?: boolean;
}

export type SignedInUserLookup = { ok: true; user: SignedInUser } | { ok: false; reason: 'not-found' } | GraphFailure;

/** Reads Microsoft Graph `/me`: the account behind a token still exists, and whether it is enabled. */
export interface SignedInUserReader {
  me(accessToken: string): Promise<SignedInUserLookup>;
}

// --- Refreshing a saved sign-in -----------------------------------------------------------------

/** An account in a tenant's token cache (no secrets). */
export interface CachedAccount {
  readonly homeAccountId: string;
  readonly username: string;
  readonly tenantId: string;
  readonly objectId: string;
}

export type RefreshOutcome =
  /** `permissions`: what the new access token grants on its resource (`User.Read`, …). The token stays in memory. */
  | { ok: true; accessToken: string; permissions: string[]; expiresOn?: string }
  /** `retryAfterSeconds`: Entra's Retry-After, when it sent one. A failed refresh leaves the cache as it was. */
  | { ok: false; failure: SignInFailure; retryAfterSeconds?: number };

/**
 * One tenant's saved sign-in, opened once: the refresh tokens never leave the adapter. Each
 * `refresh` redeems the account's refresh token (never a cached access token) and keeps the rolled
 * one in memory; `save` writes the changes back sealed, once, conditional on what was read (merging
 * with a writer in between, such as a sign-in that added an account).
 */
export interface TokenRefreshSession {
  readonly accounts: readonly CachedAccount[];
  refresh(account: CachedAccount, scopes: readonly string[]): Promise<RefreshOutcome>;
  /** Takes an account (and its tokens) out of the cache. */
  remove(account: CachedAccount): Promise<void>;
  /** True when a refresh or a removal changed the cache since it was opened. */
  readonly changed: boolean;
  save(): Promise<void>;
}

export type OpenedTokenCache = { ok: true; session: TokenRefreshSession } | { ok: false; reason: 'no-cache' | 'unreadable' };

export interface TokenRefresher {
  open(tenantId: string): Promise<OpenedTokenCache>;
}

export type TenantLookup =
  | { ok: true; tenantId: string; domain?: string }
  | { ok: false; reason: 'not-found' | 'unavailable' };

/** Finds a customer's Entra tenant id from a domain or id, before anything is stored. */
export interface TenantDirectory {
  resolve(ref: TenantRef): Promise<TenantLookup>;
}

// --- Persistence -----------------------------------------------------------------------------
// Every update is read → decide → write, conditional on what was read: a writer in between makes
// the store refuse the write, and the decision is taken again on fresh data. Conflicts and
// rejections are values, not exceptions. Cosmos DB (src/adapters/cosmos) and memory
// (src/adapters/memory) implement these; test/contract runs one suite against both.


/** A document as read, with the version (etag) a conditional write names. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: string;
}

/** What a decision on the current document says: write this, or refuse with a reason. */
export type Mutation<T, F> = { ok: true; value: T } | { ok: false; failure: F };

export type UpdateOutcome<T, F> =
  | { ok: true; value: T; previous: T }
  | { ok: false; reason: 'not-found' }
  /** Other writers kept winning: the caller reports it. */
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'rejected'; failure: F };

export interface TenantStore {
  get(tenantId: string): Promise<CustomerTenant | undefined>;
  /** Through the domain index: a domain names one tenant. */
  findByDomain(domain: string): Promise<CustomerTenant | undefined>;
  addDomain(domain: string, tenantId: string): Promise<void>;
  /** Creates the tenant unless it exists; returns what is stored either way. */
  ensure(tenant: CustomerTenant): Promise<{ tenant: CustomerTenant; created: boolean }>;
  /**
   * `known`: the tenant as the caller read it, with its version. The first decision is taken on it
   * and written conditional on that version, which saves the read; a lost race reads fresh.
   */
  update<F = never>(tenantId: string, mutate: (t: CustomerTenant) => Mutation<CustomerTenant, F>, known?: Versioned<CustomerTenant>): Promise<UpdateOutcome<CustomerTenant, F>>;
  /** Every tenant, by name. */
  list(limit?: number): Promise<CustomerTenant[]>;
  /** Token-mode tenants in tenant-id order, after `after` (a sweep's pages: the last id read is the cursor), with their versions. */
  listForSweep(after: string | undefined, limit: number): Promise<Versioned<CustomerTenant>[]>;
}

export interface InvitationStore {
  /** False when one with that id exists (a retried request). */
  create(invitation: Invitation): Promise<boolean>;
  get(tenantId: string, id: string): Promise<Invitation | undefined>;
  findById(id: string): Promise<Invitation | undefined>;
  /** The customer routes know only hashes: each finds the invitation whose current hash it is. */
  findByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  findByConsentStateHash(stateHash: string): Promise<Invitation | undefined>;
  findByReviewTokenHash(reviewTokenHash: string): Promise<Invitation | undefined>;
  /** Signing in, or between token and activation. */
  listInFlight(): Promise<Invitation[]>;
  /** One tenant's invitations, newest first. */
  listForTenant(tenantId: string): Promise<Invitation[]>;
  /** Across tenants, newest first. */
  listRecent(limit?: number): Promise<Invitation[]>;
  update<F = never>(tenantId: string, id: string, mutate: (inv: Invitation) => Mutation<Invitation, F>): Promise<UpdateOutcome<Invitation, F>>;
}

/** The invitation pending for one tenant and admin email: the store's guard against two. */
export interface PendingInvitationGuard {
  readonly id: string;
  readonly tenantId: string;
  readonly invitationId: string;
  readonly claimedAt: string;
}

export interface PendingGuardStore {
  read(tenantId: string, guardId: string): Promise<{ guard: PendingInvitationGuard; etag: string } | undefined>;
  /** False when another invite claimed it first. */
  create(guard: PendingInvitationGuard): Promise<boolean>;
  /** Takes over a stale claim; false when someone changed it since it was read. */
  replace(guard: PendingInvitationGuard, etag: string): Promise<boolean>;
}

export interface StaffStore {
  get(aadObjectId: string): Promise<StaffMember | undefined>;
  put(member: StaffMember): Promise<void>;
  /** False when there was no such member. */
  remove(aadObjectId: string): Promise<boolean>;
  list(): Promise<StaffMember[]>;
}

/** A saved conversation: enough to post proactively later. The reference is opaque here. */
export interface SavedConversation {
  readonly id: string;
  readonly conversationId: string;
  readonly kind: 'personal' | 'groupChat' | 'channel';
  readonly reference: Record<string, unknown>;
  readonly teamsTenantId?: string;
  readonly savedAt: string;
}

export interface ConversationStore {
  save(conversation: Omit<SavedConversation, 'id'>): Promise<void>;
  get(conversationId: string): Promise<SavedConversation | undefined>;
}

export interface AuditEvent {
  /** Deterministic where a retried request must not write twice. */
  readonly id: string;
  readonly tenantId: string;
  readonly at: string;
  readonly actor: AuditActor;
  readonly action: string;
  readonly outcome: 'ok' | 'denied' | 'rejected' | 'failed';
  readonly target?: string;
  readonly detail?: string;
  readonly correlationId?: string;
}

/** Append-only: an event with an id already written is not written again. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  listForTenant(tenantId: string, limit?: number): Promise<AuditEvent[]>;
}

/** One audited step, as a use case states it; the audit adapter gives it an id and a time. */
export interface AuditInput {
  /** A staff member (the usual case), or any other actor of the union. */
  readonly actor: Actor | AuditActor;
  readonly action: string;
  readonly outcome: AuditEvent['outcome'];
  readonly tenantId?: string;
  readonly target?: string;
  readonly detail?: string;
  /** Same key, same audit id: a redelivered request writes one event. */
  readonly requestKey: string;
  readonly correlationId?: string;
}

export type Audit = (input: AuditInput) => Promise<void>;

export interface Lease {
  readonly id: string;
  readonly holder: string;
  readonly expiresAt: string;
}

/**
 * The runner lease: the one instance that runs the sweeps and the orphan sweep holds it. `fence`
 * grows by one each time a different process takes it, and every write the runner makes carries
 * it; the rest is the runner's state (which sweep runs, which finished last, what was asked for).
 */
export interface RunnerLease extends Lease {
  readonly fence: number;
  /** The sweep under way (a runner that takes over resumes it). */
  readonly current?: string;
  /** The last sweep that finished. */
  readonly last?: string;
  /** Scheduled runs up to this time are taken (missed ones while nobody ran collapse into one). */
  readonly scheduledThrough?: string;
  /** `validate all` on any instance: the runner starts it at its next tick. */
  readonly requested?: { readonly sweepId: string; readonly at: string; readonly by: AuditActor };
}

export interface LeaseStore {
  get(id: string): Promise<Lease | undefined>;
  put(lease: Lease): Promise<void>;
  remove(id: string): Promise<void>;
  /** With its version, for the conditional writes below. */
  read<T extends Lease>(id: string): Promise<Versioned<T> | undefined>;
  /** The new version; undefined when one with that id exists. */
  create<T extends Lease>(lease: T): Promise<string | undefined>;
  /** The new version; undefined when it changed (or went) since `version` was read. */
  replace<T extends Lease>(lease: T, version: string): Promise<string | undefined>;
}

/** The sweeps' documents (`SweepRun`); the runner lease names the current and the last one. */
export interface SweepStore {
  get(id: string): Promise<SweepRun | undefined>;
  /** False when one with that id exists (the sweep of a slot is made once, whoever gets there first). */
  create(run: SweepRun): Promise<boolean>;
  update<F = never>(id: string, mutate: (run: SweepRun) => Mutation<SweepRun, F>): Promise<UpdateOutcome<SweepRun, F>>;
}

/** One customer tenant's MSAL cache, sealed: refresh tokens never reach the store in plain text. */
export interface StoredTokenCache {
  readonly id: string;
  readonly tenantId: string;
  readonly sealed: SealedSecret;
  readonly updatedAt: string;
}

export interface TokenCacheDocs {
  get(tenantId: string): Promise<StoredTokenCache | undefined>;
  /** With the version it was read at, for `replaceIfUnchanged`: a validation reads once and writes once. */
  getVersioned(tenantId: string): Promise<{ doc: StoredTokenCache; version: string } | undefined>;
  /** False when the document changed (or went) since `version` was read. */
  replaceIfUnchanged(doc: StoredTokenCache, version: string): Promise<boolean>;
  put(doc: StoredTokenCache): Promise<void>;
  /** Read → change → write conditional on what was read (create when there is none). */
  change(tenantId: string, next: (current: StoredTokenCache | undefined) => Promise<StoredTokenCache>): Promise<void>;
}

/** The sealed MSAL caches, as the sign-in needs them: merge one sign-in in, and take it out again. */
export interface TokenCaches {
  merge(tenantId: string, serializedCache: string): Promise<() => Promise<void>>;
}

/**
 * Seals secrets before they are stored (AES-256-GCM with key ids today). Asynchronous, so an
 * envelope key held in Key Vault fits behind it. `openString` rejects a blob it cannot open.
 */
export interface Sealer {
  seal(plaintext: string, aad: string): Promise<SealedSecret>;
  openString(sealed: SealedSecret, aad: string): Promise<string>;
}

/**
 * The history of validations, per tenant. Reading enforces what is kept (the last 50 per tenant,
 * none older than the retention) whatever the store's TTL clean-up has done yet.
 */
export interface ValidationStore {
  /** Once per id: a retried write changes nothing. */
  append(record: ValidationRecord): Promise<void>;
  /** Newest first; at most `limit`, none started before `since`. */
  listForTenant(tenantId: string, options: { since: string; limit: number }): Promise<ValidationRecord[]>;
}

/** Every store port: what `cosmosStores` and `memoryStores` each make. */
export interface StorePorts {
  readonly tenants: TenantStore;
  readonly invitations: InvitationStore;
  readonly pendingGuards: PendingGuardStore;
  readonly staff: StaffStore;
  readonly conversations: ConversationStore;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly tokenCacheDocs: TokenCacheDocs;
  readonly validations: ValidationStore;
  readonly sweeps: SweepStore;
}

// --- Notifications ---------------------------------------------------------------------------

/** Where a notice goes: a Teams conversation today, an email address later. */
export type NoticeDestination = { readonly kind: 'conversation'; readonly conversationId: string } | { readonly kind: 'email'; readonly address: string };

/**
 * How the people following an invitation hear about each step of its flow. The adapter decides
 * who they are and how to reach them; delivery problems are its own, never the flow's.
 */
export interface Notifications {
  flowEvent(event: FlowEvent): Promise<void>;
}

/** Stops the sign-in of an invitation that was revoked or resent (this process's poll at once; others at their next poll). */
export interface FlowControl {
  cancel(invitationId: string): void;
}
