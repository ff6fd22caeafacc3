import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import { AppCredentials, AuthenticationConstants, ServiceClientCredentialsFactory, type AuthenticatorResult, type ServiceClientCredentials } from 'botframework-connector';
import type { Config } from '../../src/config';
import { msalAuthorityOptions } from '../../src/domain/authorityHosts';

/**
 * Where the bot gets its own token for the Bot Connector. botbuilder's default factory builds MSAL
 * without `knownAuthorities`, so a login URL other than Microsoft's (BOT_LOGIN_URL: a proxy, a test
 * stand-in) would make MSAL ask login.microsoftonline.com first, and it has no deadline. This one is
 * the same MSAL client-credentials grant through our network client. Managed identities keep
 * botbuilder's own factory (no secret, no login URL).
 */
export function botCredentialsFactory(bot: NonNullable<Config['bot']>, networkClient: INetworkModule): ServiceClientCredentialsFactory | undefined {
  if (bot.type === 'UserAssignedMsi') return undefined;
  const application = new ConfidentialClientApplication({
    auth: { clientId: bot.id, clientSecret: bot.password ?? '', ...msalAuthorityOptions(bot.loginUrl) },
    system: { networkClient, loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => undefined } },
  });
  return new ClientSecretCredentialsFactory(bot.id, application);
}

class ClientSecretCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly appId: string, private readonly application: ConfidentialClientApplication) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined): Promise<ServiceClientCredentials> {
    if (appId !== this.appId) throw new Error('Invalid appId.');
    return new ClientSecretAppCredentials(appId, audience || AuthenticationConstants.ToChannelFromBotOAuthScope, this.application);
  }
}

/** AppCredentials caches the token (per app and scope) and signs each connector request with it. */
class ClientSecretAppCredentials extends AppCredentials {
  constructor(appId: string, scope: string, private readonly application: ConfidentialClientApplication) {
    super(appId, undefined, scope);
  }

  protected override async refreshToken(): Promise<AuthenticatorResult> {
    const scope = this.oAuthScope.endsWith('/.default') ? this.oAuthScope : `${this.oAuthScope}/.default`;
    const token = await this.application.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
    if (!token?.accessToken || !token.expiresOn) throw new Error('Authentication: no access token for the Bot Connector');
    return { accessToken: token.accessToken, expiresOn: token.expiresOn };
  }
}
