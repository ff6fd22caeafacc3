import { escapeHtml } from '../../../src/domain/escapeHtml';

/**
 * The HTML around the customer-facing pages (invitation, consent review). The page itself is an
 * empty frame: the card comes from the state endpoint and is drawn in the browser by
 * `static/invitePage.js`, so the same JSON serves Teams and the web.
 */

/** Where the shell loads its assets from; `staticRoutes()` serves exactly these paths. */
export const STATIC_ASSET_PATHS = {
  adaptiveCards: '/static/adaptivecards.js',
  script: '/static/invitePage.js',
  stylesheet: '/static/invitePage.css',
} as const;

export interface PageShell {
  /** The browser tab title, e.g. "Contoso IT asks for access". */
  readonly title: string;
  /** GET → `{ card, pollAfterMs, countdownTo? }`, or 404 `{ gone: true }`. */
  readonly stateUrl: string;
  /** POST `{ verb, ...data }` → same as the state endpoint, or 4xx `{ error }`. */
  readonly actionsUrl: string;
  /** Who is asking, shown in the header. */
  readonly providerName: string;
}

export interface PlainPage {
  readonly title: string;
  readonly text: string;
  /** Who is asking, shown in the same header as the live pages. */
  readonly providerName?: string;
}

/**
 * No inline script or style anywhere (the CSP forbids both): the card is drawn by a same-origin
 * script and styled through the CSSOM, which `style-src 'self'` allows. `img-src data:` covers
 * images embedded in card JSON. Trusted Types are not enforced: the adaptivecards renderer creates
 * its own policies (`adaptivecards#*` and `html`), which would need listing first.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers for every answer of the customer-facing routes: pages, JSON and assets. The link in the
 * URL is a credential, so nothing is cached, nothing is sent as a referrer, nothing is indexed, and
 * no other site may frame the page or keep a window handle on it.
 */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Robots-Tag': 'noindex, nofollow',
  };
}

/** The empty `data:` icon keeps the browser from asking for /favicon.ico, which no route serves. */
function documentFrame(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STATIC_ASSET_PATHS.stylesheet}">
${head}</head>
<body>
${body}
</body>
</html>
`;
}

function header(providerName: string): string {
  return `<header class="ta-header">
  <div class="ta-header-inner">
    <span class="ta-provider" id="ta-provider">${escapeHtml(providerName)}</span>
  </div>
</header>`;
}

/**
 * The live page. The endpoints travel in data attributes because inline script is forbidden;
 * the script reads them from `#ta-app`.
 */
export function renderPageShell(shell: PageShell): string {
  const head = `<script src="${STATIC_ASSET_PATHS.adaptiveCards}" defer></script>
<script src="${STATIC_ASSET_PATHS.script}" defer></script>
`;
  const body = `${header(shell.providerName)}
<main class="ta-main" id="ta-app" data-state-url="${escapeHtml(shell.stateUrl)}" data-actions-url="${escapeHtml(shell.actionsUrl)}">
  <div class="ta-card" id="ta-card" tabindex="-1" aria-busy="true">
    <p class="ta-loading" id="ta-loading">Loading…</p>
    <noscript><p class="ta-plain-text">This page needs JavaScript to show the sign-in steps. Turn it on and reload the page.</p></noscript>
  </div>
  <p class="ta-alert" id="ta-alert" role="alert"></p>
  <p class="ta-status" id="ta-status" role="status"></p>
  <p class="ta-visually-hidden" id="ta-announce" aria-live="polite"></p>
</main>`;
  return documentFrame(shell.title, head, body);
}

/** A page without script or detail, for links that do not (or no longer) work. */
export function renderPlainPage(page: PlainPage): string {
  const body = `${page.providerName === undefined ? '' : `${header(page.providerName)}\n`}<main class="ta-main">
  <div class="ta-card ta-plain">
    <h1 class="ta-plain-title">${escapeHtml(page.title)}</h1>
    <p class="ta-plain-text">${escapeHtml(page.text)}</p>
  </div>
</main>`;
  return documentFrame(page.title, '', body);
}
