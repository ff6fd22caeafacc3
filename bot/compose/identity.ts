import { Agent } from 'node:https';
import type { Config } from '../../src/config';
import { cloudOfAuthorityHost } from '../../src/domain/authorityHosts';
import type { Logger } from '../../src/log';
import { ephemeralKeyring, parseKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import { createEntraNetworkClient, type EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { EntraTenantDirectory } from '../../src/adapters/entra/tenantDirectory';
import { GraphOrganizationReader } from '../../src/adapters/graph/organization';
import { GraphSignedInUserReader } from '../../src/adapters/graph/signedInUser';
import type { IdentitySimulator, IdentitySimulatorOptions } from '../../src/local/identitySimulator';
import type { LocalCa } from '../../src/local/localCa';
import type { DeviceCodeAuthority, OrganizationReader, SignedInUserReader, TenantDirectory } from '../../src/usecases/ports';
import type { Closers } from './closers';

/** The client id the local identity simulator knows the bot by (it is not an Entra app). */
export const LOCAL_CLIENT_ID = '0b5e7a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c';

export interface Identity {
  readonly simulator?: IdentitySimulator;
  readonly authorityHost: string;
  readonly clientId: string;
  readonly graphBaseUrl: string;
  readonly directory: TenantDirectory;
  readonly authority: DeviceCodeAuthority;
  readonly organizations: OrganizationReader;
  /** Graph `/me`, for the account check of a validation. */
  readonly users: SignedInUserReader;
  /** MSAL's network client (deadlines, error bodies, Retry-After), shared by the sign-in and the refresh. */
  readonly networkClient: EntraNetworkClient;
  readonly box: SecretBox;
}

export interface IdentityOverrides {
  readonly deviceCodeAuthority?: DeviceCodeAuthority;
  readonly simulatorOptions?: Omit<IdentitySimulatorOptions, 'logger'>;
  readonly entraCaPem?: string;
}

/**
 * Entra and Graph (or, in local mode, the identity simulator, loaded only then), and the key that
 * seals what they hand us.
 */
export async function composeIdentity(config: Config, logger: Logger, overrides: IdentityOverrides, closers: Closers): Promise<Identity> {
  let simulator: IdentitySimulator | undefined;
  if (!config.entra) {
    const { createIdentitySimulator } = await import('../../src/local/identitySimulator');
    const ca = overrides.simulatorOptions?.ca ?? (config.localCacheDir ? await keptLocalCa(config.localCacheDir, logger) : undefined);
    simulator = await createIdentitySimulator({ appDisplayName: config.appName, ...overrides.simulatorOptions, ca, logger });
    closers.push(() => simulator!.close());
    logger.warn({ event: 'identity.simulator', url: simulator.url }, `local identity simulator (not Microsoft Entra): sign in at ${simulator.url}/devicelogin`);
  }
  const entraCa = simulator?.caPem ?? overrides.entraCaPem;
  const authorityHost = config.entra?.authorityHost ?? simulator!.url;
  const clientId = config.entra?.clientId ?? LOCAL_CLIENT_ID;
  // The simulator answers the few Graph endpoints the bot calls on its own address.
  const graphBaseUrl = config.graphBaseUrl ?? simulator?.url ?? 'https://graph.microsoft.com';
  // One pooled agent for Entra discovery and Graph; it trusts the simulator's CA when there is one.
  const entraAgent = entraCa ? new Agent({ ca: entraCa, keepAlive: true }) : undefined;
  if (entraAgent) closers.push(() => entraAgent.destroy());
  const networkClient = createEntraNetworkClient({ ca: entraCa, logger, requestTimeoutMs: config.timings.entraTimeoutMs });
  closers.push(() => networkClient.close());
  if (config.entra) {
    logger.info(
      { event: 'identity.entra', authorityHost, clientId, graphBaseUrl, cloud: cloudOfAuthorityHost(new URL(authorityHost).host).kind },
      `identity provider: Microsoft Entra ID at ${authorityHost} (app ${clientId}); Microsoft Graph at ${graphBaseUrl}`,
    );
  }
  return {
    simulator,
    authorityHost,
    clientId,
    graphBaseUrl,
    directory: new EntraTenantDirectory(authorityHost, entraAgent, config.timings.entraTimeoutMs),
    authority: overrides.deviceCodeAuthority ?? new MsalDeviceCodeAuthority({ clientId, authorityHost, scopes: config.scopes, networkClient, logger }),
    organizations: new GraphOrganizationReader(graphBaseUrl, entraAgent, config.timings.graphTimeoutMs),
    users: new GraphSignedInUserReader(graphBaseUrl, entraAgent, config.timings.graphTimeoutMs),
    networkClient,
    box: secretBoxFor(config, logger),
  };
}

/**
 * Local mode's CA, kept in the user's cache folder so the browser meets the same certificate after a
 * restart. Without a cache folder, the simulator makes a new one at each start.
 */
async function keptLocalCa(folder: string, logger: Logger): Promise<LocalCa> {
  const { loadOrCreateLocalCa } = await import('../../src/local/localCaCache');
  const { ca, caFile, outcome } = await loadOrCreateLocalCa(folder);
  logger.info(
    { event: 'local-ca.ready', caFile, outcome: outcome.kind, reason: outcome.kind === 'created' ? outcome.reason : undefined },
    outcome.kind === 'reused'
      ? `local CA reused from ${caFile}`
      : `local CA created (${outcome.reason}) and kept in ${caFile}: a browser warns about it until that file is trusted`,
  );
  return ca;
}

function secretBoxFor(config: Config, logger: Logger): SecretBox {
  if (config.tokenEncryptionKey) {
    const keyring = parseKeyring(config.tokenEncryptionKey);
    if (!keyring.ok) throw new Error(`TOKEN_ENCRYPTION_KEY: ${keyring.message}`);
    return new SecretBox(keyring.keyring);
  }
  const box = new SecretBox(ephemeralKeyring());
  logger.warn({ event: 'crypto.ephemeral-key', keyId: box.activeKeyId }, 'TOKEN_ENCRYPTION_KEY is not set: using an ephemeral key (local mode); stored tokens cannot be read after a restart');
  return box;
}
