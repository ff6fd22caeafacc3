import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { Config, loadConfig, LOCAL_PLAYGROUND } from '../src/config';
import { isLoopbackHost } from '../src/domain/loopback';
import { defaultSimulatedDirectory } from '../src/local/identitySimulator';

const ROOT = join(__dirname, '..');
const GUID_A = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const GUID_B = '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a';

/** A complete production configuration: each test removes or breaks one thing. */
const PRODUCTION: Record<string, string> = {
  BOT_ID: '6f1c7c2e-8f0e-4b7a-9d3e-0a1b2c3d4e5f',
  BOT_PASSWORD: 'not-a-real-secret',
  HOST: '0.0.0.0',
  PUBLIC_BASE_URL: 'https://tenant-access.contoso-msp.com/',
  PROVIDER_TENANT_ID: GUID_A,
  COSMOS_ENDPOINT: 'https://tenant-access.documents.azure.com:443/',
  COSMOS_KEY: 'a2V5',
  ENTRA_CLIENT_ID: GUID_B,
  TOKEN_ENCRYPTION_KEY: 'k1:AAAA',
};

const VARIABLES = [
  'BOT_ID', 'BOT_PASSWORD', 'BOT_TYPE', 'BOT_TENANT_ID', 'HOST', 'PORT', 'PUBLIC_BASE_URL', 'PROVIDER_NAME', 'PROVIDER_TENANT_ID',
  'BOOTSTRAP_ADMINS', 'INVITATION_TTL_DAYS', 'LOG_LEVEL', 'COSMOS_ENDPOINT', 'COSMOS_KEY', 'COSMOS_MANAGED_IDENTITY_CLIENT_ID',
  'COSMOS_DATABASE', 'ENTRA_CLIENT_ID', 'ENTRA_AUTHORITY_HOST', 'ENTRA_SCOPES', 'ENTRA_APP_NAME', 'GRAPH_BASE_URL', 'TOKEN_ENCRYPTION_KEY',
  'BOT_OPENID_METADATA_URL', 'BOT_LOGIN_URL', 'LEASE_TTL_MS', 'LEASE_RENEW_MS', 'SIGN_IN_CODE_GRACE_MS', 'STORE_TIMEOUT_MS', 'ENTRA_TIMEOUT_MS',
  'GRAPH_TIMEOUT_MS', 'HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS', 'TURN_BUDGET_MS', 'INVOKE_BUDGET_MS', 'PAGE_BUDGET_MS', 'READY_BUDGET_MS',
] as const;

function configOf(env: Record<string, string | undefined>): Config {
  const r = loadConfig(env);
  if (!r.ok) throw new Error(`expected a configuration, got:\n${r.errors.join('\n')}`);
  return r.config;
}
function errorsOf(env: Record<string, string | undefined>): string[] {
  const r = loadConfig(env);
  if (r.ok) throw new Error('expected errors, got a configuration');
  return r.errors;
}
const without = (name: string) => ({ ...PRODUCTION, [name]: undefined });

describe('loadConfig', () => {
  it('runs in local mode with no configuration at all: loopback, embedded store, simulator, Playground identities', () => {
    const c = configOf({});
    expect(c).toMatchObject({
      localMode: true,
      host: '127.0.0.1',
      port: 3978,
      publicBaseUrl: 'http://127.0.0.1:3978',
      invitationTtlDays: 7,
      logLevel: 'info',
      cosmosDatabase: 'tenant-access',
      providerTenantIds: [...LOCAL_PLAYGROUND.tenantIds],
      bootstrapAdmins: [...LOCAL_PLAYGROUND.adminObjectIds],
    });
    expect(c.bot).toBeUndefined();
    expect(c.cosmos).toBeUndefined();
    expect(c.entra).toBeUndefined();
    expect(c.tokenEncryptionKey).toBeUndefined();
    expect(c.scopes.length).toBeGreaterThan(0);
  });

  it('treats blank values as unset', () => {
    expect(configOf({ BOT_ID: '   ', PORT: '', HOST: ' ' })).toMatchObject({ localMode: true, host: '127.0.0.1', port: 3978 });
  });

  it('takes a local port and IPv6 loopback, and builds the public URL from them', () => {
    expect(configOf({ PORT: '0' }).port).toBe(0);
    expect(configOf({ HOST: '::1', PORT: '4000' })).toMatchObject({ host: '::1', port: 4000, publicBaseUrl: 'http://[::1]:4000' });
    expect(configOf({ HOST: 'localhost' }).host).toBe('localhost');
  });

  it.each(['0.0.0.0', '10.1.2.3', '::', 'bot.contoso.com'])('refuses HOST=%s without BOT_ID, naming HOST and BOT_ID', (host) => {
    const errors = errorsOf({ HOST: host });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`HOST=${host}`);
    expect(errors[0]).toContain('BOT_ID');
    expect(errors[0]).toMatch(/loopback/);
  });

  it('accepts a complete production configuration', () => {
    const c = configOf(PRODUCTION);
    expect(c).toMatchObject({
      localMode: false,
      host: '0.0.0.0',
      publicBaseUrl: 'https://tenant-access.contoso-msp.com',
      providerTenantIds: [GUID_A],
      bootstrapAdmins: [],
      bot: { id: PRODUCTION.BOT_ID, password: PRODUCTION.BOT_PASSWORD, type: 'MultiTenant' },
      cosmos: { endpoint: PRODUCTION.COSMOS_ENDPOINT, key: 'a2V5', database: 'tenant-access' },
      entra: { clientId: GUID_B, authorityHost: 'https://login.microsoftonline.com' },
      tokenEncryptionKey: 'k1:AAAA',
    });
    // None of the local-mode identities may leak into production.
    expect(c.bootstrapAdmins).not.toContain(LOCAL_PLAYGROUND.adminObjectIds[0]);
  });

  it.each(['COSMOS_ENDPOINT', 'ENTRA_CLIENT_ID', 'TOKEN_ENCRYPTION_KEY', 'PUBLIC_BASE_URL', 'PROVIDER_TENANT_ID'])(
    'with BOT_ID set, requires %s and says so by name',
    (name) => {
      const errors = errorsOf(without(name));
      expect(errors).toEqual([expect.stringContaining(name)]);
      expect(errors[0]).toMatch(/required when BOT_ID is set/);
    },
  );

  it('lists every missing production variable at once', () => {
    const errors = errorsOf({ BOT_ID: PRODUCTION.BOT_ID });
    for (const name of ['COSMOS_ENDPOINT', 'ENTRA_CLIENT_ID', 'TOKEN_ENCRYPTION_KEY', 'PUBLIC_BASE_URL', 'PROVIDER_TENANT_ID']) {
      expect(errors.filter((e) => e.startsWith(name))).toHaveLength(1);
    }
  });

  it('needs a Cosmos key or a managed identity with COSMOS_ENDPOINT', () => {
    expect(errorsOf(without('COSMOS_KEY'))).toEqual([expect.stringMatching(/COSMOS_ENDPOINT needs COSMOS_KEY or COSMOS_MANAGED_IDENTITY_CLIENT_ID/)]);
    expect(configOf({ ...without('COSMOS_KEY'), COSMOS_MANAGED_IDENTITY_CLIENT_ID: GUID_B }).cosmos).toMatchObject({ managedIdentityClientId: GUID_B, key: undefined });
  });

  it.each([
    ['PORT', 'eighty', /^PORT must be a number/],
    ['PORT', '-1', /^PORT must be a number/],
    ['PORT', '65536', /^PORT must be between 1 and 65535/],
    ['BOT_ID', 'my-bot', /^BOT_ID must be .*GUID/],
    ['BOT_TENANT_ID', 'contoso.com', /^BOT_TENANT_ID must be a GUID/],
    ['PROVIDER_TENANT_ID', `${GUID_A},nope`, /^PROVIDER_TENANT_ID must be a GUID/],
    ['BOOTSTRAP_ADMINS', `${GUID_A}, 12345`, /^BOOTSTRAP_ADMINS must be .*GUIDs/],
    ['ENTRA_CLIENT_ID', 'tenant-access', /^ENTRA_CLIENT_ID must be .*GUID/],
    ['PUBLIC_BASE_URL', 'tenant-access.contoso.com', /^PUBLIC_BASE_URL must be an absolute http\(s\) URL/],
    ['PUBLIC_BASE_URL', 'ftp://contoso.com', /^PUBLIC_BASE_URL must be an absolute http\(s\) URL/],
    ['COSMOS_ENDPOINT', 'localhost:8081', /^COSMOS_ENDPOINT must be an absolute http\(s\) URL/],
    ['ENTRA_AUTHORITY_HOST', 'http://login.microsoftonline.com', /^ENTRA_AUTHORITY_HOST must be an absolute https URL/],
    ['GRAPH_BASE_URL', 'graph', /^GRAPH_BASE_URL must be an absolute https URL/],
    ['INVITATION_TTL_DAYS', '0', /^INVITATION_TTL_DAYS must be/],
    ['INVITATION_TTL_DAYS', '91', /^INVITATION_TTL_DAYS must be/],
    ['INVITATION_TTL_DAYS', 'a week', /^INVITATION_TTL_DAYS must be/],
    ['LOG_LEVEL', 'verbose', /^LOG_LEVEL: /],
    ['BOT_TYPE', 'Anonymous', /^BOT_TYPE: /],
    ['COSMOS_DATABASE', 'tenant access', /^COSMOS_DATABASE may use/],
    ['ENTRA_SCOPES', ' , ', /^ENTRA_SCOPES must name at least one scope/],
  ])('refuses %s=%j with a message that names it', (name, value, message) => {
    const errors = errorsOf({ ...PRODUCTION, [name]: value });
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it.each(['SingleTenant', 'UserAssignedMsi'])('requires BOT_TENANT_ID with BOT_TYPE=%s', (type) => {
    expect(errorsOf({ ...PRODUCTION, BOT_TYPE: type })).toEqual([`BOT_TENANT_ID is required when BOT_TYPE=${type}`]);
    expect(configOf({ ...PRODUCTION, BOT_TYPE: type, BOT_TENANT_ID: GUID_A.toUpperCase() }).bot).toMatchObject({ type, tenantId: GUID_A.toUpperCase() });
  });

  it('normalizes lists of ids to lower case and keeps Playground admins only in local mode', () => {
    const local = configOf({ BOOTSTRAP_ADMINS: ` ${GUID_B.toUpperCase()} ,,${GUID_A} `, PROVIDER_TENANT_ID: GUID_A.toUpperCase() });
    expect(local.bootstrapAdmins).toEqual([GUID_B, GUID_A, ...LOCAL_PLAYGROUND.adminObjectIds]);
    expect(local.providerTenantIds).toEqual([GUID_A]);
    expect(configOf({ ...PRODUCTION, BOOTSTRAP_ADMINS: GUID_B }).bootstrapAdmins).toEqual([GUID_B]);
  });

  it('reads the optional settings', () => {
    const c = configOf({
      ...PRODUCTION,
      PORT: '8080',
      INVITATION_TTL_DAYS: '2.5',
      LOG_LEVEL: 'debug',
      PROVIDER_NAME: 'Fabrikam Voice',
      COSMOS_DATABASE: 'ta-prod',
      ENTRA_AUTHORITY_HOST: 'https://entra-proxy.contoso-msp.example/',
      ENTRA_SCOPES: 'https://graph.microsoft.com/User.Read, offline_access',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/',
    });
    expect(c).toMatchObject({
      port: 8080,
      invitationTtlDays: 2.5,
      logLevel: 'debug',
      providerName: 'Fabrikam Voice',
      cosmosDatabase: 'ta-prod',
      cosmos: { database: 'ta-prod' },
      entra: { authorityHost: 'https://entra-proxy.contoso-msp.example' },
      scopes: ['https://graph.microsoft.com/User.Read', 'offline_access'],
      graphBaseUrl: 'https://graph.microsoft.us',
    });
  });

  describe('for any environment', () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', '0', '3978', '65536', 'true', GUID_A, GUID_A.toUpperCase(), `${GUID_A},${GUID_B}`, 'https://x.example', 'http://127.0.0.1:1', '::1', '0.0.0.0', 'localhost', 'SingleTenant', 'debug', '7'),
    );
    const env = fc.dictionary(fc.oneof(fc.constantFrom(...VARIABLES), fc.string()), value, { maxKeys: 14 });

    it('gives a configuration or a list of errors that each name a variable, never a throw', () => {
      fc.assert(
        fc.property(env, (e) => {
          const r = loadConfig(e);
          if (r.ok) return;
          expect(r.errors.length).toBeGreaterThan(0);
          for (const error of r.errors) {
            expect(typeof error).toBe('string');
            expect(VARIABLES.some((v) => error.includes(v))).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('never serves a non-loopback host without inbound authentication, and production never falls back to local parts', () => {
      fc.assert(
        fc.property(env, fc.boolean(), (e, production) => {
          const r = loadConfig(production ? { ...PRODUCTION, ...e } : e);
          if (!r.ok) return;
          const c = r.config;
          if (c.localMode) {
            expect(isLoopbackHost(c.host)).toBe(true);
            expect(c.bot).toBeUndefined();
          } else {
            expect(c.bot?.id).toBeTruthy();
            expect(c.cosmos).toBeDefined();
            expect(c.entra).toBeDefined();
            expect(c.tokenEncryptionKey).toBeTruthy();
            expect(c.providerTenantIds.length).toBeGreaterThan(0);
            // Only what was configured: no Playground admin is added (one may be configured on purpose).
            const configured = ({ ...PRODUCTION, ...e }.BOOTSTRAP_ADMINS ?? '').split(',').map((a) => a.trim().toLowerCase()).filter((a) => a.length > 0);
            expect(c.bootstrapAdmins).toEqual(configured);
          }
          // 0 asks the system for a free port.
          expect(Number.isInteger(c.port) && c.port >= 0 && c.port <= 65535).toBe(true);
          expect(c.scopes.length).toBeGreaterThan(0);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('reading the environment', () => {
  /** Where the product's code lives; tests, benches and build scripts are entry points of their own. */
  const SOURCE_DIRS = ['src', 'bot', 'cards'];
  // The bot's entry point, and the entry points of the local peers that run as their own processes.
  const ALLOWED = new Set(['src/config.ts', 'bot/index.ts', 'src/local/identitySimulator/standalone.ts', 'src/local/cosmosServerProcess.ts']);

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
      return /\.(ts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
  }

  /** Every place a file touches `process.env` (or `env` of the process module), found in the syntax tree, not in comments. */
  function environmentReads(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    // Every form below names `process`; parsing only those files keeps the scan fast.
    if (!text.includes('process')) return [];
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const where = (node: ts.Node) => `${relative(ROOT, file).split(sep).join('/')}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const isProcess = (node: ts.Node) => ts.isIdentifier(node) && node.text === 'process';
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === 'env') found.push(where(node));
      if (ts.isElementAccessExpression(node) && isProcess(node.expression)) found.push(where(node));
      if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && isProcess(node.initializer)) found.push(where(node));
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && /^(node:)?process$/.test(node.moduleSpecifier.text)) {
        found.push(where(node));
      }
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.some((a) => ts.isStringLiteral(a) && /^(node:)?process$/.test(a.text))) {
        found.push(where(node));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  }

  it('finds environment reads the way the scan should (so the scan itself can fail)', () => {
    const probe = join(ROOT, 'test', 'config.test.ts');
    expect(environmentReads(probe).length).toBeGreaterThan(0);
  });

  it('happens only in src/config.ts and the entry point bot/index.ts', () => {
    const files = SOURCE_DIRS.flatMap((d) => sourceFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) => !ALLOWED.has(relative(ROOT, f).split(sep).join('/'))).flatMap(environmentReads);
    expect(offenders).toEqual([]);
    expect(environmentReads(join(ROOT, 'bot', 'index.ts'))).toHaveLength(1);
  });
});

// The scan's self-test needs one real read in a file it can parse; this one is never executed for its value.
export const scanProbe = () => process.env.SCAN_PROBE_NEVER_SET;

describe('the production path settings', () => {
  it('defaults to Bot Framework\'s OpenID metadata and login URL, by bot type', () => {
    expect(configOf(PRODUCTION).bot).toMatchObject({
      openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      loginUrl: 'https://login.microsoftonline.com/botframework.com',
    });
    expect(configOf({ ...PRODUCTION, BOT_TYPE: 'SingleTenant', BOT_TENANT_ID: GUID_A }).bot?.loginUrl).toBe(`https://login.microsoftonline.com/${GUID_A}`);
  });

  it('takes another OpenID metadata URL and login URL, https only', () => {
    const c = configOf({ ...PRODUCTION, BOT_OPENID_METADATA_URL: 'https://127.0.0.1:4000/v1/.well-known/openidconfiguration', BOT_LOGIN_URL: 'https://127.0.0.1:4001/botframework.com/' });
    expect(c.bot).toMatchObject({ openIdMetadataUrl: 'https://127.0.0.1:4000/v1/.well-known/openidconfiguration', loginUrl: 'https://127.0.0.1:4001/botframework.com' });
    expect(errorsOf({ ...PRODUCTION, BOT_OPENID_METADATA_URL: 'http://127.0.0.1:4000/keys' })).toEqual(['BOT_OPENID_METADATA_URL must be an absolute https URL']);
    expect(errorsOf({ ...PRODUCTION, BOT_LOGIN_URL: 'http://login.example' })).toEqual(['BOT_LOGIN_URL must be an absolute https URL']);
  });

  it.each([
    ['ENTRA_AUTHORITY_HOST', 'https://login.microsoftonline.us', 'US Government'],
    ['ENTRA_AUTHORITY_HOST', 'https://login.chinacloudapi.cn', 'China (21Vianet)'],
    ['BOT_LOGIN_URL', 'https://login.microsoftonline.us/botframework.com', 'US Government'],
  ])('refuses %s=%s (a sovereign cloud) with a clear message', (variable, value, cloud) => {
    const [error] = errorsOf({ ...PRODUCTION, [variable]: value });
    expect(error).toContain(`${variable}=${value} is Microsoft's ${cloud} cloud, which Tenant Access does not support`);
    expect(error).toContain('https://login.microsoftonline.com');
  });

  it('requires BOT_PASSWORD unless the bot uses a managed identity', () => {
    const { BOT_PASSWORD: _omitted, ...withoutPassword } = PRODUCTION;
    expect(errorsOf(withoutPassword)[0]).toMatch(/^BOT_PASSWORD is required when BOT_TYPE=MultiTenant/);
    expect(configOf({ ...withoutPassword, BOT_TYPE: 'UserAssignedMsi', BOT_TENANT_ID: GUID_A }).bot?.type).toBe('UserAssignedMsi');
  });

  it('has a production default for every wait, and takes each from its variable', () => {
    expect(configOf({}).timings).toEqual({
      leaseTtlMs: 60_000,
      leaseRenewMs: 20_000,
      codeRequestGraceMs: 60_000,
      storeTimeoutMs: 5_000,
      entraTimeoutMs: 30_000,
      graphTimeoutMs: 10_000,
      httpHeadersTimeoutMs: 20_000,
      httpRequestTimeoutMs: 30_000,
      turnBudgetMs: 10_000,
      invokeBudgetMs: 4_000,
      pageBudgetMs: 8_000,
      readyBudgetMs: 2_000,
      validationTimeoutMs: 60_000,
      runnerLeaseTtlMs: 30_000,
      runnerLeaseRenewMs: 10_000,
      sweepTenantDeadlineMs: 300_000,
    });
    expect(configOf({ VALIDATION_TIMEOUT_MS: '15000' }).timings.validationTimeoutMs).toBe(15_000);
    const short = configOf({ LEASE_TTL_MS: '3000', LEASE_RENEW_MS: '500', SIGN_IN_CODE_GRACE_MS: '2000', STORE_TIMEOUT_MS: '1500', ENTRA_TIMEOUT_MS: '2500', GRAPH_TIMEOUT_MS: '2500', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '4000' });
    expect(short.timings).toMatchObject({ leaseTtlMs: 3000, leaseRenewMs: 500, codeRequestGraceMs: 2000, storeTimeoutMs: 1500, entraTimeoutMs: 2500, graphTimeoutMs: 2500, httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 4000 });
    expect(configOf({ TURN_BUDGET_MS: '3000', INVOKE_BUDGET_MS: '2000', PAGE_BUDGET_MS: '2500', READY_BUDGET_MS: '500' }).timings).toMatchObject({ turnBudgetMs: 3000, invokeBudgetMs: 2000, pageBudgetMs: 2500, readyBudgetMs: 500 });
  });

  it('names the wait that is out of range or inconsistent', () => {
    expect(errorsOf({ STORE_TIMEOUT_MS: '5s' })).toEqual(['STORE_TIMEOUT_MS must be a whole number of milliseconds between 100 and 60000']);
    expect(errorsOf({ LEASE_TTL_MS: '5000', LEASE_RENEW_MS: '5000' })).toEqual(['LEASE_RENEW_MS must be shorter than LEASE_TTL_MS (a lease must be renewed before it lapses)']);
    expect(errorsOf({ HTTP_HEADERS_TIMEOUT_MS: '9000', HTTP_REQUEST_TIMEOUT_MS: '8000' })).toEqual(['HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS']);
  });
});

describe('VALIDATION_RESOURCES', () => {
  it('is empty by default, and takes resources and scopes separated by commas', () => {
    expect(configOf({}).validationResources).toEqual([]);
    expect(configOf({ VALIDATION_RESOURCES: 'https://api.interfaces.records.teams.microsoft.com, https://outlook.office365.com/.default,48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation' }).validationResources).toEqual([
      'https://api.interfaces.records.teams.microsoft.com',
      'https://outlook.office365.com/.default',
      '48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation',
    ]);
  });

  it.each(['http://api.example.test', 'teams admin api', 'https://api.example.test/?x=1', 'not-a-guid/permission'])('refuses %p at start, naming the variable', (value) => {
    expect(errorsOf({ VALIDATION_RESOURCES: value })).toEqual([
      'VALIDATION_RESOURCES must be a comma-separated list of resources (https://… or an app id) or scopes (https://…/permission, https://…/.default)',
    ]);
  });

  it('refuses more than ten', () => {
    expect(errorsOf({ VALIDATION_RESOURCES: Array.from({ length: 11 }, (_, i) => `https://api${i}.example.test`).join(',') })).toEqual(['VALIDATION_RESOURCES may name at most 10 resources']);
  });

  it('refuses a validation timeout out of range', () => {
    expect(errorsOf({ VALIDATION_TIMEOUT_MS: '100' })).toEqual(['VALIDATION_TIMEOUT_MS must be a whole number of milliseconds between 500 and 600000']);
  });
});

describe('configured mode refuses plain http where it carries secrets', () => {
  it('refuses an http PUBLIC_BASE_URL (invitation links are credentials)', () => {
    expect(errorsOf({ ...PRODUCTION, PUBLIC_BASE_URL: 'http://tenant-access.contoso-msp.com' })).toEqual(['PUBLIC_BASE_URL must be an https URL when BOT_ID is set (invitation links are credentials)']);
  });

  it('refuses a remote http COSMOS_ENDPOINT, and takes one on this machine', () => {
    expect(errorsOf({ ...PRODUCTION, COSMOS_ENDPOINT: 'http://cosmos.contoso-msp.com:8081' })).toEqual(['COSMOS_ENDPOINT must be https unless it is on this machine (cosmos.contoso-msp.com:8081 is not loopback)']);
    expect(configOf({ ...PRODUCTION, COSMOS_ENDPOINT: 'http://127.0.0.1:8081' }).cosmos?.endpoint).toBe('http://127.0.0.1:8081');
  });
});

describe("local mode's cache folder (where its CA is kept across restarts)", () => {
  it('is LOCAL_CACHE_DIR, else $XDG_CACHE_HOME/tenant-access, else ~/.cache/tenant-access', () => {
    expect(configOf({ LOCAL_CACHE_DIR: '/tmp/ta-cache', XDG_CACHE_HOME: '/x', HOME: '/home/u' }).localCacheDir).toBe('/tmp/ta-cache');
    expect(configOf({ XDG_CACHE_HOME: '/x', HOME: '/home/u' }).localCacheDir).toBe('/x/tenant-access');
    expect(configOf({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }).localCacheDir).toBe('/home/u/.cache/tenant-access');
    expect(configOf({ HOME: '/home/u' }).localCacheDir).toBe('/home/u/.cache/tenant-access');
  });

  it('is absent with no home to default to (each start makes a new CA), and in production', () => {
    expect(configOf({}).localCacheDir).toBeUndefined();
    expect(configOf({ ...PRODUCTION, HOME: '/home/u', LOCAL_CACHE_DIR: '/tmp/ta-cache' }).localCacheDir).toBeUndefined();
  });

  it('refuses a relative LOCAL_CACHE_DIR', () => {
    expect(errorsOf({ LOCAL_CACHE_DIR: 'cache' })).toEqual(['LOCAL_CACHE_DIR must be an absolute path']);
  });
});

describe("local mode's provider", () => {
  it('has a name of its own, apart from every simulated customer (pages read "<provider> asks for access to <customer>")', () => {
    const provider = configOf({}).providerName;
    expect(provider).toBe('Woodgrove Managed Services');
    for (const tenant of defaultSimulatedDirectory().tenants) expect(provider.toLowerCase()).not.toContain(tenant.displayName.toLowerCase());
    expect(configOf({ PROVIDER_NAME: 'Fabrikam Voice' }).providerName).toBe('Fabrikam Voice');
    expect(configOf(PRODUCTION).providerName).toBe('Your service provider');
  });
});
