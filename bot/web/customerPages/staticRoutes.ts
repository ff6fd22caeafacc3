import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Route } from '../server';
import { securityHeaders, STATIC_ASSET_PATHS } from './pageShell';

interface StaticAsset {
  readonly urlPath: string;
  readonly file: string;
  readonly contentType: string;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The directory holding package.json: the same answer from `bot/` (ts-node, jest) and `dist/bot/` (tsc build). */
function projectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`invitation page: no package.json above ${start}`);
  }
}

/** tsc does not copy .js/.css files, so a build in dist/ finds them in the source tree instead. */
function pageAssetFile(name: string): string {
  const candidates = [path.join(__dirname, 'static', name), path.join(projectRoot(__dirname), 'bot', 'web', 'customerPages', 'static', name)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`invitation page asset ${name} is missing; looked in ${candidates.join(', ')}`);
  return found;
}

function assets(): StaticAsset[] {
  return [
    { urlPath: STATIC_ASSET_PATHS.script, file: pageAssetFile('invitePage.js'), contentType: JAVASCRIPT },
    { urlPath: STATIC_ASSET_PATHS.stylesheet, file: pageAssetFile('invitePage.css'), contentType: CSS },
    // The minified UMD bundle defines `window.AdaptiveCards` and needs no eval (fits `script-src 'self'`).
    { urlPath: STATIC_ASSET_PATHS.adaptiveCards, file: require.resolve('adaptivecards/dist/adaptivecards.min.js'), contentType: JAVASCRIPT },
  ];
}

function serveOnce(asset: StaticAsset): Route {
  let body: Buffer | undefined;
  return {
    method: 'get',
    path: asset.urlPath,
    handler: async (_req, res) => {
      body ??= readFileSync(asset.file);
      res.writeHead(200, { ...securityHeaders(), 'Content-Type': asset.contentType, 'Content-Length': String(body.length) });
      res.end(body);
    },
  };
}

/**
 * The invitation page's script, stylesheet and the Adaptive Cards renderer. Files are located now,
 * so a deployment without them fails at start rather than serving a blank page, and read at the
 * first request, then kept in memory.
 */
export function staticRoutes(): Route[] {
  return assets().map(serveOnce);
}
