import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * A stand-in for login.botframework.com: an OpenID metadata document and a JWKS on 127.0.0.1,
 * plus minting of Bot Framework channel tokens signed by the published key.
 *
 * Every issuer gets its own port and a random path, so its metadata URL is unique: botframework-connector
 * caches keys per metadata URL in a process-wide map and fails closed once a URL's server has gone.
 */

/** The issuer Bot Framework puts on channel → bot tokens (AuthenticationConstants.ToBotFromChannelTokenIssuer). */
export const botFrameworkChannelIssuer = 'https://api.botframework.com';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface ChannelTokenClaims {
  /** The bot's app id (the `aud` Bot Framework puts on tokens it sends to a bot). */
  audience: string;
  /** Bound to the activity's serviceUrl by the validator; omit to leave the claim out. */
  serviceUrl?: string;
  /** Defaults to the channel issuer this server stands in for. */
  issuer?: string;
  /** Seconds relative to now; default -60 (issued a minute ago). */
  notBeforeOffsetSeconds?: number;
  /** Seconds relative to now; default 3600. */
  expiresInSeconds?: number;
  /** Anything else to put in the payload (or override). */
  extraClaims?: Record<string, unknown>;
}

export interface SigningChoice {
  /** Sign with this key instead of the published one. */
  key?: SigningKey;
  /** Put this `kid` in the header instead of the signing key's own. */
  keyId?: string;
}

export interface LocalBotFrameworkIssuer {
  readonly openIdMetadataUrl: string;
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly publishedKey: SigningKey;
  /** How many times each document was fetched: proves caching and that nothing was fetched at all. */
  readonly fetchCounts: { metadata: number; jwks: number };
  /** An RS256 channel token; `signing` forges it with another key and/or `kid`. */
  mintToken(claims: ChannelTokenClaims, signing?: SigningChoice): string;
  /** An `alg: none` token with the published `kid`, as an attacker would send it. */
  mintUnsignedToken(claims: ChannelTokenClaims): string;
  close(): Promise<void>;
}

export interface LocalBotFrameworkIssuerOptions {
  /** `endorsements` published on the key; Bot Framework's JWKS lists the channels a key may sign for. */
  endorsements?: string[];
  issuer?: string;
  /** Current time in milliseconds; tokens are minted relative to it. */
  now?: () => number;
  /**
   * Serve over https with this certificate and key (PEM) instead of plain http: the bot refuses a
   * BOT_OPENID_METADATA_URL that is not https. The certificate must cover 127.0.0.1.
   */
  tls?: { cert: string; key: string };
}

export function generateSigningKey(keyId = `test-key-${randomBytes(6).toString('hex')}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keyId, privateKey, publicKey };
}

export async function startLocalBotFrameworkIssuer(
  options: LocalBotFrameworkIssuerOptions = {},
): Promise<LocalBotFrameworkIssuer> {
  const issuer = options.issuer ?? botFrameworkChannelIssuer;
  const endorsements = options.endorsements ?? ['msteams'];
  const now = options.now ?? Date.now;
  const publishedKey = generateSigningKey();
  const fetchCounts = { metadata: 0, jwks: 0 };
  const pathPrefix = `/${randomBytes(8).toString('hex')}`;
  let baseUrl = '';

  const jwks = () => {
    const { n, e } = publishedKey.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: publishedKey.keyId, n, e, endorsements }] };
  };
  const metadata = () => ({
    issuer,
    authorization_endpoint: `${baseUrl}${pathPrefix}/authorize`,
    jwks_uri: `${baseUrl}${pathPrefix}/keys`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  });

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === `${pathPrefix}/.well-known/openidconfiguration`) {
      fetchCounts.metadata += 1;
      return send(200, metadata());
    }
    if (req.method === 'GET' && req.url === `${pathPrefix}/keys`) {
      fetchCounts.jwks += 1;
      return send(200, jwks());
    }
    return send(404, { error: 'not found' });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const payloadFor = (claims: ChannelTokenClaims): Record<string, unknown> => {
    const nowSeconds = Math.floor(now() / 1000);
    return {
      iss: claims.issuer ?? issuer,
      aud: claims.audience,
      ...(claims.serviceUrl === undefined ? {} : { serviceurl: claims.serviceUrl }),
      nbf: nowSeconds + (claims.notBeforeOffsetSeconds ?? -60),
      exp: nowSeconds + (claims.expiresInSeconds ?? 3600),
      ...claims.extraClaims,
    };
  };

  return {
    openIdMetadataUrl: `${baseUrl}${pathPrefix}/.well-known/openidconfiguration`,
    jwksUrl: `${baseUrl}${pathPrefix}/keys`,
    issuer,
    publishedKey,
    fetchCounts,
    mintToken(claims, signing = {}) {
      const key = signing.key ?? publishedKey;
      return jwt.sign(payloadFor(claims), key.privateKey, {
        algorithm: 'RS256',
        keyid: signing.keyId ?? key.keyId,
        noTimestamp: true,
      });
    },
    mintUnsignedToken(claims) {
      const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT', kid: publishedKey.keyId })}.${encode(payloadFor(claims))}.`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
