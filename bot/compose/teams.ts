import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Application } from '@microsoft/teams-ai/lib/Application';
import type { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { Random } from '../../src/random';
import { createEntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import type { ConversationStore } from '../../src/usecases/ports';
import { createAdapter } from '../teams/adapter';
import { botCredentialsFactory } from '../teams/botCredentials';
import { BotNotifier } from '../teams/notifier';
import type { Closers } from './closers';

export interface TeamsOverrides {
  readonly credentialsFactory?: ServiceClientCredentialsFactory;
  readonly openIdMetadataUrl?: string;
}

/** The Bot Framework adapter (with the bot's own outbound credentials) and the proactive notifier. */
export function composeTeamsAdapter(config: Config, logger: Logger, random: Random, conversations: ConversationStore, overrides: TeamsOverrides, closers: Closers) {
  const openIdMetadataUrl = overrides.openIdMetadataUrl ?? config.bot?.openIdMetadataUrl;
  let credentialsFactory = overrides.credentialsFactory;
  if (config.bot && !credentialsFactory) {
    const botNetwork = createEntraNetworkClient({ logger, requestTimeoutMs: config.timings.entraTimeoutMs });
    closers.push(() => botNetwork.close());
    credentialsFactory = botCredentialsFactory(config.bot, botNetwork);
  }
  const adapter: TeamsAdapter = createAdapter({ config, logger, random, credentialsFactory, openIdMetadataUrl });
  const botAppId = config.bot?.id ?? '';
  return { adapter, botAppId, openIdMetadataUrl, notifier: new BotNotifier(adapter, botAppId, conversations, logger) };
}

export type TeamsApp = Application<TurnState>;
