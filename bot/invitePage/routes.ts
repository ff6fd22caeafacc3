import type { Route } from '../server';
import type { BotServices } from '../services';

/** The customer-facing invitation page. Placeholder until the sign-in flow lands. */
export function invitePageRoutes(_services: BotServices): Route[] {
  return [
    {
      method: 'get',
      path: '/invite/:token',
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end('<!doctype html><title>Tenant Access</title><p>This invitation page is not available yet.</p>');
      },
    },
  ];
}
