import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import ts from 'typescript';
import type { MarbleLane, MarbleScenario, MarbleSuite } from './define';

/**
 * Renders marble scenarios to Markdown. The code shown is the `run` function's own source text,
 * read from the scenario file (never evaluated), so the docs show exactly the code that was tested.
 */

/** The source text of each scenario's `run`, by scenario id, read from a `.marbles.ts` file. */
export function runSources(path: string): Map<string, string> {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      let id: string | undefined;
      let run: ts.Expression | undefined;
      for (const p of node.properties) {
        if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
        if (p.name.text === 'id' && ts.isStringLiteralLike(p.initializer)) id = p.initializer.text;
        if (p.name.text === 'run') run = p.initializer;
      }
      if (id !== undefined && run !== undefined) found.set(id, codeOf(run));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function codeOf(run: ts.Expression): string {
  // `({ source }) => ({ output: expr })` is shown as `output = expr`, one line per output lane.
  if (ts.isArrowFunction(run) && !ts.isBlock(run.body)) {
    let body: ts.Expression = run.body;
    while (ts.isParenthesizedExpression(body)) body = body.expression;
    if (ts.isObjectLiteralExpression(body)) {
      const lines = body.properties.map((p) =>
        ts.isPropertyAssignment(p) ? `${p.name.getText()} = ${dedent(p.initializer)}` : p.getText(),
      );
      return lines.join('\n');
    }
  }
  return dedent(run);
}

/** A node's text, its lines after the first shifted left by the indentation of the line it starts on. */
function dedent(node: ts.Node): string {
  const text = node.getText();
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  const cut = /^ */.exec(file.text.slice(file.getPositionOfLineAndCharacter(line, 0)))![0].length;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(Math.min(cut, /^ */.exec(l)![0].length)))].join('\n');
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'undefined';
  return JSON.stringify(v);
}

function legend(name: string, lane: MarbleLane): string[] {
  const out: string[] = [];
  const letters = new Set(lane.marbles.replace(/[-\s|#^!()]/g, '').split(''));
  if (lane.values) {
    for (const [k, v] of Object.entries(lane.values))
      if (letters.has(k) && v !== k) out.push(`${name} ${k} = ${formatValue(v)}`);
  }
  if (lane.marbles.includes('#')) out.push(`${name} # = ${formatValue(lane.error ?? 'error')}`);
  return out;
}

/** The file name of a scenario's picture, in `docs/marbles/`. */
export function pictureName(file: string, id: string): string {
  return `${file}-${id}.svg`;
}

/**
 * One scenario as Markdown: title, description, its picture (when `image` is the picture's path
 * relative to the Markdown file), the code, and the aligned text diagram with its legend — the
 * form users copy into their own tests, collapsed under the picture.
 */
export function renderScenario(s: MarbleScenario, code: string, image?: string): string {
  const rows: Array<[string, string]> = [];
  const legends: string[] = [];
  for (const [name, lane] of Object.entries(s.inputs)) {
    rows.push([`${name}${lane.hot ? ' (hot)' : ''}`, lane.marbles]);
    const subs = lane.subs === undefined ? [] : Array.isArray(lane.subs) ? lane.subs : [lane.subs];
    subs.forEach((sub, i) => rows.push([i === 0 ? `${name} subs` : '', sub]));
    legends.push(...legend(name, lane));
  }
  for (const [name, lane] of Object.entries(s.outputs)) {
    rows.push([name, lane.marbles]);
    if (lane.unsub) rows.push([`${name} unsub`, lane.unsub]);
    legends.push(...legend(name, lane));
  }
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const diagram = rows.map(([label, m]) => `${(label ? `${label}:` : '').padEnd(width)}${m}`.trimEnd());
  const text = ['```text', ...diagram, ...(legends.length ? ['', ...legends] : []), '```'];
  return [
    `**${s.title}.** ${s.description}`,
    '',
    ...(image === undefined ? [] : [`![${s.title.replace(/[[\]\\]/g, '\\$&')}](${image})`, '']),
    '```ts',
    code,
    '```',
    '',
    ...(image === undefined
      ? text
      : ['<details>', '<summary>The same diagram as marble text</summary>', '', ...text, '', '</details>']),
  ].join('\n');
}

/** The code of each scenario of a suite, as shown in the docs, in order. */
export function suiteCode(suite: MarbleSuite, path: string): Array<{ scenario: MarbleScenario; code: string }> {
  const sources = runSources(path);
  return suite.scenarios.map((s) => {
    const code = sources.get(s.id);
    if (code === undefined) throw new Error(`${path}: no run() found for scenario "${s.id}"`);
    return { scenario: s, code };
  });
}

/**
 * Every scenario of a suite, in order. With `pictures` (the directory of the pictures relative to
 * the Markdown file, e.g. `docs/marbles`), each scenario shows `<pictures>/<file>-<id>.svg`.
 */
export function renderSuite(suite: MarbleSuite, path: string, pictures?: string): string {
  const file = basename(path).replace(/\.marbles\.ts$/, '');
  return suiteCode(suite, path)
    .map(({ scenario: s, code }) =>
      renderScenario(s, code, pictures === undefined ? undefined : `${pictures}/${pictureName(file, s.id)}`),
    )
    .join('\n\n');
}

/**
 * Replaces every `<!-- marbles:<file> -->` … `<!-- /marbles:<file> -->` block in `markdown` with
 * that file's rendered diagrams. A block naming an unknown file is an error.
 */
export function updateMarbleBlocks(markdown: string, rendered: ReadonlyMap<string, string>): string {
  return markdown.replace(/<!-- marbles:([\w-]+) -->\n[\s\S]*?<!-- \/marbles:\1 -->/g, (_all, file: string) => {
    const body = rendered.get(file);
    if (body === undefined) throw new Error(`no marbles/${file}.marbles.ts for the block "${file}"`);
    return `<!-- marbles:${file} -->\n<!-- generated by npm run docs from marbles/${file}.marbles.ts: edit that file, not this block -->\n${body}\n<!-- /marbles:${file} -->`;
  });
}

export type { MarbleScenario };
