import type { Logger } from 'pino';
import { AdjustableClock } from './adjustableClock';
import { AdminConsents } from './adminConsents';
import type { ConfidentialClientRegistry } from './confidentialClients';
import { DeviceCodeStore } from './deviceCodes';
import type { TenantDirectory } from './directory';
import { Delays, FaultStore } from './faults';
import { RefreshFailureSwitches } from './refreshFailures';
import { RefreshTokenStore } from './refreshTokens';
import { GRAPH_RESOURCE, normalizeResource, ResourceConsents } from './resourceConsents';
import type { SigningKey } from './signingKey';
import { SimulatorStats } from './stats';

export interface SimulatorClock {
  now(): Date;
}

export interface SimulatorSettings {
  /** When set, only these client ids may ask for device codes (others get AADSTS700016). */
  clientIds?: ReadonlySet<string>;
  /** Who may use the client-credentials grant (others get AADSTS700016). */
  confidentialClients: ConfidentialClientRegistry;
  appDisplayName: string;
  deviceCodeExpiresInSeconds: number;
  pollIntervalSeconds: number;
  slowDownIncrementSeconds: number;
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  /** What `<resource>/.default` expands to in a Graph token's `scp` (what the app registration lists for Graph). */
  defaultPermissions: readonly string[];
}

/** What the app registration lists for a resource other than Graph: the one delegated permission most APIs expose. */
export const OTHER_RESOURCE_PERMISSIONS: readonly string[] = ['user_impersonation'];

/** One call to the token endpoint, as tests read it back. No codes or tokens: only which grant and what came back. */
export interface TokenRequestLogEntry {
  atMs: number;
  grantType: string;
  tenant: string;
  clientId: string;
  /** `tokens`, or the OAuth error answered (`authorization_pending`, `slow_down`, `invalid_grant`, ...). */
  answer: string;
  errorCode?: number;
  /** For device-code polls: which code was polled (the user code, which people see anyway). */
  userCode?: string;
}

/**
 * The bearer secrets the simulator handed out, in plain text, newest last (at most ISSUED_SECRETS_KEPT of
 * each). Only for tests that scan the bot's stores and logs for leaks: the protocol itself works on hashes.
 */
export interface IssuedSecrets {
  deviceCodes: string[];
  refreshTokens: string[];
  accessTokens: string[];
  idTokens: string[];
}

export const ISSUED_SECRETS_KEPT = 1000;

export function rememberIssued(list: string[], secret: string): void {
  list.push(secret);
  if (list.length > ISSUED_SECRETS_KEPT) list.splice(0, list.length - ISSUED_SECRETS_KEPT);
}

export interface SimulatorState {
  baseUrl: string;
  settings: SimulatorSettings;
  directory: TenantDirectory;
  deviceCodes: DeviceCodeStore;
  refreshTokens: RefreshTokenStore;
  consents: AdminConsents;
  /** Which resources each tenant has consented the app to, with which permissions. */
  resourceConsents: ResourceConsents;
  refreshFailures: RefreshFailureSwitches;
  faults: FaultStore;
  delays: Delays;
  stats: SimulatorStats;
  tokenLog: TokenRequestLogEntry[];
  issued: IssuedSecrets;
  key: SigningKey;
  clock: AdjustableClock;
  logger: Logger;
}

/** The token log keeps this many calls, newest last (older ones still count in the stats). */
export const TOKEN_LOG_KEPT = 20_000;

export function rememberTokenRequest(state: SimulatorState, entry: TokenRequestLogEntry): void {
  state.tokenLog.push(entry);
  if (state.tokenLog.length > TOKEN_LOG_KEPT * 1.1) state.tokenLog.splice(0, state.tokenLog.length - TOKEN_LOG_KEPT);
  state.stats.countToken(entry.grantType, entry.answer);
}

/** The permissions the app registration lists for a resource: what a consent to "the app" grants on it. */
export function configuredPermissions(settings: SimulatorSettings, resource: string): readonly string[] {
  return normalizeResource(resource) === GRAPH_RESOURCE ? settings.defaultPermissions : OTHER_RESOURCE_PERMISSIONS;
}

export function createSimulatorState(parts: {
  settings: SimulatorSettings;
  directory: TenantDirectory;
  key: SigningKey;
  clock: SimulatorClock;
  logger: Logger;
}): SimulatorState {
  const clock = new AdjustableClock(parts.clock);
  return {
    baseUrl: '',
    ...parts,
    clock,
    deviceCodes: new DeviceCodeStore(),
    refreshTokens: new RefreshTokenStore(),
    consents: new AdminConsents(),
    resourceConsents: new ResourceConsents(parts.settings.defaultPermissions, (resource) => configuredPermissions(parts.settings, resource)),
    refreshFailures: new RefreshFailureSwitches(),
    faults: new FaultStore(),
    delays: new Delays(),
    stats: new SimulatorStats(() => clock.now().getTime()),
    tokenLog: [],
    issued: { deviceCodes: [], refreshTokens: [], accessTokens: [], idTokens: [] },
  };
}
