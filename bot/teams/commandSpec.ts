import type { TurnContext } from 'botbuilder';
import type { CardAttachment } from '../../cards';
import type { Parsed } from '../../src/domain/inputs';
import type { Actor, Role } from '../../src/domain/staff';
import type { BotServices } from './services';

export interface CommandTurn {
  readonly services: BotServices;
  readonly actor: Actor;
  readonly role: Role;
  readonly requestKey: string;
  readonly context: TurnContext;
}

/** One chat command: its words, who may run it, how its arguments parse, and what it does. */
export interface CommandSpec<I = unknown> {
  readonly name: string;
  readonly usage: string;
  readonly description: string;
  readonly role: Role;
  parse(args: readonly string[]): Parsed<I>;
  run(turn: CommandTurn, input: I): Promise<CardAttachment>;
}

/** Erases the input type so specs of different inputs fit in one table. */
export const command = <I>(spec: CommandSpec<I>): CommandSpec<unknown> => spec as CommandSpec<unknown>;

export function noArguments(args: readonly string[]): Parsed<void> {
  return args.length === 0 ? { ok: true, value: undefined } : { ok: false, message: `This command takes no arguments (got "${args.join(' ').slice(0, 40)}").` };
}
