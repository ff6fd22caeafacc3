import { quoted } from '../../src/domain/plainText';
import { withArticle } from './views';
import { CardAttachment, renderMessage } from '../../cards';
import type { Authorization } from '../../src/usecases/staff/authorizeStaff';
import type { Actor } from '../../src/domain/staff';

export function refusal(auth: Extract<Authorization, { ok: false }>, actor: Actor, providerName: string, commandName: string, needed: string): CardAttachment {
  switch (auth.reason) {
    case 'not-provider-tenant':
      return renderMessage({ title: 'Not available to you', text: `Tenant Access serves ${quoted(providerName)} staff only, and your account belongs to another organization.`, tone: 'attention' });
    case 'no-role':
      return renderMessage({
        title: 'You have no Tenant Access role yet',
        text: `Ask a Tenant Access admin to run **staff add ${actor.aadObjectId || '<your object id>'} viewer** (or operator). Until then the bot cannot act for you.`,
        tone: 'attention',
      });
    case 'insufficient-role':
      return renderMessage({ title: 'Not allowed', text: `**${commandName}** needs the ${needed} role; you are ${withArticle(auth.role ?? '')}. Ask an admin if you need more.`, tone: 'attention' });
  }
}

export function apology(correlationId: string): CardAttachment {
  return renderMessage({
    title: 'Something went wrong on our side',
    text: 'Nothing you did caused this. Trying again is safe: nothing is ever done twice. If it keeps happening, give this reference to your Tenant Access admin.',
    tone: 'attention',
    correlationId,
  });
}
