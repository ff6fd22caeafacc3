/**
 * Reading Adaptive Cards the way a person does, for tests: their text, facts, title and buttons.
 * Kept apart from the bot harness so suites that run the bot in another process need not load it.
 */
export type AdaptiveCardJson = Record<string, unknown>;

export interface CardAction {
  readonly type: string;
  readonly title: string;
  readonly verb?: string;
  readonly url?: string;
  readonly data?: Record<string, unknown>;
  readonly fallback?: { type: string; data?: Record<string, unknown> };
}

export function cardActions(card: AdaptiveCardJson | undefined): CardAction[] {
  return (card?.actions as CardAction[] | undefined) ?? [];
}

/** Every string in the card, one per line: what a person can read on it. */
export function cardText(card: AdaptiveCardJson | undefined): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string' || typeof node === 'number') out.push(String(node));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(card);
  return out.join('\n');
}

/** The FactSet entries of a card, title → value. */
export function cardFacts(card: AdaptiveCardJson | undefined): Record<string, string> {
  const facts: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as { type?: unknown; facts?: { title: string; value: string }[] };
      if (n.type === 'FactSet') for (const f of n.facts ?? []) facts[f.title] = String(f.value);
      else Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return facts;
}

/** The title of a card: its first TextBlock. */
export function cardTitle(card: AdaptiveCardJson | undefined): string | undefined {
  const first = (card?.body as { type?: string; text?: string }[] | undefined)?.find((b) => b.type === 'TextBlock');
  return first?.text;
}

/** The element with this `id` anywhere in the card's body. */
export function cardElement(card: AdaptiveCardJson | undefined, id: string): { text?: string } | undefined {
  let found: { text?: string } | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if ((node as { id?: unknown }).id === id) found = node as { text?: string };
      else Object.values(node).forEach(walk);
    }
  };
  walk(card?.body);
  return found;
}
