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

type Run = { text?: unknown; weight?: unknown };

/**
 * A RichTextBlock reads as one line: its TextRuns one after the other. With `emphasis`, a bold run
 * among plain ones reads as the markdown it came from (**word**), as a TextBlock's text does.
 */
function richText(node: unknown, emphasis = false): string | undefined {
  const n = node as { type?: unknown; inlines?: unknown } | null;
  if (n?.type !== 'RichTextBlock' || !Array.isArray(n.inlines)) return undefined;
  const runs = n.inlines.map((r): Run => (typeof r === 'string' ? { text: r } : (r as Run)));
  const mixed = runs.some((r) => r.weight === 'Bolder') && runs.some((r) => r.weight !== 'Bolder');
  return runs.map((r) => (emphasis && mixed && r.weight === 'Bolder' ? `**${String(r.text ?? '')}**` : String(r.text ?? ''))).join('');
}

/** What a text element says: a TextBlock's text, or a RichTextBlock's runs joined. */
export function textOf(node: unknown): string | undefined {
  const rich = richText(node);
  if (rich !== undefined) return rich;
  const n = node as { type?: unknown; text?: unknown } | null;
  return n?.type === 'TextBlock' && typeof n.text === 'string' ? n.text : undefined;
}

/** Every string in the card, one per line: what a person can read on it. */
export function cardText(card: AdaptiveCardJson | undefined): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    const rich = richText(node, true);
    if (rich !== undefined) out.push(rich);
    else if (typeof node === 'string' || typeof node === 'number') out.push(String(node));
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
      const n = node as { type?: unknown; facts?: { title: string; value: string }[]; columns?: { items?: unknown[] }[] };
      const row = n.type === 'ColumnSet' && n.columns?.length === 2 ? n.columns.map((c) => (c.items?.length === 1 ? richText(c.items[0]) : undefined)) : undefined;
      if (n.type === 'FactSet') for (const f of n.facts ?? []) facts[f.title] = String(f.value);
      // A FactSet holding text from outside is drawn as title/value rows of TextRuns.
      else if (row && row[0] !== undefined && row[1] !== undefined) facts[row[0]] = row[1];
      else Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return facts;
}

/** The title of a card: its first text element. */
export function cardTitle(card: AdaptiveCardJson | undefined): string | undefined {
  for (const b of (card?.body as unknown[] | undefined) ?? []) {
    const text = textOf(b);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The element with this `id` anywhere in the card's body. */
export function cardElement(card: AdaptiveCardJson | undefined, id: string): { text?: string } | undefined {
  let found: { text?: string } | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if ((node as { id?: unknown }).id === id) found = richText(node) !== undefined ? { ...(node as object), text: richText(node) } : (node as { text?: string });
      else Object.values(node).forEach(walk);
    }
  };
  walk(card?.body);
  return found;
}
