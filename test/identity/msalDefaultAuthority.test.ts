import { createServer, type Server } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import pino from 'pino';
import { PublicClientApplication } from '@azure/msal-node';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import type { DeviceCodePrompt } from '../../src/usecases/ports';
import { createEntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { msalAuthorityOptions } from '../../src/domain/authorityHosts';
import { createLocalCaAsync } from '../../src/local/localCa';

/**
 * MSAL built exactly as production builds it, with the default authority host: its requests must
 * leave through our network client for login.microsoftonline.com (the host name resolves, for this
 * test only, to a loopback server with a certificate for that name), instead of MSAL refusing to
 * start with `endpoints_resolution_error` and no request sent.
 */

const MICROSOFT = 'login.microsoftonline.com';
const TENANT = '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60';
const CLIENT_ID = '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f';
// A loopback address of its own, so port 443 is free for this test alone.
const LOOPBACK = `127.${40 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

interface Seen {
  method: string;
  host: string;
  path: string;
}

let server: Server;
let caPem: string;
const seen: Seen[] = [];

beforeAll(async () => {
  const ca = await createLocalCaAsync(new Date(), [MICROSOFT]);
  caPem = ca.caPem;
  server = createServer({ cert: ca.serverCertPem, key: ca.serverKeyPem }, (req, res) => {
    seen.push({ method: req.method ?? '', host: String(req.headers.host), path: (req.url ?? '').split('?')[0] });
    const path = (req.url ?? '').split('?')[0];
    const base = `https://${MICROSOFT}/${TENANT}`;
    res.setHeader('content-type', 'application/json');
    if (path === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
      res.end(
        JSON.stringify({
          issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `https://${MICROSOFT}/${TENANT}/discovery/v2.0/keys`,
          response_types_supported: ['code'],
        }),
      );
      return;
    }
    if (path === `/${TENANT}/oauth2/v2.0/devicecode`) {
      res.end(JSON.stringify({ user_code: 'ABCD1234', device_code: 'dc-1', verification_uri: 'https://microsoft.com/devicelogin', expires_in: 900, interval: 1, message: 'enter the code' }));
      return;
    }
    if (path === `/${TENANT}/oauth2/v2.0/token`) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'authorization_pending', error_description: 'AADSTS70016: pending', error_codes: [70016] }));
      return;
    }
    res.statusCode = 404;
    res.end('{"error":"not_found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(443, LOOPBACK, () => resolve());
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// Only Microsoft's host name is answered locally; anything else would fail to resolve.
const toLoopback: LookupFunction = (hostname, options, callback) => {
  if (hostname !== MICROSOFT) return callback(Object.assign(new Error(`unexpected host ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
  if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: LOOPBACK, family: 4 }]);
  callback(null, LOOPBACK, 4);
};

it('leaves the knownAuthorities key out for Microsoft\'s host, and names any other host', () => {
  expect(msalAuthorityOptions(`https://${MICROSOFT}/${TENANT}`)).toEqual({ authority: `https://${MICROSOFT}/${TENANT}` });
  expect('knownAuthorities' in msalAuthorityOptions(`https://${MICROSOFT}/${TENANT}`)).toBe(false);
  expect(msalAuthorityOptions(`https://127.0.0.1:8443/${TENANT}`)).toEqual({ authority: `https://127.0.0.1:8443/${TENANT}`, knownAuthorities: ['127.0.0.1:8443'] });
});

it('sends its first request through our network client to login.microsoftonline.com and gets a device code', async () => {
  const networkClient = createEntraNetworkClient({ ca: caPem, lookup: toLoopback });
  const authority = new MsalDeviceCodeAuthority({ clientId: CLIENT_ID, authorityHost: `https://${MICROSOFT}`, scopes: ['https://graph.microsoft.com/User.Read'], networkClient, logger: pino({ level: 'silent' }) });
  try {
    const prompt = await new Promise<DeviceCodePrompt>((resolve, reject) => {
      const session = authority.start(TENANT, (p) => {
        session.cancel();
        resolve(p);
      });
      void session.outcome.then((outcome) => {
        if (!outcome.ok && !outcome.cancelled) reject(new Error(`sign-in failed: ${JSON.stringify(outcome.failure)}`));
      });
    });
    expect(prompt.userCode).toBe('ABCD1234');
    // MSAL knows the public cloud's endpoints itself: no discovery request, straight to the device-code endpoint.
    expect(seen[0]).toEqual({ method: 'POST', host: MICROSOFT, path: `/${TENANT}/oauth2/v2.0/devicecode` });
    expect(seen.every((s) => s.host === MICROSOFT)).toBe(true);
  } finally {
    networkClient.close();
  }
});

it('is the defect it guards against: an explicit knownAuthorities: undefined fails before any request', async () => {
  const before = seen.length;
  const networkClient = createEntraNetworkClient({ ca: caPem, lookup: toLoopback });
  try {
    const pca = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: `https://${MICROSOFT}/${TENANT}`, knownAuthorities: undefined }, system: { networkClient } });
    await expect(pca.acquireTokenByDeviceCode({ scopes: ['User.Read'], deviceCodeCallback: () => undefined })).rejects.toMatchObject({ errorCode: 'endpoints_resolution_error' });
    expect(seen.length).toBe(before);
  } finally {
    networkClient.close();
  }
});
