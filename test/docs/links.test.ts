import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository stands alone: a reader of a fresh clone follows every link in the README and in
 * docs/ to a file the clone has. A relative link must stay inside the repository and name a tracked
 * file (or a folder holding one), and a `#fragment` into a Markdown file must name one of its
 * headings. Links to web addresses are left alone.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const DOCUMENTS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/**
 * What a fresh clone has: the tracked files that are also on disk. Without git (an unpacked archive,
 * a PATH without it) the files on disk, outside what .gitignore keeps out of a clone.
 */
const tracked = new Set(trackedFiles());

function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter((file) => file !== '' && existsSync(path.join(ROOT, file)));
  } catch {
    const ignored = new Set(['.git', 'node_modules', 'dist', 'coverage', '.local', 'scratch', 'devTools']);
    const walk = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const file = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) return ignored.has(entry.name) ? [] : walk(file);
        return [file];
      });
    return walk('');
  }
}

/** The text outside code: fenced blocks and `inline code` hold examples, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Inline links `[text](target "title")`, images, and reference definitions `[label]: target`. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Why a link of `document` does not resolve inside the repository, or undefined when it does. */
function problemOf(document: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return /^(https?|mailto):/i.test(target) ? undefined : 'a non-web scheme';
  const [rawPath, fragment] = target.split('#', 2);
  const linkPath = decodeURIComponent(rawPath);
  if (linkPath.startsWith('/')) return 'a path from the root of a server, not of the repository';
  const resolved = linkPath === '' ? document : path.posix.normalize(path.posix.join(path.posix.dirname(document), linkPath)).replace(/\/$/, '');
  if (resolved === '..' || resolved.startsWith('../')) return 'a path outside the repository';
  const isFile = tracked.has(resolved);
  const isFolder = [...tracked].some((file) => file.startsWith(`${resolved}/`));
  if (!isFile && !isFolder) return `no such file in the repository (${resolved})`;
  if (fragment !== undefined && fragment !== '' && isFile && resolved.endsWith('.md')) {
    const anchors = headingAnchors(readFileSync(path.join(ROOT, resolved), 'utf8'));
    if (!anchors.has(fragment.toLowerCase())) return `no heading #${fragment} in ${resolved}`;
  }
  return undefined;
}

describe('links in the README and docs/', () => {
  it('checks the documents it should, and finds their links', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/ARCHITECTURE.md', 'docs/PRODUCT.md', 'docs/SECURITY.md', 'docs/LOCAL-MODE.md']));
    expect(linkTargets(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(5);
  });

  it.each(DOCUMENTS)('%s: every relative link names a file of the repository, inside it', (document) => {
    const problems = linkTargets(readFileSync(path.join(ROOT, document), 'utf8'))
      .map((target) => ({ target, problem: problemOf(document, target) }))
      .filter((link) => link.problem !== undefined)
      .map((link) => `${link.target}: ${link.problem}`);
    expect(problems).toEqual([]);
  });

  it('would catch a link out of the clone, a missing file, a bad anchor and a root path (so the check itself can fail)', () => {
    expect(problemOf('README.md', '../shared/DESIGN.md')).toBe('a path outside the repository');
    expect(problemOf('docs/PRODUCT.md', '../../shared/DESIGN.md')).toBe('a path outside the repository');
    expect(problemOf('README.md', 'docs/NOPE.md')).toMatch(/^no such file/);
    expect(problemOf('README.md', 'docs/LOCAL-MODE.md#no-such-heading')).toMatch(/^no heading/);
    expect(problemOf('README.md', '/docs/PRODUCT.md')).toMatch(/root of a server/);
    expect(problemOf('README.md', 'file:///etc/passwd')).toBe('a non-web scheme');
    expect(problemOf('README.md', 'https://learn.microsoft.com/')).toBeUndefined();
    expect(problemOf('docs/SECURITY.md', 'LOCAL-MODE.md')).toBeUndefined();
    expect(linkTargets('see `[x](nowhere.md)` and\n```\n[y](nowhere.md)\n```\n[z](here.md)')).toEqual(['here.md']);
    expect([...headingAnchors("## The customer's side\n### Try it (local)")]).toEqual(['the-customers-side', 'try-it-local']);
  });
});
