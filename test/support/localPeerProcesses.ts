import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ReadyProcess, spawnReady } from './childProcess';
import { httpCall, HttpAnswer } from './httpsClient';

/**
 * The local peers of a bot under test, each in its own process, started from source with ts-node.
 *
 * The identity simulator in its own process (src/local/identitySimulator/standalone.ts, configured by
 * SIM_* variables), and what a test does to it from outside: the person at the sign-in page is its
 * `/_sim` JSON control API, the admin consent page is its HTML form, its keys are its JWKS.
 * Every call trusts only the CA the simulator wrote.
 */

const REPO = resolve(__dirname, '../..');
/** Resolved here, so the peers start whatever jest's working directory is. */
const TS_NODE = require.resolve('ts-node/register/transpile-only');

export interface SimulatorProcessSettings {
  /** Where the simulator writes its CA (SIM_CA_FILE). */
  readonly caFile: string;
  /** `clientId:secret` pairs allowed the client-credentials grant (SIM_CONFIDENTIAL_CLIENTS). */
  readonly confidentialClients: readonly { clientId: string; secret: string }[];
  /** The only public clients that may sign in (SIM_CLIENT_IDS). */
  readonly clientIds?: readonly string[];
  readonly pollIntervalSeconds?: number;
  readonly timeoutMs?: number;
}

export interface SimulatorProcess {
  readonly process: ReadyProcess;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly caPem: string;
  /** POST /_sim/devicecode/complete: the person signs in with `upn` at the device-login page (`outcome`: see SIGN_IN_OUTCOMES). */
  completeDeviceCode(userCode: string, upn: string, outcome?: string): Promise<{ ok: boolean; outcome?: string; reason?: string }>;
  /** GET /_sim/devicecode/polls: the device-code polls the simulator saw, oldest first. */
  polls(userCode: string): Promise<{ answer: string; tenant: string; clientId: string }[]>;
  /** The public key behind `kid` in a tenant's JWKS (`/<tenant>/discovery/v2.0/keys`). */
  signingKey(tenant: string, kid: string): Promise<KeyObject>;
  /** The reviewer on the admin consent page: reads its form, submits Accept or Cancel, returns the redirect. */
  decideAdminConsent(consentUrl: string, decision: 'accept' | 'cancel'): Promise<URL>;
  call(method: 'GET' | 'POST', pathOrUrl: string, options?: { json?: unknown; form?: Record<string, string> }): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match ? unescapeHtml(match[1]) : undefined;
}

const unescapeHtml = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export async function startSimulatorProcess(settings: SimulatorProcessSettings): Promise<SimulatorProcess> {
  const env: Record<string, string> = {
    SIM_HOST: '127.0.0.1',
    SIM_PORT: '0',
    SIM_CA_FILE: settings.caFile,
    SIM_CONFIDENTIAL_CLIENTS: settings.confidentialClients.map((c) => `${c.clientId}:${c.secret}`).join(','),
    SIM_POLL_INTERVAL_SECONDS: String(settings.pollIntervalSeconds ?? 0.05),
    SIM_LOG_LEVEL: 'info',
  };
  if (settings.clientIds) env.SIM_CLIENT_IDS = settings.clientIds.join(',');
  const script = resolve(REPO, 'src/local/identitySimulator/standalone.ts');
  const child = await spawnReady(process.execPath, ['-r', TS_NODE, script], env, 'identity-simulator.ready', settings.timeoutMs ?? 20_000);
  const url = String(child.ready.url);
  const caPem = await readFile(String(child.ready.caFile), 'utf8');

  const call = (method: 'GET' | 'POST', pathOrUrl: string, options: { json?: unknown; form?: Record<string, string> } = {}) =>
    httpCall(method, new URL(pathOrUrl, url).toString(), { ca: caPem, ...options });
  const control = async <T>(path: string, body: unknown): Promise<T> => {
    const answer = await call('POST', path, { json: body });
    if (answer.status >= 500 || answer.status === 400) throw new Error(`POST ${path} answered ${answer.status}: ${answer.text}`);
    return answer.json<T>();
  };

  return {
    process: child,
    url,
    caPem,
    completeDeviceCode: (userCode, upn, outcome = 'success') => control('/_sim/devicecode/complete', { userCode, upn, outcome }),
    async polls(userCode) {
      const answer = await call('GET', `/_sim/devicecode/polls?userCode=${encodeURIComponent(userCode)}`);
      return answer.json<{ polls: { answer: string; tenant: string; clientId: string }[] }>().polls;
    },
    async signingKey(tenant, kid) {
      const answer = await call('GET', `/${tenant}/discovery/v2.0/keys`);
      if (answer.status !== 200) throw new Error(`the JWKS of ${tenant} answered ${answer.status}: ${answer.text}`);
      const jwk = answer.json<{ keys: ({ kid?: string } & Record<string, unknown>)[] }>().keys.find((k) => k.kid === kid);
      if (!jwk) throw new Error(`the JWKS of ${tenant} has no key ${kid}: ${answer.text}`);
      return createPublicKey({ key: jwk as never, format: 'jwk' });
    },
    async decideAdminConsent(consentUrl, decision) {
      const page = await call('GET', consentUrl);
      if (page.status !== 200) throw new Error(`the admin consent page answered ${page.status}: ${page.text}`);
      const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
      if (!action) throw new Error(`the admin consent page has no form:\n${page.text}`);
      const form: Record<string, string> = { decision };
      for (const name of ['client_id', 'scope', 'redirect_uri', 'state']) {
        const value = inputValue(page.text, name);
        if (value !== undefined) form[name] = value;
      }
      const answer = await call('POST', unescapeHtml(action), { form });
      if (answer.status !== 302 && answer.status !== 303) throw new Error(`the admin consent form answered ${answer.status}, not a redirect: ${answer.text}`);
      return new URL(String(answer.headers.location));
    },
    call,
    stop: () => child.stop(),
  };
}

/** The Cosmos-protocol server in its own process (src/local/cosmosServerProcess.ts). */
export async function startCosmosProcess(timeoutMs = 20_000): Promise<{ process: ReadyProcess; endpoint: string; key: string; stop(): Promise<void> }> {
  const script = resolve(REPO, 'src/local/cosmosServerProcess.ts');
  const child = await spawnReady(process.execPath, ['-r', TS_NODE, script], { COSMOS_SERVER_HOST: '127.0.0.1', COSMOS_SERVER_PORT: '0' }, 'cosmos-server.ready', timeoutMs);
  return { process: child, endpoint: String(child.ready.endpoint), key: String(child.ready.key), stop: () => child.stop() };
}
