import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/** Debian's chromium (`apt-get update && apt-get install -y chromium`); Playwright cannot download browsers here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_INSTALL_HINT = 'apt-get update && apt-get install -y chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const chromiumPresent = existsSync(CHROMIUM_PATH);
// Set by CI systems; there a missing browser must fail the run, not silently skip it.
const inCi = Boolean(process.env.CI);

/**
 * `describe` for suites that need the browser. Without chromium on a developer machine the suite is
 * skipped with a message saying how to install it; in CI (`CI` set) it runs and fails at launch.
 */
export const describeInBrowser: jest.Describe = chromiumPresent || inCi ? describe : describe.skip;

if (!chromiumPresent && !inCi) {
  // eslint-disable-next-line no-console
  console.warn(`Browser tests skipped: ${CHROMIUM_PATH} is missing. Install it with: ${CHROMIUM_INSTALL_HINT}`);
}

/** A page (and its context) whose console output, uncaught errors, CSP violations and failed requests are written down. */
export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** One line per problem, in order, from every page of the context (popups too): a clean run leaves it empty. */
  readonly problems: string[];
  /** Pages the context opened after the first one (window.open, target=_blank), in order. */
  readonly popups: Page[];
  close(): Promise<void>;
}

export interface ChromiumSession {
  readonly browser: Browser;
  /** A fresh, isolated context with one page. */
  newPage(options?: BrowserContextOptions): Promise<WatchedPage>;
  close(): Promise<void>;
}

/*
 * The CSP report of a violation also reaches the console, but the DOM event names the directive
 * and the blocked resource exactly, and fires for things that print nothing (e.g. a blocked style).
 */
const REPORT_CSP_VIOLATIONS = `
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__reportCspViolation(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber);
  });
`;

function watch(page: Page, problems: string[]): void {
  const where = () => page.url();
  page.on('console', (message) => {
    if (message.type() === 'debug') return;
    const source = message.location().url;
    problems.push(`console.${message.type()} on ${where()}: ${message.text()}${source && source !== where() ? ` (${source})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught error on ${where()}: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'unknown';
    // Closing a page aborts its pending requests (an in-flight poll); that is not the page's fault.
    if (failure === 'net::ERR_ABORTED') return;
    problems.push(`request failed on ${where()}: ${request.method()} ${request.url()}: ${failure}`);
  });
}

/**
 * Starts Debian chromium through playwright-core. Playwright gives every launch a fresh temporary
 * user-data-dir (and removes it on close), so no profile state leaks between runs.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  if (!chromiumPresent) {
    throw new Error(`${CHROMIUM_PATH} is missing. Install it with: ${CHROMIUM_INSTALL_HINT}`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const contexts = new Set<BrowserContext>();
  return {
    browser,
    async newPage(options?: BrowserContextOptions): Promise<WatchedPage> {
      const context = await browser.newContext(options);
      contexts.add(context);
      const problems: string[] = [];
      const popups: Page[] = [];
      await context.exposeBinding('__reportCspViolation', ({ page }, line: string) => {
        problems.push(`CSP violation on ${page.url()}: ${line}`);
      });
      await context.addInitScript(REPORT_CSP_VIOLATIONS);
      const page = await context.newPage();
      watch(page, problems);
      context.on('page', (opened) => {
        if (opened === page) return;
        popups.push(opened);
        watch(opened, problems);
      });
      return {
        page,
        context,
        problems,
        popups,
        async close() {
          contexts.delete(context);
          await context.close();
        },
      };
    },
    async close() {
      await Promise.all([...contexts].map((context) => context.close().catch(() => undefined)));
      await browser.close();
    },
  };
}

/** Saves a full-page screenshot under the temp directory and returns its path, to look at after a run. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(tmpdir(), 'tenant-access-screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits until `popups` has `count` entries (window.open lands asynchronously). */
export async function waitForPopups(watched: WatchedPage, count: number, timeoutMs = 5000): Promise<Page[]> {
  const deadline = Date.now() + timeoutMs;
  while (watched.popups.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} popup(s), saw ${watched.popups.length}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return watched.popups.slice(0, count);
}

/**
 * Retries an assertion until it passes or time runs out, then throws its last failure. For page
 * state that settles asynchronously (polling, timers), with jest's own matchers inside.
 */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 5000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
