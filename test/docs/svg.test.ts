// Unit tests of the marble picture renderer (marbles/svg.ts): what is drawn, where, and that the
// same scenario always gives the same bytes.
import { EMPTY, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MarbleScenario } from '../../marbles/define';
import { renderDocs } from '../../marbles/docs';
import { loadMarbles } from '../../marbles/load';
import { colourOf, escapeXml, laneModels, renderSvg } from '../../marbles/svg';

function scenario(partial: Partial<MarbleScenario> & Pick<MarbleScenario, 'inputs' | 'outputs'>): MarbleScenario {
  return {
    id: 'test',
    title: 'A test diagram',
    description: 'Drawn by the tests.',
    run: (inputs: Record<string, Observable<unknown>>) => ({ output: inputs['source'] ?? EMPTY }),
    ...partial,
  };
}

interface Element {
  tag: string;
  attrs: Record<string, string>;
  /** The element's text up to its end tag (or the tag itself when self-closing). */
  body: string;
}

/** Every element of `svg` whose start tag matches `tag` and whose attributes include `where`. */
function find(svg: string, tag: string, where: Record<string, string> = {}): Element[] {
  const found: Element[] = [];
  const re = new RegExp(`<${tag}\\b([^>]*?)(/?)>`, 'g');
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (!Object.entries(where).every(([k, v]) => attrs[k] === v)) continue;
    const end = m[2] === '/' ? m.index + m[0].length : endOf(svg, tag, m.index + m[0].length);
    found.push({ tag, attrs, body: svg.slice(m.index, end) });
  }
  return found;
}

/** The index just past the end tag closing an element of `tag` opened before `from` (nesting counted). */
function endOf(svg: string, tag: string, from: number): number {
  const re = new RegExp(`<${tag}\\b[^>]*?(/?)>|</${tag}>`, 'g');
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    if (m[0].startsWith('</')) depth--;
    else if (m[1] !== '/') depth++;
    if (depth === 0) return m.index + m[0].length;
  }
  throw new Error(`<${tag}> not closed`);
}

/** The x of a frame, read from the time axis: the tick drawn at that frame. */
function axisX(svg: string, frame: number): number {
  const time = find(svg, 'g', { class: 'time' })[0]!.body;
  const label = find(time, 'text', { class: 'tick' }).find((t) => t.body.replace(/<[^>]+>/g, '') === String(frame));
  if (!label) throw new Error(`no axis label for frame ${frame}`);
  return Number(label.attrs['x']);
}

function circles(svg: string, lane: string): Array<{ frame: number; letter: string; cx: number; text: string }> {
  return find(svg, 'g', { class: 'next', 'data-lane': lane }).map((g) => {
    const circle = find(g.body, 'circle')[0]!;
    return {
      frame: Number(g.attrs['data-frame']),
      letter: g.attrs['data-letter']!,
      cx: Number(circle.attrs['cx']),
      text: find(g.body, 'text')[0]!.body.replace(/<[^>]+>/g, ''),
    };
  });
}

describe('renderSvg', () => {
  const simple = scenario({
    inputs: { source: { marbles: '-a-b-c|' } },
    outputs: { output: { marbles: '-a-b-c|' } },
  });

  it('is an SVG with a viewBox, a light background and the title', () => {
    const svg = renderSvg(simple, { code: 'output = source' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 720 \d+"/);
    expect(svg).toContain('<title id="title">A test diagram</title>');
    expect(find(svg, 'rect')[0]!.attrs['fill']).toBe('#ffffff');
    expect(svg).not.toMatch(/<script|@import|url\(|href=/);
  });

  it('draws a value circle at the x of its frame, on a linear scale', () => {
    const svg = renderSvg(simple, { code: 'output = source' });
    const values = circles(svg, 'output');
    expect(values.map((v) => [v.frame, v.letter, v.text])).toEqual([
      [1, 'a', 'a'],
      [3, 'b', 'b'],
      [5, 'c', 'c'],
    ]);
    for (const v of values) expect(v.cx).toBeCloseTo(axisX(svg, v.frame), 1);
    const [a, b, c] = values;
    expect(b!.cx - a!.cx).toBeGreaterThan(0);
    expect(c!.cx - b!.cx).toBeCloseTo(b!.cx - a!.cx, 1);
    // Input and output lanes share the time axis.
    expect(circles(svg, 'source').map((v) => v.cx)).toEqual(values.map((v) => v.cx));
  });

  it('draws a completion as a vertical bar at its frame', () => {
    const svg = renderSvg(simple, { code: 'output = source' });
    const [bar] = find(svg, 'line', { class: 'bar', 'data-lane': 'output' });
    expect(bar!.attrs['data-frame']).toBe('6');
    expect(bar!.attrs['x1']).toBe(bar!.attrs['x2']);
    expect(Number(bar!.attrs['x1'])).toBeCloseTo(axisX(svg, 6), 1);
    expect(Number(bar!.attrs['y1'])).toBeLessThan(Number(bar!.attrs['y2']));
  });

  it('draws an error as a cross at its frame, and says what the error is', () => {
    const svg = renderSvg(
      scenario({
        inputs: { source: { marbles: '--#', error: new TypeError('bad request') } },
        outputs: { output: { marbles: '--#', error: new TypeError('bad request') } },
      }),
    );
    const [cross] = find(svg, 'path', { class: 'cross', 'data-lane': 'output' });
    expect(cross!.attrs['data-frame']).toBe('2');
    // Two strokes crossing at the frame's x.
    const xs = [...cross!.attrs['d']!.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(4);
    expect((Math.min(...xs) + Math.max(...xs)) / 2).toBeCloseTo(axisX(svg, 2), 0);
    expect(svg).toContain('output: TypeError: bad request');
  });

  it('draws one row per expected subscription, with brackets and what that subscription saw', () => {
    const svg = renderSvg(
      scenario({
        inputs: { source: { marbles: '-a#', subs: ['^-!', '----^-!', '----------^-!'] } },
        outputs: { output: { marbles: '-a---a-----a#' } },
      }),
    );
    const rows = find(svg, 'g', { class: 'subscription', 'data-lane': 'source' });
    expect(rows.map((r) => [r.attrs['data-subscribed'], r.attrs['data-unsubscribed']])).toEqual([
      ['0', '2'],
      ['4', '6'],
      ['10', '12'],
    ]);
    for (const row of rows) {
      // `[` opens at the subscription, `]` closes at the unsubscription.
      const brackets = find(row.body, 'path', { class: 'sub' });
      expect(brackets).toHaveLength(2);
      const [open, close] = brackets.map((b) => Number(/^M([\d.]+)/.exec(b.attrs['d']!)![1]));
      const sub = Number(row.attrs['data-subscribed']);
      expect(open!).toBeLessThanOrEqual(axisX(svg, sub) + 4.01);
      expect(close!).toBeGreaterThan(open!);
      // The cold source replayed from the subscription: `a` one frame later, the error after it.
      expect(find(row.body, 'g', { class: 'next' })[0]!.attrs['data-frame']).toBe(String(sub + 1));
      expect(find(row.body, 'path', { class: 'cross' })[0]!.attrs['data-frame']).toBe(String(sub + 2));
    }
    expect(svg).toContain('subscription 3');
  });

  it('shows what a subscription received, in its unsubscription frame too when an output emits then', () => {
    const svg = renderSvg(
      scenario({
        inputs: { source: { marbles: '--a----b|', subs: '^-!' } },
        outputs: { output: { marbles: '--(a|)' } },
      }),
    );
    const row = find(svg, 'g', { class: 'subscription', 'data-lane': 'source' })[0]!;
    expect(find(row.body, 'g', { class: 'next' }).map((g) => [g.attrs['data-letter'], g.attrs['data-frame']])).toEqual([
      ['a', '2'],
    ]);
    // Unsubscribed from outside in the frame of `c`: no output value then, so `c` is not shown.
    const cut = renderSvg(
      scenario({
        inputs: { source: { marbles: 'abc', subs: '^-!' } },
        outputs: { output: { marbles: 'ab', unsub: '--!' } },
      }),
    );
    const cutRow = find(cut, 'g', { class: 'subscription', 'data-lane': 'source' })[0]!;
    expect(find(cutRow.body, 'g', { class: 'next' }).map((g) => g.attrs['data-letter'])).toEqual(['a', 'b']);
  });

  it('shows an input that is never subscribed', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: 'a|', subs: [] } }, outputs: { output: { marbles: '--#' } } }),
    );
    expect(svg).toContain('never subscribed');
    expect(find(svg, 'g', { class: 'subscription' })).toHaveLength(0);
  });

  it('marks an early unsubscription of an output', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-#', subs: '^!' } }, outputs: { output: { marbles: '---', unsub: '---!' } } }),
    );
    const lane = find(svg, 'g', { class: 'lane output', 'data-lane': 'output' })[0]!.body;
    expect(lane).toContain('unsubscribe');
    const close = find(lane, 'path', { class: 'sub' })[0]!;
    expect(Number(/^M([\d.]+)/.exec(close.attrs['d']!)![1]) + 4).toBeCloseTo(axisX(svg, 3), 1);
  });

  it('draws grouped values (ab|) in one frame, side by side and framed together', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-(ab|)' } }, outputs: { output: { marbles: '-(ab|)' } } }),
    );
    const values = circles(svg, 'output');
    expect(values.map((v) => [v.frame, v.letter])).toEqual([
      [1, 'a'],
      [1, 'b'],
    ]);
    expect(values[0]!.cx).toBeCloseTo(axisX(svg, 1), 1);
    expect(values[1]!.cx).toBeGreaterThan(values[0]!.cx + 20);
    const lane = find(svg, 'g', { class: 'lane output', 'data-lane': 'output' })[0]!.body;
    expect(find(lane, 'rect', { class: 'group' })).toHaveLength(1);
    expect(find(lane, 'line', { class: 'bar' })[0]!.attrs['data-frame']).toBe('1');
  });

  it('makes room after a wide group before the next frame', () => {
    const values = { a: 'half-open', b: 'half-open', c: 'half-open', d: 'x' };
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-' } }, outputs: { output: { marbles: '(abc)d|', values } } }),
    );
    const lane = find(svg, 'g', { class: 'lane output', 'data-lane': 'output' })[0]!.body;
    const group = find(lane, 'rect', { class: 'group' })[0]!.attrs;
    const d = circles(svg, 'output').find((v) => v.letter === 'd')!;
    expect(d.frame).toBe(5);
    expect(d.cx - 13).toBeGreaterThan(Number(group['x']) + Number(group['width']));
  });

  it('keeps notifications of one lane from overlapping when labels are wide', () => {
    const svg = renderSvg(
      scenario({
        inputs: { source: { marbles: 'abc|', values: { a: 'closed', b: 'open', c: 'half-open' } } },
        outputs: { output: { marbles: 'abc|', values: { a: 'closed', b: 'open', c: 'half-open' } } },
      }),
    );
    const labels = find(svg, 'g', { class: 'next label', 'data-lane': 'output' }).map((g) => find(g.body, 'rect')[0]!.attrs);
    expect(labels).toHaveLength(3);
    for (let i = 1; i < labels.length; i++) {
      const prevEnd = Number(labels[i - 1]!['x']) + Number(labels[i - 1]!['width']);
      expect(Number(labels[i]!['x'])).toBeGreaterThan(prevEnd);
    }
  });

  it('maps time progressions to frames and compresses long gaps with a break', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-a 100ms b|' } }, outputs: { output: { marbles: '-a 100ms b|' } } }),
    );
    expect(circles(svg, 'output').map((v) => v.frame)).toEqual([1, 102]);
    expect(axisX(svg, 102)).toBeCloseTo(circles(svg, 'output')[1]!.cx, 1);
    // 101 frames are not 101 times as wide as one frame.
    expect(axisX(svg, 102) - axisX(svg, 1)).toBeLessThan(20 * (axisX(svg, 1) - axisX(svg, 0)));
    expect(Number(/width="(\d+)"/.exec(svg)![1])).toBe(720);
  });

  it('draws a lane per output, string states as labels in their own lane under the values', () => {
    const s = scenario({
      inputs: { calls: { marbles: '-a-#-a', subs: '^--!' } },
      outputs: {
        state: { marbles: 'c--o-h', values: { c: 'closed', o: 'open', h: 'half-open' } },
        output: { marbles: '-a-#' },
      },
    });
    const svg = renderSvg(s, { code: 'output = calls.pipe(circuitBreaker(breaker))\nstate = breaker.state$' });
    const lanes = find(svg, 'g').filter((g) => /^lane /.test(g.attrs['class'] ?? ''));
    expect(lanes.map((g) => [g.attrs['data-lane'], g.attrs['class']])).toEqual([
      ['calls', 'lane input'],
      ['output', 'lane output'],
      ['state', 'lane output state'],
    ]);
    const state = find(svg, 'g', { class: 'next label', 'data-lane': 'state' });
    expect(state.map((g) => g.body.replace(/<[^>]+>/g, ''))).toEqual(['closed', 'open', 'half-open']);
    expect(find(svg, 'g', { class: 'next', 'data-lane': 'state' })).toHaveLength(0);
    // The operator box sits between the inputs and the outputs, with every line of the code.
    const box = find(svg, 'g', { class: 'operator' })[0]!;
    expect(svg.indexOf(box.body)).toBeGreaterThan(svg.indexOf('data-lane="calls"'));
    expect(svg.indexOf(box.body)).toBeLessThan(svg.indexOf('class="lane output"'));
    expect(box.body).toContain('state = breaker.state$');
    expect(laneModels(s).map((l) => [l.name, l.state])).toEqual([
      ['calls', false],
      ['output', false],
      ['state', true],
    ]);
  });

  it('writes short values in their circle, and explains the others in a legend', () => {
    const svg = renderSvg(
      scenario({
        inputs: { source: { marbles: 'abcd|', values: { a: 1, b: 'x', c: { id: 7 }, d: 250 } } },
        outputs: { output: { marbles: '-' } },
      }),
    );
    expect(circles(svg, 'source').map((v) => v.text)).toEqual(['1', 'x', 'c', '250']);
    expect(svg).toContain('source c = {&quot;id&quot;:7}');
    expect(svg).not.toContain('source a =');
  });

  it('escapes < and & in labels, lane names, code and legends', () => {
    const svg = renderSvg(
      scenario({
        title: 'a < b & c',
        inputs: { source: { marbles: 'ab|', values: { a: 'x<y & z', b: '<' }, error: new Error('<&>') } },
        outputs: { output: { marbles: '#', error: new Error('1 < 2 && 3 > 2') } },
      }),
      { code: 'output = source.pipe(filter((x) => x < 2 && x > 0))' },
    );
    expect(svg).toContain('x&lt;y &amp; z');
    expect(svg).toContain('>&lt;</text>');
    expect(svg).toContain('filter((x) =&gt; x &lt; 2 &amp;&amp; x &gt; 0)');
    expect(svg).toContain('1 &lt; 2 &amp;&amp; 3 &gt; 2');
    expect(svg).toContain('<title id="title">a &lt; b &amp; c</title>');
    // Nothing unescaped is left between tags.
    for (const text of svg.split(/<[^>]*>/)) expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|#39);)/);
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('is deterministic: the same scenario gives byte-identical output', () => {
    const make = () =>
      scenario({
        inputs: {
          source: { marbles: '-a-b 20ms c-#', subs: ['^--!', '---^--!'], error: new Error('boom') },
          other: { marbles: '--^-x-|', hot: true, subs: '^---!' },
        },
        outputs: { output: { marbles: '-a-b 20ms (c|)', values: { c: 'cached' } }, state: { marbles: 'o', values: { o: 'open' } } },
      });
    const first = renderSvg(make(), { code: 'output = x' });
    expect(renderSvg(make(), { code: 'output = x' })).toBe(first);
    // No float noise: numbers have at most one decimal.
    expect(first).not.toMatch(/\d\.\d{2,}/);
  });

  it('gives a letter the same colour in every lane', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-a-b|' } }, outputs: { output: { marbles: '-b-a|' } } }),
    );
    const fill = (lane: string, letter: string) =>
      find(svg, 'g', { class: 'next', 'data-lane': lane, 'data-letter': letter }).map((g) => find(g.body, 'circle')[0]!.attrs['fill']);
    expect(fill('source', 'a')).toEqual(fill('output', 'a'));
    expect(fill('source', 'b')).toEqual(fill('output', 'b'));
    expect(fill('source', 'a')).not.toEqual(fill('source', 'b'));
    expect(fill('output', 'a')[0]).toBe(colourOf('a')[0]);
  });

  it('draws a hot input from before the subscription point', () => {
    const svg = renderSvg(
      scenario({ inputs: { source: { marbles: '-a-^-b-|', hot: true, subs: '^---!' } }, outputs: { output: { marbles: '--b-|' } } }),
    );
    const values = circles(svg, 'source');
    expect(values.map((v) => v.frame)).toEqual([-2, 2]);
    expect(values[0]!.cx).toBeLessThan(axisX(svg, 0));
    expect(svg).toContain('>hot</text>');
  });
});

describe('renderDocs pictures', () => {
  it('renders one picture per scenario into docs/marbles/, embedded with the right relative path', async () => {
    const docs = await renderDocs();
    const byPath = new Map(docs.map((d) => [d.path.replace(/\\/g, '/'), d]));
    const readme = docs.find((d) => d.path.endsWith('README.md'))!.rendered;
    const catalogue = docs.find((d) => d.path.endsWith('docs/marbles.md'))!.rendered;
    for (const { file, suite } of await loadMarbles()) {
      for (const s of suite.scenarios) {
        const name = `${file}-${s.id}.svg`;
        const entry = [...byPath.entries()].find(([p]) => p.endsWith(`/docs/marbles/${name}`));
        expect(entry, name).toBeDefined();
        expect(entry![1].rendered.startsWith('<svg ')).toBe(true);
        expect(catalogue).toContain(`](marbles/${name})`);
        if (readme.includes(`<!-- marbles:${file} -->`)) expect(readme).toContain(`](docs/marbles/${name})`);
      }
    }
    // The text diagram stays, collapsed under the picture.
    expect(catalogue).toMatch(/\.svg\)\n\n```ts\n[\s\S]*?```\n\n<details>\n<summary>[^<]+<\/summary>\n\n```text\n/);
  });
});
