import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import restify from 'restify';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type TurnContext } from 'botbuilder';
import {
  AuthenticationConstants,
  ChannelValidation,
  ToBotFromBotOrEmulatorTokenValidationParameters,
} from 'botframework-connector';
import {
  badRequestBody,
  botFrameworkAuthenticationOptions,
  createInboundAuthenticator,
  internalErrorBody,
  payloadTooLargeBody,
  requireBotFrameworkAuth,
  unauthorizedBody,
  type BotIdentitySettings,
  type InboundAuthRejection,
} from '../../bot/web/inboundAuth';
import {
  generateSigningKey,
  startLocalBotFrameworkIssuer,
  type ChannelTokenClaims,
  type LocalBotFrameworkIssuer,
} from '../support/jwt/localBotFrameworkIssuer';
import { OfflineCredentialsFactory } from '../support/jwt/offlineCredentialsFactory';
import {
  startRecordingConnectorService,
  type RecordingConnectorService,
} from '../support/jwt/recordingConnectorService';

const botId = '6f1c7c2e-8f0e-4b7a-9d3e-0a1b2c3d4e5f';
const botTenantId = '0d9a1b6e-3c2f-4e8d-b7a6-5f4e3d2c1b0a';
const otherAppId = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

interface LogLine {
  level: number;
  msg: string;
  correlationId?: string;
  reason?: string;
  detail?: string;
}

interface BotUnderTest {
  url: string;
  issuer: LocalBotFrameworkIssuer;
  connector: RecordingConnectorService;
  credentials: OfflineCredentialsFactory;
  /** Activities the bot logic saw: the proof a handler ran (or did not). */
  turns: Activity[];
  turnErrors: unknown[];
  logs: LogLine[];
  close(): Promise<void>;
}

/** A real restify server: our wrapper in front of a real CloudAdapter whose bot replies through the connector. */
async function startBot(
  options: { settings?: Partial<BotIdentitySettings>; maxBodyBytes?: number; mountBodyParser?: boolean } = {},
): Promise<BotUnderTest> {
  const issuer = await startLocalBotFrameworkIssuer();
  const connector = await startRecordingConnectorService();
  const settings: BotIdentitySettings = { botId, openIdMetadataUrl: issuer.openIdMetadataUrl, ...options.settings };
  const credentials = new OfflineCredentialsFactory(botId);
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(botFrameworkAuthenticationOptions(settings), credentials),
  );
  const turnErrors: unknown[] = [];
  adapter.onTurnError = async (_context, error) => {
    turnErrors.push(error);
  };
  const turns: Activity[] = [];
  const logic = async (context: TurnContext) => {
    turns.push(context.activity);
    await context.sendActivity('pong');
  };

  const logs: LogLine[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  let requestNumber = 0;
  const handler = requireBotFrameworkAuth(
    createInboundAuthenticator(settings),
    (req, res) => adapter.process(req, res, logic),
    {
      logger: pino({ level: 'debug' }, logStream),
      newCorrelationId: () => `request-${++requestNumber}`,
      maxBodyBytes: options.maxBodyBytes,
    },
  );

  const server = restify.createServer();
  if (options.mountBodyParser) server.use(restify.plugins.bodyParser());
  server.post('/api/messages', handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    issuer,
    connector,
    credentials,
    turns,
    turnErrors,
    logs,
    async close() {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([issuer.close(), connector.close()]);
    },
  };
}

function activityFor(bot: BotUnderTest, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: 'activity-1',
    channelId: 'msteams',
    serviceUrl: bot.connector.serviceUrl,
    conversation: { id: 'conversation-1' },
    from: { id: 'user-1', aadObjectId: '3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f' },
    recipient: { id: `28:${botId}` },
    text: 'hello',
    ...overrides,
  };
}

function validClaims(bot: BotUnderTest, overrides: Partial<ChannelTokenClaims> = {}): ChannelTokenClaims {
  return { audience: botId, serviceUrl: bot.connector.serviceUrl, ...overrides };
}

interface Answer {
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  body: string;
}

async function post(url: string, authorization: string | undefined, body: string | object): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    body: await response.text(),
  };
}

// The library prints verification failures with console.error; keep test output clean and check it
// never prints a token either.
let consoleErrors: string[] = [];
beforeEach(() => {
  consoleErrors = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args.map((arg) => (arg instanceof Error ? `${arg.stack}` : String(arg))).join(' '));
  });
});
afterEach(() => jest.restoreAllMocks());

describe('POST /api/messages behind requireBotFrameworkAuth', () => {
  let bot: BotUnderTest;
  beforeAll(async () => {
    bot = await startBot();
  });
  afterAll(async () => {
    await bot.close();
  });

  it('passes a valid channel token to the adapter, which runs the bot and sends its reply', async () => {
    const token = bot.issuer.mintToken(validClaims(bot));

    const answer = await post(bot.url, `Bearer ${token}`, activityFor(bot));

    expect(answer.status).toBe(200);
    expect(bot.turnErrors).toEqual([]);
    expect(bot.turns).toHaveLength(1);
    expect(bot.turns[0]).toMatchObject({ text: 'hello', callerId: 'urn:botframework:azure' });
    expect(bot.connector.requests).toHaveLength(1);
    expect(bot.connector.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v3/conversations/conversation-1/activities/activity-1',
      authorization: `Bearer ${bot.credentials.outboundToken}`,
      body: { type: 'message', text: 'pong' },
    });
    // Every endpoint is spelled out in the adapter options, so replies ask for the Bot Framework scope.
    expect(bot.credentials.requests.length).toBeGreaterThan(0);
    for (const request of bot.credentials.requests) {
      expect(request).toEqual({
        appId: botId,
        audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
        loginEndpoint: AuthenticationConstants.ToChannelFromBotLoginUrl,
      });
    }
    expect(bot.logs.filter((line) => line.level >= 40)).toEqual([]);
  });

  type BadCase = {
    name: string;
    expectedReason: InboundAuthRejection;
    authorization: (bot: BotUnderTest) => string | undefined;
    activity?: (bot: BotUnderTest) => Record<string, unknown>;
  };
  const signed = (claims: (bot: BotUnderTest) => ChannelTokenClaims) => (b: BotUnderTest) =>
    `Bearer ${b.issuer.mintToken(claims(b))}`;

  const badCases: BadCase[] = [
    { name: 'no Authorization header', expectedReason: 'missing-authorization', authorization: () => undefined },
    { name: 'an empty Authorization header', expectedReason: 'missing-authorization', authorization: () => '' },
    { name: 'Bearer garbage', expectedReason: 'malformed-token', authorization: () => 'Bearer garbage' },
    { name: 'a Basic header', expectedReason: 'not-bearer', authorization: () => 'Basic Ym90OnBhc3N3b3Jk' },
    {
      name: 'a valid token without the Bearer scheme',
      expectedReason: 'not-bearer',
      authorization: (b) => b.issuer.mintToken(validClaims(b)),
    },
    {
      name: 'an expired token (beyond the 5 minute clock skew)',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b, { notBeforeOffsetSeconds: -7200, expiresInSeconds: -3600 })),
    },
    {
      name: 'a token that is not valid yet (beyond the 5 minute clock skew)',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b, { notBeforeOffsetSeconds: 3600, expiresInSeconds: 7200 })),
    },
    {
      name: 'a token for another bot (wrong audience)',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b, { audience: otherAppId })),
    },
    {
      name: 'a token from another issuer',
      expectedReason: 'not-a-channel-token',
      authorization: signed((b) => validClaims(b, { issuer: 'https://evil.example.com' })),
    },
    {
      name: 'an Entra token whose appid is the bot (what the library routes to its emulator path)',
      expectedReason: 'not-a-channel-token',
      authorization: signed((b) =>
        validClaims(b, {
          issuer: `https://sts.windows.net/${botTenantId}/`,
          audience: 'https://graph.microsoft.com',
          extraClaims: { tid: botTenantId, appid: botId, ver: '1.0' },
        }),
      ),
    },
    {
      name: 'a token signed by a key whose kid is unknown',
      expectedReason: 'invalid-token',
      authorization: (b) => `Bearer ${b.issuer.mintToken(validClaims(b), { key: generateSigningKey() })}`,
    },
    {
      name: 'a token signed by a wrong key under the published kid',
      expectedReason: 'invalid-token',
      authorization: (b) =>
        `Bearer ${b.issuer.mintToken(validClaims(b), { key: generateSigningKey(), keyId: b.issuer.publishedKey.keyId })}`,
    },
    {
      name: 'an alg:none token',
      expectedReason: 'invalid-token',
      authorization: (b) => `Bearer ${b.issuer.mintUnsignedToken(validClaims(b))}`,
    },
    {
      name: 'a valid token issued for another serviceUrl',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b, { serviceUrl: 'https://smba.trafficmanager.net/emea/' })),
    },
    {
      name: 'a valid token for an activity from a channel the key is not endorsed for',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b)),
      activity: (b) => activityFor(b, { channelId: 'webchat' }),
    },
    {
      name: 'a valid token on an AseChannel activity (a library path without audience check)',
      expectedReason: 'unsupported-channel',
      authorization: signed((b) => validClaims(b)),
      activity: (b) => activityFor(b, { channelId: 'AseChannel' }),
    },
    {
      name: 'a bot-to-bot (skill) token',
      expectedReason: 'invalid-token',
      authorization: signed((b) => validClaims(b, { extraClaims: { ver: '1.0', appid: otherAppId } })),
    },
  ];

  it.each(badCases)('refuses $name: 401, the constant body, and the bot never runs', async (badCase) => {
    const turnsBefore = bot.turns.length;
    const sentBefore = bot.connector.requests.length;
    const logsBefore = bot.logs.length;

    const answer = await post(bot.url, badCase.authorization(bot), (badCase.activity ?? activityFor)(bot));

    expect(answer.status).toBe(401);
    expect(answer.body).toBe(unauthorizedBody);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.wwwAuthenticate).toBe('Bearer');
    expect(bot.turns).toHaveLength(turnsBefore);
    expect(bot.connector.requests).toHaveLength(sentBefore);

    const refusals = bot.logs.slice(logsBefore);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, reason: badCase.expectedReason });
    expect(refusals[0].correlationId).toMatch(/^request-\d+$/);
    // The library's own words go to the log, never into the answer.
    if (refusals[0].detail) expect(answer.body).not.toContain(refusals[0].detail);
  });

  it('keeps the library error text it logs out of the 401 body, where stock CloudAdapter would echo it', async () => {
    const forged = bot.issuer.mintToken(validClaims(bot), { key: generateSigningKey(), keyId: bot.issuer.publishedKey.keyId });
    const logsBefore = bot.logs.length;

    const answer = await post(bot.url, `Bearer ${forged}`, activityFor(bot));

    const detail = bot.logs.slice(logsBefore)[0]?.detail ?? '';
    expect(detail).toContain('invalid signature');
    expect(answer.status).toBe(401);
    expect(answer.body).toBe(unauthorizedBody);
    expect(answer.body).not.toContain('signature');
  });

  it('checks the token before the body: garbage with no token is 401, with a valid token 400', async () => {
    const token = bot.issuer.mintToken(validClaims(bot));
    const turnsBefore = bot.turns.length;

    const withoutToken = await post(bot.url, undefined, '{"type": "message",');
    const withToken = await post(bot.url, `Bearer ${token}`, '{"type": "message",');

    expect(withoutToken).toMatchObject({ status: 401, body: unauthorizedBody });
    expect(withToken.status).toBe(400);
    expect(withToken.body).toBe(badRequestBody);
    expect(withToken.contentType).toMatch(/^application\/json/);
    expect(bot.turns).toHaveLength(turnsBefore);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"message"'],
    ['an empty body', ''],
    ['an activity without a type', JSON.stringify({ channelId: 'msteams', serviceUrl: 'x' })],
  ])('answers %s with a valid token with 400 and the constant body', async (_name, body) => {
    const token = bot.issuer.mintToken(validClaims(bot));
    const turnsBefore = bot.turns.length;

    const answer = await post(bot.url, `Bearer ${token}`, body);

    expect(answer).toMatchObject({ status: 400, body: badRequestBody });
    expect(bot.turns).toHaveLength(turnsBefore);
  });

  it('never logs a token, and neither does the library on the paths we call', async () => {
    const tokens = [
      bot.issuer.mintToken(validClaims(bot)),
      bot.issuer.mintToken(validClaims(bot, { expiresInSeconds: -3600, notBeforeOffsetSeconds: -7200 })),
      bot.issuer.mintToken(validClaims(bot), { key: generateSigningKey(), keyId: bot.issuer.publishedKey.keyId }),
    ];
    for (const token of tokens) await post(bot.url, `Bearer ${token}`, activityFor(bot));

    // Our refusals (with the library's reasons) and whatever the library printed on its own.
    const everythingLogged = JSON.stringify(bot.logs) + consoleErrors.join('\n');
    expect(bot.logs.filter((line) => line.reason === 'invalid-token').length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) {
      expect(everythingLogged).not.toContain(token);
      expect(everythingLogged).not.toContain(token.split('.')[2]); // not even the signature
    }
  });

  it("refuses an Entra token without letting the library add the token's tenant to its trusted issuers", async () => {
    const trustedIssuers = ToBotFromBotOrEmulatorTokenValidationParameters.issuer as string[];
    const before = [...trustedIssuers];
    const attackerTenant = 'a11ce000-0000-4000-8000-000000000bad';
    const token = bot.issuer.mintToken(
      validClaims(bot, {
        issuer: `https://sts.windows.net/${attackerTenant}/`,
        extraClaims: { tid: attackerTenant, appid: botId, ver: '1.0' },
      }),
    );

    const answer = await post(bot.url, `Bearer ${token}`, activityFor(bot));

    expect(answer).toMatchObject({ status: 401, body: unauthorizedBody });
    expect(trustedIssuers).toEqual(before);
  });
});

describe('the key cache', () => {
  it('fetches the signing keys once for our check and the adapter check together', async () => {
    const bot = await startBot();
    try {
      for (let i = 0; i < 3; i += 1) {
        const answer = await post(bot.url, `Bearer ${bot.issuer.mintToken(validClaims(bot))}`, activityFor(bot));
        expect(answer.status).toBe(200);
      }
      expect(bot.turns).toHaveLength(3);
      expect(bot.issuer.fetchCounts).toEqual({ metadata: 1, jwks: 1 });
    } finally {
      await bot.close();
    }
  });

  it('fails closed with 401 when the metadata endpoint is down', async () => {
    const bot = await startBot();
    const token = bot.issuer.mintToken(validClaims(bot));
    await bot.issuer.close(); // nothing fetched yet: the first request has no keys to use
    try {
      const answer = await post(bot.url, `Bearer ${token}`, activityFor(bot));

      expect(answer).toMatchObject({ status: 401, body: unauthorizedBody });
      expect(bot.turns).toHaveLength(0);
      expect(bot.logs.at(-1)).toMatchObject({ reason: 'invalid-token' });
    } finally {
      await bot.close().catch(() => undefined);
    }
  });

  it('keeps authenticators with different metadata URLs apart, even interleaved', async () => {
    const [first, second] = await Promise.all([startLocalBotFrameworkIssuer(), startLocalBotFrameworkIssuer()]);
    try {
      const authFirst = createInboundAuthenticator({ botId, openIdMetadataUrl: first.openIdMetadataUrl });
      const authSecond = createInboundAuthenticator({ botId, openIdMetadataUrl: second.openIdMetadataUrl });
      const binding = { channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/' };
      const claims = { audience: botId, serviceUrl: binding.serviceUrl };
      const globalBefore = ChannelValidation.OpenIdMetadataEndpoint;

      const results = await Promise.all([
        authFirst.authenticate(`Bearer ${first.mintToken(claims)}`, binding),
        authSecond.authenticate(`Bearer ${second.mintToken(claims)}`, binding),
        authFirst.authenticate(`Bearer ${second.mintToken(claims)}`, binding),
        authSecond.authenticate(`Bearer ${first.mintToken(claims)}`, binding),
      ]);

      expect(results.map((result) => result.ok)).toEqual([true, true, false, false]);
      expect(ChannelValidation.OpenIdMetadataEndpoint).toBe(globalBefore);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('bot types (BOT_TYPE, BOT_TENANT_ID)', () => {
  it.each([
    [{ botType: 'MultiTenant' as const }],
    [{ botType: 'SingleTenant' as const, botTenantId }],
    [{ botType: 'UserAssignedMsi' as const, botTenantId }],
  ])('authenticates inbound requests the same way for %o', async (settings) => {
    const bot = await startBot({ settings });
    try {
      const valid = await post(bot.url, `Bearer ${bot.issuer.mintToken(validClaims(bot))}`, activityFor(bot));
      const wrongAudience = await post(
        bot.url,
        `Bearer ${bot.issuer.mintToken(validClaims(bot, { audience: otherAppId }))}`,
        activityFor(bot),
      );

      expect(valid.status).toBe(200);
      expect(bot.connector.requests).toHaveLength(1);
      expect(wrongAudience).toMatchObject({ status: 401, body: unauthorizedBody });
      expect(bot.turns).toHaveLength(1);
    } finally {
      await bot.close();
    }
  });

  it('passes type and tenant to the adapter settings with every Bot Framework endpoint spelled out', () => {
    expect(botFrameworkAuthenticationOptions({ botId, botType: 'SingleTenant', botTenantId })).toEqual({
      MicrosoftAppId: botId,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: botTenantId,
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      OAuthUrl: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      CallerId: 'urn:botframework:azure',
    });
  });

  it.each([
    ['no bot id (botbuilder would switch authentication off)', { botId: ' ' }, /BOT_ID/],
    ['SingleTenant without a tenant', { botId, botType: 'SingleTenant' as const }, /BOT_TENANT_ID/],
    ['UserAssignedMsi without a tenant', { botId, botType: 'UserAssignedMsi' as const }, /BOT_TENANT_ID/],
    ['an unknown bot type', { botId, botType: 'Anonymous' as never }, /BOT_TYPE/],
  ])('refuses to start with %s', (_name, settings, message) => {
    expect(() => createInboundAuthenticator(settings)).toThrow(message);
    expect(() => botFrameworkAuthenticationOptions(settings)).toThrow(message);
  });
});

describe('request bodies', () => {
  it('answers a body over the limit with 413 when the token is valid, and 401 when it is not', async () => {
    const bot = await startBot({ maxBodyBytes: 2048 });
    try {
      const big = activityFor(bot, { text: 'x'.repeat(4096) });
      const token = bot.issuer.mintToken(validClaims(bot));

      const withoutToken = await post(bot.url, undefined, big);
      const withToken = await post(bot.url, `Bearer ${token}`, big);

      expect(withoutToken).toMatchObject({ status: 401, body: unauthorizedBody });
      expect(withToken).toMatchObject({ status: 413, body: payloadTooLargeBody });
      expect(bot.turns).toHaveLength(0);
    } finally {
      await bot.close();
    }
  });

  it("also works behind restify's bodyParser (a server that mounts it for every route)", async () => {
    const bot = await startBot({ mountBodyParser: true });
    try {
      const valid = await post(bot.url, `Bearer ${bot.issuer.mintToken(validClaims(bot))}`, activityFor(bot));
      const forged = await post(
        bot.url,
        `Bearer ${bot.issuer.mintToken(validClaims(bot), { key: generateSigningKey() })}`,
        activityFor(bot),
      );

      expect(valid.status).toBe(200);
      expect(forged).toMatchObject({ status: 401, body: unauthorizedBody });
      expect(bot.turns).toHaveLength(1);
    } finally {
      await bot.close();
    }
  });
});

describe('a failing handler', () => {
  it('answers 500 with the constant body and logs the error with the correlation id', async () => {
    const issuer = await startLocalBotFrameworkIssuer();
    const logs: LogLine[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString('utf8')) as LogLine);
        done();
      },
    });
    const server = restify.createServer();
    server.post(
      '/api/messages',
      requireBotFrameworkAuth(
        createInboundAuthenticator({ botId, openIdMetadataUrl: issuer.openIdMetadataUrl }),
        async () => {
          throw new Error('database password rejected');
        },
        { logger: pino({}, logStream), newCorrelationId: () => 'request-boom' },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const serviceUrl = 'https://smba.trafficmanager.net/emea/';
      const answer = await post(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
        `Bearer ${issuer.mintToken({ audience: botId, serviceUrl })}`,
        { type: 'message', channelId: 'msteams', serviceUrl },
      );

      expect(answer).toMatchObject({ status: 500, body: internalErrorBody });
      expect(logs).toEqual([expect.objectContaining({ level: 50, correlationId: 'request-boom' })]);
      expect(JSON.stringify(logs)).toContain('database password rejected');
    } finally {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await issuer.close();
    }
  });
});
