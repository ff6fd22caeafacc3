import { personalMessage } from './benchActivity';
import type { CountingConnectorService } from './countingConnectorService';

/**
 * What the bench says to the bot under test and how it checks the answers, from any process (the
 * driver of bench/turns seeds the bot in another process over HTTP). Nothing of the bot is loaded.
 */

export const TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const ADMIN_EMAIL = 'admin@contoso.onmicrosoft.com';
export const ECHO_PATH = '/bench/echo';
export const STATUS_TEXT = `status ${TENANT_DOMAIN}`;

/** One request through a route; the turn has replied by the time the HTTP answer arrives. */
export async function exchange(url: string, connector: CountingConnectorService, text: string): Promise<{ status: number; reply: string }> {
  const before = connector.count();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(personalMessage(connector.serviceUrl, text)) });
  await response.arrayBuffer();
  return { status: response.status, reply: connector.count() > before ? connector.lastBody() ?? '' : '' };
}

/**
 * Seeds one customer tenant with an invitation the way staff would, then proves both routes answer
 * as meant. From any process: the connector stand-in must be the one in `connector.serviceUrl`.
 */
export async function seedAndCheck(statusUrl: string, echoUrl: string, connector: CountingConnectorService): Promise<string[]> {
  const problems: string[] = [];
  const invite = await exchange(statusUrl, connector, `invite ${TENANT_DOMAIN} ${ADMIN_EMAIL}`);
  if (invite.status !== 200 || !invite.reply.includes(ADMIN_EMAIL)) problems.push(`seeding: invite answered ${invite.status} with ${invite.reply.slice(0, 300) || 'no reply'}`);

  const status = await exchange(statusUrl, connector, STATUS_TEXT);
  if (status.status !== 200 || !status.reply.includes(TENANT_DOMAIN) || !status.reply.includes(ADMIN_EMAIL) || /Unknown tenant|Something went wrong/.test(status.reply)) {
    problems.push(`status reply is not the tenant card: ${status.status} ${status.reply.slice(0, 300) || 'no reply'}`);
  }
  const echo = await exchange(echoUrl, connector, STATUS_TEXT);
  if (echo.status !== 200 || !echo.reply.includes(`"text":"${STATUS_TEXT}"`)) problems.push(`echo reply is not the text: ${echo.status} ${echo.reply.slice(0, 300) || 'no reply'}`);
  return problems;
}

