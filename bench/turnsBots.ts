import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOOR_REPLY } from './benchActivity';
import { BotProcess, ROOT, startBotProcess } from './botProcess';
import type { CountingConnectorService } from './countingConnectorService';
import { ADMIN_EMAIL, exchange, seedAndCheck, STATUS_TEXT } from './seeding';

/**
 * The bots bench/turns measures, started and checked: which processes serve which route. In the
 * order rounds run them: the floor sits beside both status and the stack floor, compare beside status.
 */
export const ROUTE_NAMES = ['echo', 'stack', 'floor', 'status', 'compare'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

/** One process serving a route, and where. */
export interface Server {
  readonly url: string;
  readonly bot: BotProcess;
}

export interface Route {
  readonly name: RouteName;
  /** The same bot in `instances` processes; round r runs on process (r - 1) mod N + 1. */
  readonly servers: readonly Server[];
  /** What a correct reply contains; checked on the last reply of each run. */
  readonly replyMarker: string;
}

/** Which routes each bot serves: a bot is started when one of its routes is chosen (the stack floor needs the product's card). */
const ROUTES_OF = {
  product: ['status', 'echo', 'stack'],
  floor: ['floor'],
  stack: ['stack'],
  compare: ['compare'],
} as const satisfies Record<string, readonly RouteName[]>;

const needs = (chosen: readonly RouteName[], bot: keyof typeof ROUTES_OF) => ROUTES_OF[bot].some((name: RouteName) => chosen.includes(name));

export interface RouteBotsOptions {
  readonly chosen: readonly RouteName[];
  readonly instances: number;
  /** A git revision whose product serves the `compare` route. */
  readonly compare?: string;
}

export interface RouteBots {
  readonly routes: ReadonlyMap<RouteName, Route>;
  /** "bot under test 12 13 14, floor bot …", for the output. */
  readonly processes: string;
  /** The compared revision as the output names it. */
  readonly compareLabel?: string;
}

/**
 * Starts the bots the chosen routes need, `instances` processes of each, one after the other (two
 * ts-node starts side by side on 2 cores take longer). Every process goes into `bots` as soon as it
 * is ready, so the caller stops it whatever fails later; worktrees go into `cleanups`.
 */
export async function startRouteBots(options: RouteBotsOptions, connector: CountingConnectorService, bots: BotProcess[], cleanups: (() => void)[]): Promise<RouteBots> {
  const { chosen, instances } = options;
  const start = async (name: string, script: string, env: Record<string, string> = {}, root?: string): Promise<BotProcess[]> => {
    const started: BotProcess[] = [];
    for (let i = 1; i <= instances; i += 1) {
      const bot = await startBotProcess(instances > 1 ? `${name} #${i}` : name, script, env, 60_000, root);
      bots.push(bot);
      started.push(bot);
    }
    return started;
  };

  const products = needs(chosen, 'product') ? await start('bot under test', 'bench/productBot.ts') : [];
  const floors = needs(chosen, 'floor') ? await start('floor bot', 'bench/floorBot.ts') : [];
  const tree = needs(chosen, 'compare') && options.compare !== undefined ? comparedTree(options.compare, cleanups) : undefined;
  const compared = tree ? await start(`compared ${tree.label}`, 'bench/productBot.ts', {}, tree.tree) : [];

  const problems: string[] = [];
  for (const bot of [...products, ...compared]) {
    problems.push(...(await seedAndCheck(String(bot.ready.statusUrl), String(bot.ready.echoUrl), connector)).map((p) => `${bot.name}: ${p}`));
  }
  if (problems.length > 0) throw new Error(`the bots do not answer as the benchmark expects:\n  ${problems.join('\n  ')}`);
  const card = needs(chosen, 'stack') ? await statusCardOf(String(products[0].ready.statusUrl), connector) : undefined;
  const stacks = card ? await start('stack floor bot', 'bench/stackFloorBot.ts', { STACK_FLOOR_CARD: card }) : [];
  problems.push(...(await replyProblems(stacks, connector, (reply) => cardOf(reply) === card, 'the status card the product sent')));
  problems.push(...(await replyProblems(floors, connector, (reply) => reply.includes(FLOOR_REPLY), `"${FLOOR_REPLY}"`)));
  if (problems.length > 0) throw new Error(`the bots do not answer as the benchmark expects:\n  ${problems.join('\n  ')}`);

  const serving = (list: readonly BotProcess[], key: 'statusUrl' | 'echoUrl'): Server[] => list.map((bot) => ({ bot, url: String(bot.ready[key]) }));
  const all: Route[] = [
    { name: 'floor', servers: serving(floors, 'statusUrl'), replyMarker: FLOOR_REPLY },
    { name: 'stack', servers: serving(stacks, 'statusUrl'), replyMarker: ADMIN_EMAIL },
    { name: 'status', servers: serving(products, 'statusUrl'), replyMarker: ADMIN_EMAIL },
    { name: 'echo', servers: serving(products, 'echoUrl'), replyMarker: `"text":"${STATUS_TEXT}"` },
    { name: 'compare', servers: serving(compared, 'statusUrl'), replyMarker: ADMIN_EMAIL },
  ];
  const routes = new Map(all.filter((route) => chosen.includes(route.name)).map((route) => [route.name, route] as const));
  for (const name of chosen) if (!routes.get(name)?.servers.length) throw new Error(`no process serves the ${name} route`);

  const pids = (what: string, list: readonly BotProcess[]) => (list.length ? [`${what} ${list.map((b) => b.pid).join(' ')}`] : []);
  const processes = [...pids('bot under test', products), ...pids('floor bot', floors), ...pids('stack floor', stacks), ...pids(`compared (${tree?.label})`, compared)].join(', ');
  return { routes, processes, compareLabel: tree?.label };
}

/** How many kinds of bot the chosen routes start (status and echo share the product's processes). */
export function botKindsFor(chosen: readonly RouteName[]): number {
  return (Object.keys(ROUTES_OF) as (keyof typeof ROUTES_OF)[]).filter((bot) => needs(chosen, bot)).length;
}

/**
 * The product at another git revision, from a temporary worktree that shares this tree's
 * node_modules (so a revision with other dependencies is refused by its own start, not mixed in).
 */
function comparedTree(revision: string, cleanups: (() => void)[]): { tree: string; label: string } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  // In a clone a branch of the repository is origin's (the experiment branches docs/BENCHMARKS.md names).
  const resolve = (name: string) => {
    try {
      return git('rev-parse', '--verify', '--quiet', `${name}^{commit}`);
    } catch {
      return '';
    }
  };
  const commit = resolve(revision) || resolve(`origin/${revision}`);
  if (!commit) throw new Error(`--compare: no commit "${revision}" (nor origin/${revision}) in this repository`);
  const tree = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  git('worktree', 'add', '--detach', '--force', tree, commit);
  cleanups.push(() => {
    try {
      git('worktree', 'remove', '--force', tree);
    } catch {
      rmSync(tree, { recursive: true, force: true });
    }
  });
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  return { tree, label: `${revision} (${commit.slice(0, 7)})` };
}

/** The first attachment's content of a reply the connector received, as JSON (undefined without one). */
function cardOf(reply: string): string | undefined {
  try {
    const content = (JSON.parse(reply) as { attachments?: { content?: unknown }[] }).attachments?.[0]?.content;
    return content === undefined ? undefined : JSON.stringify(content);
  } catch {
    return undefined;
  }
}

/** The status card the product answers now, for the stack floor (bench/stackFloorBot.ts) to send. */
async function statusCardOf(statusUrl: string, connector: CountingConnectorService): Promise<string> {
  const { reply } = await exchange(statusUrl, connector, STATUS_TEXT);
  const card = cardOf(reply);
  if (!card) throw new Error(`the product's status reply has no card to hand the stack floor: ${reply.slice(0, 300)}`);
  return card;
}

/** One `status` message to each bot: what is wrong with the replies that are not `expected`. */
async function replyProblems(bots: readonly BotProcess[], connector: CountingConnectorService, isRight: (reply: string) => boolean, expected: string): Promise<string[]> {
  const problems: string[] = [];
  for (const bot of bots) {
    const answer = await exchange(String(bot.ready.statusUrl), connector, STATUS_TEXT);
    if (answer.status !== 200 || !isRight(answer.reply)) problems.push(`${bot.name}: the reply is not ${expected}: ${answer.status} ${answer.reply.slice(0, 300) || 'no reply'}`);
  }
  return problems;
}
