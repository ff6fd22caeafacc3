import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The layers' import rules (docs/ARCHITECTURE.md), checked on every source file:
 * - src/domain imports nothing outside itself;
 * - src/usecases imports only src/domain, its own ports and the cross-cutting modules (clock,
 *   random, deadline, log) — never @azure/*, botbuilder, @microsoft/teams-ai, restify,
 *   src/adapters or src/local;
 * - src/ never imports bot/ or cards/, nor botbuilder or teams-ai;
 * - only bot/compose imports src/adapters and src/local, and src/local only with a dynamic import;
 * - bot/teams and bot/web call use cases, never repositories (src/adapters/cosmos).
 * Exceptions are listed below by file and import, each with the step that removes it.
 */

const ROOT = join(__dirname, '..');
const posix = (p: string) => p.split(sep).join('/');

interface ImportSite {
  file: string;
  target: string;
  dynamic: boolean;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [posix(path)] : [];
  });
}

/** Every import of a file: a project path (`src/domain/invitation`) or a package name (`@azure/cosmos`). */
export function importsOf(file: string): ImportSite[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: ImportSite[] = [];
  const add = (specifier: string, dynamic: boolean, typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? posix(relative(ROOT, resolve(ROOT, dirname(file), specifier))) : specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    found.push({ file, target, dynamic, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? Boolean(node.importClause?.isTypeOnly) : node.isTypeOnly;
      add(node.moduleSpecifier.text, false, typeOnly);
    }
    if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0].text, true, false);
      if (ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node.arguments[0].text, false, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const under = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}/`);
const CROSS_CUTTING = ['src/clock', 'src/random', 'src/deadline', 'src/log'];
const SDKS = ['@azure/cosmos', '@azure/msal-node', '@azure/identity', 'botbuilder', 'botframework-connector', '@microsoft/teams-ai', 'restify'];

interface Rule {
  name: string;
  applies: (file: string) => boolean;
  forbids: (site: ImportSite) => boolean;
}

const RULES: Rule[] = [
  {
    name: 'src/domain imports nothing outside itself',
    applies: under('src/domain'),
    forbids: (s) => (s.target.startsWith('src/') || s.target.startsWith('bot/') || s.target.startsWith('cards/')) && !under('src/domain')(s.target),
  },
  {
    name: 'src/usecases imports only src/domain, its ports and the cross-cutting modules',
    applies: under('src/usecases'),
    forbids: (s) =>
      SDKS.includes(s.target) ||
      (s.target.startsWith('src/') && !under('src/domain')(s.target) && !under('src/usecases')(s.target) && !CROSS_CUTTING.includes(s.target)),
  },
  {
    name: 'src/ never imports bot/, cards/, botbuilder or teams-ai',
    applies: under('src'),
    forbids: (s) => under('bot')(s.target) || under('cards')(s.target) || ['botbuilder', 'botframework-connector', '@microsoft/teams-ai'].includes(s.target),
  },
  {
    name: 'only bot/compose imports src/adapters and src/local (src/local lazily)',
    applies: (file) => !under('src/adapters')(file) && !under('src/local')(file) && !under('bot/compose')(file),
    forbids: (s) => under('src/adapters')(s.target) || (under('src/local')(s.target) && !s.typeOnly),
  },
  {
    name: 'bot/compose loads src/local with a dynamic import only',
    applies: under('bot/compose'),
    forbids: (s) => under('src/local')(s.target) && !s.dynamic && !s.typeOnly,
  },
];

/**
 * Where a rule cannot hold yet: the use cases still name repository classes (and the secret box,
 * the token cache store) until step 2 of the reshape gives them ports; the Teams handlers still read
 * a few repositories (step 3 makes BotServices expose use cases only). `file → imports`.
 */
const EXCEPTIONS: Record<string, readonly string[]> = {};

function violations(): string[] {
  const files = ['src', 'bot'].flatMap(sourceFiles);
  const out: string[] = [];
  for (const file of files) {
    for (const site of importsOf(file)) {
      for (const rule of RULES) {
        if (!rule.applies(file) || !rule.forbids(site)) continue;
        if (EXCEPTIONS[file]?.includes(site.target)) continue;
        out.push(`${file} → ${site.target}: ${rule.name}`);
      }
    }
  }
  return out;
}

describe('the layers', () => {
  it('keeps every import rule, but for the listed exceptions', () => {
    expect(violations()).toEqual([]);
  });

  it('lists no exception that is no longer needed', () => {
    const files = ['src', 'bot'].flatMap(sourceFiles);
    const stale = Object.entries(EXCEPTIONS).flatMap(([file, targets]) =>
      targets.filter((target) => !files.includes(file) || !importsOf(file).some((s) => s.target === target)).map((t) => `${file} → ${t}`),
    );
    expect(stale).toEqual([]);
  });

  it('sees imports the way the rules need (so the scan itself can fail)', () => {
    const own = importsOf('test/architecture.test.ts');
    expect(own.map((s) => s.target)).toEqual(expect.arrayContaining(['node:fs', 'typescript']));
    const compose = ['bot/compose/store.ts', 'bot/compose/identity.ts'].flatMap(importsOf);
    expect(compose.filter((s) => under('src/local')(s.target) && s.dynamic).map((s) => s.target)).toEqual(['src/local/embeddedCosmos', 'src/local/identitySimulator', 'src/local/localCaCache']);
  });
});
