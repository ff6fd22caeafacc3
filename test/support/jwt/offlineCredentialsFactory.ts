import {
  ServiceClientCredentialsFactory,
  TokenCredentials,
  type ServiceClientCredentials,
} from 'botframework-connector';

/**
 * Outbound credentials for tests: the adapter signs replies with a fixed bearer token instead of asking
 * Entra for one (MSAL needs an https authority and the network). Inbound checks still see a real app id,
 * so authentication stays on: an empty app id would make botbuilder skip inbound auth altogether.
 */
export class OfflineCredentialsFactory extends ServiceClientCredentialsFactory {
  /** What the adapter asked for, to assert on the audience and login endpoint it used. */
  readonly requests: Array<{ appId: string; audience: string | undefined; loginEndpoint: string }> = [];

  constructor(
    private readonly botId: string,
    readonly outboundToken = 'offline-outbound-token',
  ) {
    super();
  }

  override async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.botId;
  }

  override async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  override async createCredentials(
    appId: string,
    audience: string | undefined,
    loginEndpoint: string,
  ): Promise<ServiceClientCredentials> {
    this.requests.push({ appId, audience, loginEndpoint });
    if (appId !== this.botId) throw new Error('OfflineCredentialsFactory: unexpected app id');
    return new TokenCredentials(this.outboundToken);
  }
}
