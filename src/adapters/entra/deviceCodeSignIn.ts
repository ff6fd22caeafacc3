import { ClientAuthError, PublicClientApplication, type DeviceCodeRequest, type INetworkModule, type NetworkRequestOptions } from '@azure/msal-node';
import type { Logger } from '../../log';
import { msalAuthorityOptions } from '../../domain/authorityHosts';
import type { DeviceCodeAuthority, DeviceCodeOutcome, DeviceCodePrompt, DeviceCodeSession } from '../../usecases/ports';
import { EntraTransportError, isDeviceCodePoll, type EntraNetworkClient } from './entraNetworkClient';
import { failureOf, type SeenOnTheWire } from './msalFailure';

export interface MsalDeviceCodeOptions {
  readonly clientId: string;
  /** https://login.microsoftonline.com, or another host (the local simulator, a proxy) that MSAL is told to trust. */
  readonly authorityHost: string;
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

  start(tenantId: string, onPrompt: (prompt: DeviceCodePrompt) => void, stillWanted?: () => Promise<boolean>): DeviceCodeSession {
    const { clientId, authorityHost, networkClient, logger } = this.options;
    let cancelled = false;
    const network = observedNetwork(networkClient, async () => {
      if (cancelled || !stillWanted || (await stillWanted())) return;
      cancelled = true;
      request.cancel = true;
      throw new ClientAuthError('device_code_polling_cancelled', '', 'the sign-in is no longer wanted');
    });
    const pca = new PublicClientApplication({
      auth: { clientId, ...msalAuthorityOptions(`${authorityHost}/${tenantId}`) },
      system: { networkClient: network.client, loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => undefined } },
    });
    const request: DeviceCodeRequest = {
      scopes: [...this.options.scopes, 'offline_access'],
      deviceCodeCallback: (r) =>
        onPrompt({ userCode: r.userCode, verificationUri: r.verificationUri, expiresInSeconds: r.expiresIn, intervalSeconds: r.interval, message: r.message }),
    };
    const outcome = (async (): Promise<DeviceCodeOutcome> => {
      try {
        const result = await pca.acquireTokenByDeviceCode(request);
        if (!result?.account) return { ok: false, cancelled: false, failure: { kind: 'client', code: 'no_account', message: 'MSAL returned a token without an account', requestsSent: network.seen.requests } };
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
        const failure = failureOf(error, networkClient, network.seen);
        logger.info(
          { event: 'device-code.failed', tenantId, failure: failure.kind, code: failure.kind === 'client' ? failure.code : undefined, aadsts: failure.kind === 'entra' ? failure.error.errorCodes : undefined },
          'device-code sign-in ended without a token',
        );
        return { ok: false, cancelled: false, failure };
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


/**
 * The session's own view of the network client: MSAL turns a failed discovery request into
 * `endpoints_resolution_error` and drops why, so each session notes how many requests it sent and
 * the last transport failure it met.
 */
function observedNetwork(shared: EntraNetworkClient, beforePoll: () => Promise<void>): { client: INetworkModule; seen: SeenOnTheWire } {
  const seen: SeenOnTheWire = { requests: 0 };
  const note = (error: unknown): never => {
    if (error instanceof EntraTransportError) seen.transport = error.failure;
    throw error;
  };
  return {
    seen,
    client: {
      sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number) {
        seen.requests++;
        return shared.sendGetRequestAsync<T>(url, options, timeout).catch(note);
      },
      async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
        if (isDeviceCodePoll(options?.body)) await beforePoll();
        seen.requests++;
        return shared.sendPostRequestAsync<T>(url, options).catch(note);
      },
    },
  };
}
