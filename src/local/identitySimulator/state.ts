import type { Logger } from 'pino';
import { AdminConsents } from './adminConsents';
import type { ConfidentialClientRegistry } from './confidentialClients';
import { DeviceCodeStore } from './deviceCodes';
import type { TenantDirectory } from './directory';
import { RefreshTokenStore } from './refreshTokens';
import type { SigningKey } from './signingKey';

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
  /** What `<resource>/.default` expands to in the token's `scp`. */
  defaultPermissions: readonly string[];
}

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

export interface GraphThrottle {
  remaining: number;
  retryAfterSeconds: number;
}

export interface SimulatorState {
  baseUrl: string;
  settings: SimulatorSettings;
  directory: TenantDirectory;
  deviceCodes: DeviceCodeStore;
  refreshTokens: RefreshTokenStore;
  consents: AdminConsents;
  tokenLog: TokenRequestLogEntry[];
  issued: IssuedSecrets;
  graphThrottle: GraphThrottle;
  key: SigningKey;
  clock: SimulatorClock;
  logger: Logger;
}

export function createSimulatorState(parts: {
  settings: SimulatorSettings;
  directory: TenantDirectory;
  key: SigningKey;
  clock: SimulatorClock;
  logger: Logger;
}): SimulatorState {
  return {
    baseUrl: '',
    ...parts,
    deviceCodes: new DeviceCodeStore(),
    refreshTokens: new RefreshTokenStore(),
    consents: new AdminConsents(),
    tokenLog: [],
    issued: { deviceCodes: [], refreshTokens: [], accessTokens: [], idTokens: [] },
    graphThrottle: { remaining: 0, retryAfterSeconds: 0 },
  };
}
