import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const m = !inCode && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('README links', () => {
  const path = fileURLToPath(new URL('../../README.md', import.meta.url));
  const readme = readFileSync(path, 'utf8');
  const anchors = anchorsOf(readme);
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);

  it('every #anchor link points at a heading', () => {
    const broken = links.filter((l) => l.startsWith('#') && !anchors.has(l.slice(1)));
    expect(broken).toEqual([]);
  });

  it('every relative file link points at a file in the repository', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const broken = links
      .filter((l) => !/^(#|https?:|mailto:)/.test(l))
      .map((l) => l.split('#')[0]!)
      .filter((l) => !existsSync(root + l));
    expect(broken).toEqual([]);
  });
});
