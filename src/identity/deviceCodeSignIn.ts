import { PublicClientApplication, type DeviceCodeRequest } from '@azure/msal-node';
import type { Logger } from '../log';
import { EntraErrorInput, parseEntraErrorBody } from './entraErrors';
import type { EntraNetworkClient } from './entraNetworkClient';

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
  | { ok: false; cancelled: false; error: EntraErrorInput };

export interface DeviceCodeSession {
  /** Resolves when the user signed in, the code expired or was declined, or the session was cancelled. */
  readonly outcome: Promise<DeviceCodeOutcome>;
  /** Stops polling at the next interval (e.g. the invitation was revoked). */
  cancel(): void;
}

/** The identity port the onboarding flow uses; tests may substitute it, production uses MSAL. */
export interface DeviceCodeAuthority {
  start(tenantId: string, onPrompt: (prompt: DeviceCodePrompt) => void): DeviceCodeSession;
}

export interface MsalDeviceCodeOptions {
  readonly clientId: string;
  /** https://login.microsoftonline.com, or the local simulator's URL. */
  readonly authorityHost: string;
  /** host:port of a non-Microsoft authority (the simulator), so MSAL never asks Microsoft for discovery. */
  readonly knownAuthority?: string;
  readonly scopes: readonly string[];
  readonly networkClient: EntraNetworkClient;
  readonly logger: Logger;
}

/**
 * Device-code sign-in with MSAL against the customer's own tenant authority. Each session gets its
 * own PublicClientApplication with an in-memory cache: nothing is persisted until the caller has
 * checked that the token belongs to the invited tenant.
 */
export class MsalDeviceCodeAuthority implements DeviceCodeAuthority {
  constructor(private readonly options: MsalDeviceCodeOptions) {}

  start(tenantId: string, onPrompt: (prompt: DeviceCodePrompt) => void): DeviceCodeSession {
    const { clientId, authorityHost, knownAuthority, networkClient, logger } = this.options;
    const pca = new PublicClientApplication({
      auth: { clientId, authority: `${authorityHost}/${tenantId}`, knownAuthorities: knownAuthority ? [knownAuthority] : undefined },
      system: { networkClient, loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => undefined } },
    });
    const request: DeviceCodeRequest = {
      scopes: [...this.options.scopes, 'offline_access'],
      deviceCodeCallback: (r) =>
        onPrompt({ userCode: r.userCode, verificationUri: r.verificationUri, expiresInSeconds: r.expiresIn, intervalSeconds: r.interval, message: r.message }),
    };
    let cancelled = false;
    const outcome = (async (): Promise<DeviceCodeOutcome> => {
      try {
        const result = await pca.acquireTokenByDeviceCode(request);
        if (!result?.account) return { ok: false, cancelled: false, error: { error: 'no_account', description: 'Sign-in returned no account.' } };
        const claims = (result.idTokenClaims ?? {}) as { tid?: string; oid?: string; preferred_username?: string };
        return {
          ok: true,
          account: {
            tenantId: (claims.tid ?? result.account.tenantId).toLowerCase(),
            objectId: claims.oid ?? result.account.localAccountId,
            username: claims.preferred_username ?? result.account.username,
            homeAccountId: result.account.homeAccountId,
          },
          scopes: result.scopes,
          serializedCache: pca.getTokenCache().serialize(),
          accessToken: result.accessToken,
        };
      } catch (error) {
        if (cancelled) return { ok: false, cancelled: true };
        const correlationId = (error as { correlationId?: string }).correlationId;
        // Without a correlation id the "latest error" could be another customer's flow: use MSAL's own words.
        const body = correlationId ? networkClient.lastTokenError(correlationId) : undefined;
        const parsed = body ? parseEntraErrorBody(body) : undefined;
        const e = error as { errorCode?: string; errorMessage?: string; errorNo?: string };
        logger.info({ event: 'device-code.failed', tenantId, msalError: e.errorCode, aadsts: parsed?.errorCodes }, 'device-code sign-in ended without a token');
        return {
          ok: false,
          cancelled: false,
          error: parsed ?? { error: e.errorCode ?? 'unknown_error', errorCodes: e.errorNo ? [Number(e.errorNo)] : undefined, description: e.errorMessage },
        };
      }
    })();
    return {
      outcome,
      cancel() {
        cancelled = true;
        // MSAL checks this flag before every poll.
        request.cancel = true;
      },
    };
  }
}
