import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { unpackBundledChromium } from './bundledChromium';

/**
 * Which chromium the browser tests drive, in this order:
 * 1. `CHROMIUM_PATH=/path/to/chromium`: that one (it must exist);
 * 2. `chromium` on the PATH (Debian's `/usr/bin/chromium`, if installed);
 * 3. the one shipped in the `@sparticuz/chromium` devDependency, unpacked once into the temp folder.
 * `CHROMIUM_PATH=bundled` skips the system lookup, to try 3 on a machine that has 2.
 * A browser is always found, so the browser suites never skip.
 */
export interface ChromiumChoice {
  readonly source: 'CHROMIUM_PATH' | 'system' | 'bundled';
  readonly executablePath: string;
  /** Added to the browser's environment (the bundled one brings its own libraries and fonts). */
  readonly env: Record<string, string>;
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const wanted = env.CHROMIUM_PATH;
  if (wanted && wanted !== 'bundled') {
    if (!existsSync(wanted)) throw new Error(`CHROMIUM_PATH=${wanted} does not exist (unset it to use the system chromium or the bundled one)`);
    return { source: 'CHROMIUM_PATH', executablePath: wanted, env: {} };
  }
  const system = wanted === 'bundled' ? undefined : onPath('chromium', env.PATH ?? '');
  if (system) return { source: 'system', executablePath: system, env: {} };
  const bundled = await unpackBundledChromium();
  return { source: 'bundled', executablePath: bundled.executablePath, env: bundled.env };
}

function onPath(command: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

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

/** `describe` for suites that need the browser. Kept as a name for them: a browser is always found now. */
export const describeInBrowser: jest.Describe = describe;

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
 * Starts chromium (see `findChromium`) through playwright-core. Playwright gives every launch a fresh
 * temporary user-data-dir (and removes it on close), so no profile state leaks between runs.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  const found = await findChromium();
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...found.env },
  });
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
