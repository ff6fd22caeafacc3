import { randomBytes } from 'node:crypto';
import type { IdentitySimulator } from '../../src/local/identitySimulator';
import { BotHarness, startBotHarness, teamsUser } from './botHarness';
import type { ChannelTokenClaims, LocalBotFrameworkIssuer } from './jwt/localBotFrameworkIssuer';
import { OfflineCredentialsFactory } from './jwt/offlineCredentialsFactory';

/** The configured-mode suites' bot registration, provider tenant and bootstrap admin. */
export const CONFIGURED_BOT_ID = '4c3b2a19-0817-4f6e-9d5c-4b3a29180706';
export const CONFIGURED_PROVIDER_TENANT = '1d2c3b4a-5968-4776-a5b4-c3d2e1f0a9b8';
export const CONFIGURED_ADMIN = teamsUser('7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', 'Provider Admin', CONFIGURED_PROVIDER_TENANT);

export interface ConfiguredHarnessOptions {
  readonly botId: string;
  readonly providerTenantId: string;
  /** The bootstrap admin's Entra object id. */
  readonly adminObjectId: string;
  readonly issuer: LocalBotFrameworkIssuer;
  readonly simulator: IdentitySimulator;
  /** More settings (timeouts, limits) on top of the configured-mode ones. */
  readonly env?: Record<string, string>;
  readonly credentials?: OfflineCredentialsFactory;
  /** The claims of each posted activity's token; default: the bot as audience, bound to the serviceUrl. */
  readonly claimsFor?: (serviceUrl: string) => ChannelTokenClaims;
}

/**
 * The real server with BOT_ID set: inbound auth on (tokens from the local OpenID/JWKS issuer),
 * Entra at the identity simulator, every setting production requires.
 */
export function startConfiguredHarness(o: ConfiguredHarnessOptions): Promise<BotHarness> {
  const claimsFor = o.claimsFor ?? ((serviceUrl: string) => ({ audience: o.botId, serviceUrl }));
  return startBotHarness({
    env: {
      BOT_ID: o.botId,
      BOT_PASSWORD: 'not-used-offline',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'https://tenant-access.example.test',
      PROVIDER_TENANT_ID: o.providerTenantId,
      BOOTSTRAP_ADMINS: o.adminObjectId,
      // Required whenever BOT_ID is set; see the config hook below for why the store is embedded.
      COSMOS_ENDPOINT: 'https://tenant-access-test.documents.azure.com:443/',
      COSMOS_KEY: Buffer.from('not-a-real-key').toString('base64'),
      ENTRA_CLIENT_ID: '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f',
      ENTRA_AUTHORITY_HOST: o.simulator.url,
      TOKEN_ENCRYPTION_KEY: `test1:${randomBytes(32).toString('base64')}`,
      ...o.env,
    },
    // composeBot cannot reach a Cosmos-protocol server through COSMOS_ENDPOINT in a test: the SDK's
    // endpoint discovery switches to the https:// location the server advertises, and there is no way
    // to hand composeBot a CA for it. Without `cosmos` it embeds its own; everything else is the real
    // configuration (inbound auth on, real tenant directory against ENTRA_AUTHORITY_HOST).
    // (test/e2e/productionEntry.test.ts runs the compiled bot against a Cosmos server in its own process.)
    config: (config) => ({ ...config, cosmos: undefined }),
    compose: { credentialsFactory: o.credentials ?? new OfflineCredentialsFactory(o.botId), openIdMetadataUrl: o.issuer.openIdMetadataUrl, entraCaPem: o.simulator.caPem },
    authorize: (_activity, serviceUrl) => `Bearer ${o.issuer.mintToken(claimsFor(serviceUrl))}`,
  });
}
