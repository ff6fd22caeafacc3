import type { AddressInfo } from 'node:net';
import restify, { Request, Response, Server } from 'restify';
import { renderPageShell, renderPlainPage, securityHeaders, STATIC_ASSET_PATHS } from '../../bot/web/customerPages/pageShell';
import { staticRoutes } from '../../bot/web/customerPages/staticRoutes';
import { ChromiumSession, describeInBrowser, eventually, launchChromium, saveScreenshot, waitForPopups, WatchedPage } from '../support/browser';

/** The pure parts of the browser script, loaded the way node loads it (CommonJS export). */
interface InvitePageScript {
  formatRemaining(ms: number): string;
  countdownText(ms: number): string;
  actionPayload(type: string, verb: unknown, data: unknown): Record<string, unknown> | null;
  webUrl(url: string, base: string): string | null;
  markdownToHtml(text: string): string | null;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pageScript = require('../../bot/web/customerPages/static/invitePage.js') as InvitePageScript;

const PROVIDER = 'Contoso IT <Services> & "Partners"';
const USER_CODE = 'F4KQ7XW2P';
const HOSTILE_TENANT = 'Fabrikam <img src=x id=injected> Ltd';

type Step = 'start' | 'code' | 'approval' | 'done';
const REVIEW_LINK = 'https://tenantaccess.example.com/review/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';

/** One invitation as the fake server sees it; tests move it along and read what the page sent. */
interface FakeFlow {
  readonly token: string;
  step: Step;
  gone: boolean;
  codeLifetimeMs: number;
  codeExpiresAt: number;
  readonly posted: Record<string, unknown>[];
  stateReads: number;
}

interface FakeInviteServer {
  readonly url: string;
  newFlow(options?: { codeLifetimeMs?: number }): FakeFlow;
  /** Referer header of each request to /landing (undefined when none was sent). */
  readonly landingReferers: (string | undefined)[];
  close(): Promise<void>;
}

function startCard(): object {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Contoso IT asks for access to your Microsoft 365 tenant', size: 'Large', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: HOSTILE_TENANT, isSubtle: true, wrap: true, spacing: 'Small', id: 'tenantName' },
      {
        type: 'FactSet',
        facts: [
          { title: 'Requested by', value: '**Contoso IT** (megan.bowen@contoso.com)' },
          { title: 'Access', value: 'Delegated administration through the Tenant Access app' },
          { title: 'Why', value: 'Teams voice (Direct Routing) management' },
          { title: 'Link expires', value: '28 Jul 2025, 17:00 UTC' },
        ],
      },
      {
        type: 'TextBlock',
        wrap: true,
        text: 'When you start, you get a code to enter at [Microsoft\'s sign-in page](https://microsoft.com/devicelogin). Sign in with a **Global administrator** account of this tenant.',
      },
    ],
    actions: [
      { type: 'Action.Execute', title: 'Start authentication', verb: 'signin.start', data: { invitationId: 'inv-1' }, style: 'positive' },
      { type: 'Action.OpenUrl', title: 'What is this?', url: '/landing?from=start' },
    ],
  };
}

function codeCard(): object {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Enter this code at Microsoft\'s sign-in page', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', id: 'userCode', text: USER_CODE, size: 'ExtraLarge', weight: 'Bolder', fontType: 'Monospace', spacing: 'Medium' },
      { type: 'TextBlock', id: 'countdown', text: 'Code expires in 15:00', isSubtle: true, spacing: 'Small' },
      {
        type: 'Container',
        style: 'warning',
        spacing: 'Medium',
        items: [
          {
            type: 'TextBlock',
            wrap: true,
            text: 'Microsoft will ask whether you are signing in to **Tenant Access** for **Contoso IT**. If it names another app, stop and close the page.',
          },
        ],
      },
    ],
    actions: [
      { type: 'Action.OpenUrl', title: 'Open the sign-in page', url: '/landing?from=code', style: 'positive' },
      { type: 'Action.Submit', title: 'Cancel', data: { verb: 'signin.cancel', reason: 'changed my mind' } },
    ],
  };
}

function approvalCard(): object {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Admin approval needed', size: 'Large', weight: 'Bolder', color: 'Warning', wrap: true },
      { type: 'TextBlock', text: 'Send this link to your Admin Consent Reviewer:', wrap: true },
      { type: 'TextBlock', id: 'reviewLink', text: REVIEW_LINK, wrap: true, fontType: 'Monospace' },
    ],
  };
}

function doneCard(): object {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Tenant activated', size: 'Large', weight: 'Bolder', color: 'Good' },
      { type: 'TextBlock', text: 'Contoso IT can now manage your tenant. You can close this page.', wrap: true },
    ],
  };
}

async function startFakeInviteServer(): Promise<FakeInviteServer> {
  const flows = new Map<string, FakeFlow>();
  const landingReferers: (string | undefined)[] = [];
  let counter = 0;
  const server: Server = restify.createServer({ handleUncaughtExceptions: false });

  const sendJson = (res: Response, status: number, body: unknown) => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const sendHtml = (res: Response, status: number, html: string) => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  };
  const stateOf = (flow: FakeFlow) => {
    if (flow.step === 'start') return { card: startCard(), pollAfterMs: 300 };
    if (flow.step === 'code') return { card: codeCard(), pollAfterMs: 200, countdownTo: new Date(flow.codeExpiresAt).toISOString() };
    if (flow.step === 'approval') return { card: approvalCard(), pollAfterMs: 200 };
    return { card: doneCard(), pollAfterMs: null };
  };

  for (const route of staticRoutes()) server[route.method](route.path, async (req: Request, res: Response) => route.handler(req, res));

  server.get('/invite/:token', async (req: Request, res: Response) => {
    const flow = flows.get(String(req.params.token));
    if (!flow || flow.gone) {
      sendHtml(res, 404, renderPlainPage({ title: 'This link does not work', text: 'Ask the person who sent it for a new invitation.' }));
      return;
    }
    sendHtml(res, 200, renderPageShell({
      title: 'Contoso IT asks for access',
      providerName: PROVIDER,
      stateUrl: `/invite/${flow.token}/state`,
      actionsUrl: `/invite/${flow.token}/actions`,
    }));
  });
  server.get('/invite/:token/state', async (req: Request, res: Response) => {
    const flow = flows.get(String(req.params.token));
    if (!flow || flow.gone) return sendJson(res, 404, { gone: true });
    flow.stateReads += 1;
    sendJson(res, 200, stateOf(flow));
  });
  server.post('/invite/:token/actions', restify.plugins.jsonBodyParser(), async (req: Request, res: Response) => {
    const flow = flows.get(String(req.params.token));
    if (!flow || flow.gone) return sendJson(res, 404, { gone: true });
    const body = req.body as Record<string, unknown>;
    flow.posted.push(body);
    if (body.verb === 'signin.start') {
      flow.step = 'code';
      flow.codeExpiresAt = Date.now() + flow.codeLifetimeMs;
      return sendJson(res, 200, stateOf(flow));
    }
    if (body.verb === 'signin.cancel') return sendJson(res, 409, { error: 'Sign-in is already under way and cannot be cancelled from here.' });
    sendJson(res, 400, { error: 'Unknown action.' });
  });
  // Breaks the policy on purpose, to prove the harness notices when something does.
  server.get('/csp-probe', async (_req: Request, res: Response) => {
    sendHtml(res, 200, '<!doctype html><title>probe</title><p style="color: red">x</p><script>document.title = "ran";</script>');
  });
  server.get('/landing', async (req: Request, res: Response) => {
    landingReferers.push(req.headers.referer);
    sendHtml(res, 200, renderPlainPage({ title: 'Landing', text: 'A page the card links to.' }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    landingReferers,
    newFlow(options = {}) {
      counter += 1;
      const flow: FakeFlow = {
        token: `token-${counter}`,
        step: 'start',
        gone: false,
        codeLifetimeMs: options.codeLifetimeMs ?? 15 * 60 * 1000,
        codeExpiresAt: 0,
        posted: [],
        stateReads: 0,
      };
      flows.set(flow.token, flow);
      return flow;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('invitation page shell over HTTP', () => {
  let fake: FakeInviteServer;
  beforeAll(async () => {
    fake = await startFakeInviteServer();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('sends the strict CSP and no-cache, no-referrer headers', () => {
    expect(securityHeaders()).toMatchObject({
      'Content-Security-Policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
  });

  it('escapes everything it puts in the shell and uses no inline script or style', () => {
    const html = renderPageShell({
      title: '<script>alert(1)</script>',
      providerName: PROVIDER,
      stateUrl: '/invite/a"b/state',
      actionsUrl: "/invite/a'b/actions",
    });
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Contoso IT &lt;Services&gt; &amp; &quot;Partners&quot;');
    expect(html).toContain('data-state-url="/invite/a&quot;b/state"');
    expect(html).toContain('data-actions-url="/invite/a&#39;b/actions"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).toContain(`<script src="${STATIC_ASSET_PATHS.adaptiveCards}" defer></script>`);
    expect(html).toContain(`<script src="${STATIC_ASSET_PATHS.script}" defer></script>`);
  });

  it('renders a plain page that carries only its escaped title and text', () => {
    const html = renderPlainPage({ title: 'Gone <b>', text: 'Ask & wait "here"' });
    expect(html).toContain('<h1 class="ta-plain-title">Gone &lt;b&gt;</h1>');
    expect(html).toContain('Ask &amp; wait &quot;here&quot;');
    expect(html).not.toMatch(/<script/);
  });

  it.each([
    [STATIC_ASSET_PATHS.script, 'text/javascript; charset=utf-8', 'markdownToHtml'],
    [STATIC_ASSET_PATHS.stylesheet, 'text/css; charset=utf-8', '.ta-copy-button'],
    [STATIC_ASSET_PATHS.adaptiveCards, 'text/javascript; charset=utf-8', 'AdaptiveCards'],
  ])('serves %s with its content type and the security headers', async (assetPath, contentType, marker) => {
    const response = await fetch(`${fake.url}${assetPath}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('content-security-policy')).toBe(securityHeaders()['Content-Security-Policy']);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(body).toContain(marker);
  });
});

describe('invitation page script, pure parts', () => {
  it('formats the time left like a clock and says when the code expired', () => {
    expect(pageScript.countdownText(14 * 60_000 + 32_000)).toBe('Code expires in 14:32');
    expect(pageScript.countdownText(15 * 60_000)).toBe('Code expires in 15:00');
    expect(pageScript.countdownText(1)).toBe('Code expires in 0:01');
    expect(pageScript.countdownText(0)).toBe('This code has expired');
    expect(pageScript.countdownText(-5000)).toBe('This code has expired');
    expect(pageScript.formatRemaining(3_600_000 + 61_000)).toBe('1:01:01');
  });

  it('posts { verb, ...data } for Submit and Execute alike', () => {
    expect(pageScript.actionPayload('Action.Submit', undefined, { verb: 'signin.start', a: 1 })).toEqual({ verb: 'signin.start', a: 1 });
    expect(pageScript.actionPayload('Action.Execute', 'signin.start', { a: 1 })).toEqual({ verb: 'signin.start', a: 1 });
    expect(pageScript.actionPayload('Action.Execute', 'signin.start', { verb: 'other' })).toEqual({ verb: 'signin.start' });
    expect(pageScript.actionPayload('Action.Execute', undefined, { verb: 'consent.continue' })).toEqual({ verb: 'consent.continue' });
    expect(pageScript.actionPayload('Action.Submit', undefined, { a: 1 })).toBeNull();
    expect(pageScript.actionPayload('Action.Submit', undefined, 'just text')).toBeNull();
  });

  it('opens only web addresses', () => {
    expect(pageScript.webUrl('/landing', 'http://127.0.0.1:1/invite/x')).toBe('http://127.0.0.1:1/landing');
    expect(pageScript.webUrl('https://login.microsoftonline.com/x', 'http://h/')).toBe('https://login.microsoftonline.com/x');
    expect(pageScript.webUrl('javascript:alert(1)', 'http://h/')).toBeNull();
    expect(pageScript.webUrl('data:text/html,hi', 'http://h/')).toBeNull();
  });

  it('turns the Teams markdown subset into HTML and escapes everything else', () => {
    expect(pageScript.markdownToHtml('plain <b>text</b>')).toBeNull();
    expect(pageScript.markdownToHtml('**bold** and _it_ <img src=x onerror=alert(1)>')).toBe(
      '<p><strong>bold</strong> and <em>it</em> &lt;img src=x onerror=alert(1)&gt;</p>',
    );
    expect(pageScript.markdownToHtml('[a_b_c](https://x.test/a_b_c?d=1&e="2") [bad](javascript:alert(1))')).toBe(
      '<p><a href="https://x.test/a_b_c?d=1&amp;e=&quot;2&quot;" rel="noopener noreferrer">a_b_c</a> [bad](javascript:alert(1))</p>',
    );
    expect(pageScript.markdownToHtml('Steps:\n- one\n- **two**\n\n1. first')).toBe(
      '<p>Steps:</p><ul><li>one</li><li><strong>two</strong></li></ul><ol><li>first</li></ol>',
    );
    // Steps numbered across separate TextBlocks keep their numbers.
    expect(pageScript.markdownToHtml('2. Open the page')).toBe('<ol start="2"><li>Open the page</li></ol>');
    expect(pageScript.markdownToHtml('megan_bowen@contoso.com')).toBeNull();
  });
});

describeInBrowser('invitation page in chromium', () => {
  let fake: FakeInviteServer;
  let chromium: ChromiumSession;
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    fake = await startFakeInviteServer();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await fake?.close();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((watched) => watched.close()));
  });

  async function openInvitation(flow: FakeFlow, options: Parameters<ChromiumSession['newPage']>[0] = {}): Promise<WatchedPage> {
    const watched = await chromium.newPage({ viewport: { width: 1000, height: 900 }, ...options });
    opened.push(watched);
    await watched.page.goto(`${fake.url}/invite/${flow.token}`);
    await watched.page.locator('#ta-card').getByText('asks for access to your Microsoft 365 tenant').waitFor();
    return watched;
  }

  async function startSignIn(watched: WatchedPage): Promise<void> {
    await watched.page.getByRole('button', { name: 'Start authentication' }).click();
    await watched.page.locator('#userCode').waitFor();
  }

  it('renders the card, posts the verb, shows the device code and follows the flow to the end', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow);
    const { page } = watched;

    await expect(page.locator('#ta-provider').textContent()).resolves.toBe(PROVIDER);
    // A hostile tenant name is shown as text, never as markup.
    await expect(page.locator('#tenantName').textContent()).resolves.toBe(HOSTILE_TENANT);
    await expect(page.locator('#injected').count()).resolves.toBe(0);
    await expect(page.locator('.ac-textBlock strong', { hasText: 'Global administrator' }).count()).resolves.toBe(1);
    await saveScreenshot(page, 'invite-start-desktop');

    await startSignIn(watched);
    expect(flow.posted).toEqual([{ verb: 'signin.start', invitationId: 'inv-1' }]);
    await expect(page.locator('#userCode').textContent()).resolves.toBe(USER_CODE);
    await eventually(async () => expect(await page.locator('#countdown').textContent()).toMatch(/^Code expires in 1[45]:\d\d$/));
    // The clicked button is gone with the old card: focus stays in the card, not on <body>.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('ta-card');
    await saveScreenshot(page, 'invite-code-desktop');

    flow.step = 'done';
    await page.locator('#ta-card').getByText('Tenant activated').waitFor();
    await expect(page.locator('#ta-announce').textContent()).resolves.toBe('Tenant activated');
    const readsAtEnd = flow.stateReads;
    await page.waitForTimeout(700);
    expect(flow.stateReads).toBe(readsAtEnd);
    expect(watched.problems).toEqual([]);
  });

  it('copies the code to the clipboard', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow);
    await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fake.url });
    await startSignIn(watched);

    await watched.page.getByRole('button', { name: 'Copy code' }).click();
    await eventually(async () => expect(await watched.page.locator('#ta-copy-userCode').textContent()).toBe('Copied'));
    await expect(watched.page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(USER_CODE);
    expect(watched.problems).toEqual([]);
  });

  it('offers to copy the reviewer link when the flow moves on to approval', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow, { permissions: ['clipboard-read', 'clipboard-write'] });
    await startSignIn(watched);

    flow.step = 'approval';
    await watched.page.getByRole('button', { name: 'Copy link' }).click();
    await eventually(async () => expect(await watched.page.locator('#ta-copy-reviewLink-hint').textContent()).toBe('The link is on your clipboard.'));
    await expect(watched.page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(REVIEW_LINK);
    await expect(watched.page.locator('#ta-announce').textContent()).resolves.toBe('Admin approval needed');
    expect(watched.problems).toEqual([]);
  });

  it('selects the code and says how to copy it when the clipboard refuses', async () => {
    const flow = fake.newFlow();
    const watched = await chromium.newPage();
    opened.push(watched);
    await watched.context.addInitScript(() => {
      Object.defineProperty(navigator, 'clipboard', {
        value: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) },
      });
    });
    await watched.page.goto(`${fake.url}/invite/${flow.token}`);
    await startSignIn(watched);

    await watched.page.getByRole('button', { name: 'Copy code' }).click();
    await eventually(async () => expect(await watched.page.locator('#ta-copy-userCode-hint').textContent()).toMatch(/The code is selected: copy it with Ctrl\+C/));
    await expect(watched.page.evaluate(() => String(window.getSelection()).trim())).resolves.toBe(USER_CODE);
    await expect(watched.page.locator('#ta-copy-userCode').textContent()).resolves.toBe('Copy code');
    expect(watched.problems).toEqual([]);
  });

  it('counts the code down every second and says when it expired', async () => {
    const flow = fake.newFlow({ codeLifetimeMs: 2500 });
    const watched = await openInvitation(flow);
    await startSignIn(watched);
    const countdown = watched.page.locator('#countdown');

    await expect(countdown.textContent()).resolves.toMatch(/^Code expires in 0:0[1-3]$/);
    const seen = new Set<string>();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const text = (await countdown.textContent()) ?? '';
      seen.add(text);
      if (text === 'This code has expired') break;
      await watched.page.waitForTimeout(100);
    }
    expect(seen).toContain('Code expires in 0:01');
    expect(seen).toContain('This code has expired');
    expect(watched.problems).toEqual([]);
  });

  it('opens Action.OpenUrl in a new tab with no opener and no referrer', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow);
    await startSignIn(watched);

    // The renderer gives Action.OpenUrl the link role.
    await watched.page.getByRole('link', { name: 'Open the sign-in page' }).click();
    const [popup] = await waitForPopups(watched, 1);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${fake.url}/landing?from=code`);
    await expect(popup.evaluate(() => ({ opener: window.opener, referrer: document.referrer }))).resolves.toEqual({ opener: null, referrer: '' });
    expect(fake.landingReferers.at(-1)).toBeUndefined();
    expect(watched.problems).toEqual([]);
  });

  it('shows the error of a refused action and keeps the card usable', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow);
    await startSignIn(watched);

    await watched.page.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => expect(await watched.page.locator('#ta-alert').textContent()).toBe('Sign-in is already under way and cannot be cancelled from here.'));
    expect(flow.posted.at(-1)).toEqual({ verb: 'signin.cancel', reason: 'changed my mind' });
    await expect(watched.page.getByRole('button', { name: 'Cancel' }).isEnabled()).resolves.toBe(true);
    await expect(watched.page.getByRole('button', { name: 'Copy code' }).isEnabled()).resolves.toBe(true);
    await saveScreenshot(watched.page, 'invite-error-desktop');
    // A polled update does not wipe the explanation while the card stays the same.
    const reads = flow.stateReads;
    await eventually(() => expect(flow.stateReads).toBeGreaterThan(reads + 1));
    await expect(watched.page.locator('#ta-alert').textContent()).resolves.toMatch(/cannot be cancelled/);
    // Refused requests print a console error in chromium; they are expected here.
    expect(watched.problems.filter((line) => !/status of 409/.test(line))).toEqual([]);
  });

  it('says the link no longer works once the state endpoint answers gone, and stops polling', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow);
    await startSignIn(watched);

    flow.gone = true;
    await watched.page.locator('#ta-card').getByText('This link no longer works').waitFor();
    await expect(watched.page.locator('#ta-announce').textContent()).resolves.toBe('This link no longer works');
    await expect(watched.page.locator('#userCode').count()).resolves.toBe(0);
    const reads = flow.stateReads;
    await watched.page.waitForTimeout(600);
    expect(flow.stateReads).toBe(reads);
    expect(watched.problems.filter((line) => !/status of 404/.test(line))).toEqual([]);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const flow = fake.newFlow();
    const watched = await openInvitation(flow, { viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await saveScreenshot(watched.page, 'invite-start-phone');
    await startSignIn(watched);
    await saveScreenshot(watched.page, 'invite-code-phone');

    const widths = await watched.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(watched.problems).toEqual([]);
  });

  it('notices inline script and style blocked by the policy (the check above can fail)', async () => {
    const watched = await chromium.newPage();
    opened.push(watched);
    await watched.page.goto(`${fake.url}/csp-probe`);
    await eventually(() => expect(watched.problems.filter((line) => line.startsWith('CSP violation'))).toHaveLength(2));
    expect(watched.problems.join('\n')).toMatch(/CSP violation .*: style-src-attr blocked inline/);
    expect(watched.problems.join('\n')).toMatch(/CSP violation .*: script-src-elem blocked inline/);
    await expect(watched.page.title()).resolves.toBe('probe');
  });

  it('serves a plain page for an unknown link, without script', async () => {
    const watched = await chromium.newPage();
    opened.push(watched);
    const response = await watched.page.goto(`${fake.url}/invite/nope`);
    expect(response?.status()).toBe(404);
    await watched.page.getByText('This link does not work').waitFor();
    await expect(watched.page.locator('script').count()).resolves.toBe(0);
    await saveScreenshot(watched.page, 'invite-unknown-desktop');
    expect(watched.problems.filter((line) => !/status of 404/.test(line))).toEqual([]);
  });
});
