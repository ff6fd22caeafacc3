import { CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
// Deep imports: the package index also loads its AI planners, OpenAI client and tokenizers (tens of MB) we never use.
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { Random } from '../../src/random';
import { botFrameworkAuthenticationOptions } from '../web/inboundAuth';
import { apology } from '../presentation/replies';
import { isPersonalChat } from './turnActor';

export interface AdapterOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly random: Random;
  /** Tests: outbound credentials that work offline. */
  readonly credentialsFactory?: ServiceClientCredentialsFactory;
  /** Tests: where the channel's signing keys are published. */
  readonly openIdMetadataUrl?: string;
}

/**
 * The Bot Framework adapter. Without BOT_ID (local mode) it neither checks inbound tokens nor
 * sends outbound ones. Its last-resort error handler logs with a correlation id and apologizes
 * in 1:1 chats only — never the error text, never a 500 to a channel.
 */
export function createAdapter({ config, logger, random, credentialsFactory, openIdMetadataUrl }: AdapterOptions): TeamsAdapter {
  const adapter = config.bot
    ? new TeamsAdapter(
        {
          ...botFrameworkAuthenticationOptions({ botId: config.bot.id, botType: config.bot.type, botTenantId: config.bot.tenantId, openIdMetadataUrl }),
          MicrosoftAppPassword: config.bot.password,
        },
        credentialsFactory,
      )
    : new TeamsAdapter(undefined, credentialsFactory);

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const correlationId = random.correlationId();
    logger.error({ event: 'turn.error', correlationId, err: error, activityType: context.activity.type }, 'unhandled turn error');
    if (context.activity.type === 'message' && isPersonalChat(context)) {
      try {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(apology(correlationId).content)));
      } catch (sendError) {
        logger.warn({ event: 'turn.error.reply-failed', correlationId, err: sendError }, 'could not send the apology');
      }
    }
  };
  return adapter;
}
