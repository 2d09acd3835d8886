import { TestScheduler } from 'rxjs/testing';
import type { InputLane, MarbleLane, MarbleScenario, OutputLane } from './define';

/**
 * Renders a marble scenario to an SVG picture in the style of the RxJS docs: one horizontal time
 * line per lane, values as coloured circles (or labels), `×` for an error, a bar for completion,
 * one row per expected subscription of an input, and the scenario's code in a box between the
 * inputs and the outputs. Pure and deterministic: the same scenario and code give the same bytes.
 *
 * Frames come from RxJS's own marble parser in run mode (one character = one frame = 1 ms, time
 * progressions like `10ms` allowed), so the picture shows exactly the timing the tests assert.
 */

export interface SvgOptions {
  /** The code shown in the operator box (the docs pass the `run` function's source text). */
  code?: string;
  /** Preferred width in px; a diagram too busy to fit gets wider. Default 720. */
  width?: number;
}

// ---------------------------------------------------------------------------------------------
// Parsing: lanes → marks at frames
// ---------------------------------------------------------------------------------------------

/** How a value is drawn: a circle with up to 3 characters, or a rounded label. */
export type MarkShape = 'circle' | 'label';

export type Mark =
  | { kind: 'next'; frame: number; letter: string; value: unknown; text: string; shape: MarkShape }
  | { kind: 'error'; frame: number; error: unknown }
  | { kind: 'complete'; frame: number };

/** A subscription of an input: frames of `^` and `!` (`Infinity` when never unsubscribed). */
export interface SubscriptionSpan {
  subscribed: number;
  unsubscribed: number;
  /** For a cold input: its notifications as seen by this subscription, in absolute frames. */
  marks: Mark[];
}

export interface LaneModel {
  name: string;
  role: 'input' | 'output';
  hot: boolean;
  /** Every value of the lane is a string label: a stream of states, drawn with labels. */
  state: boolean;
  marks: Mark[];
  /** Input lanes with `subs`: one entry per expected subscription; `[]` means never subscribed. */
  subscriptions?: SubscriptionSpan[];
  /** Output lanes: when the test subscribes and unsubscribes (`unsub`). */
  subscribed?: number;
  unsubscribed?: number;
}

/** Runs `fn` with RxJS's marble parser in run mode (1 frame per character, as in `TestScheduler.run`). */
function inRunMode<T>(fn: () => T): T {
  const previous = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return fn();
  } finally {
    TestScheduler.frameTimeFactor = previous;
  }
}

/** The notifications of a lane, each with the letter that wrote it. */
function parseLane(lane: MarbleLane): Mark[] {
  // Parsing without `values` makes each value its own letter; the real value is looked up after.
  const messages = inRunMode(() => TestScheduler.parseMarbles(lane.marbles, undefined, lane.error, true, true));
  return messages.map(({ frame, notification }): Mark => {
    if (notification.kind === 'N') {
      const letter = String(notification.value);
      const value = valueOf(lane, letter);
      const [text, shape] = display(letter, value);
      return { kind: 'next', frame, letter, value, text, shape };
    }
    if (notification.kind === 'E') return { kind: 'error', frame, error: notification.error };
    return { kind: 'complete', frame };
  });
}

function valueOf(lane: MarbleLane, letter: string): unknown {
  if (!lane.values || typeof lane.values !== 'object') return letter;
  return Object.prototype.hasOwnProperty.call(lane.values, letter) ? lane.values[letter] : undefined;
}

const maxLabel = 24;

/** What is written on a value's mark, and its shape. */
function display(letter: string, value: unknown): [string, MarkShape] {
  if (value === letter) return [letter, 'circle'];
  if (typeof value === 'string') {
    if (value.length >= 1 && value.length <= 2) return [value, 'circle'];
    return [truncate(value.length === 0 ? "''" : value, maxLabel), 'label'];
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const t = String(value);
    return t.length <= 3 ? [t, 'circle'] : [truncate(t, maxLabel), 'label'];
  }
  if (typeof value === 'boolean' || value === null) return [String(value), 'label'];
  return [letter, 'circle'];
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function subscriptionFrames(marbles: string): { subscribed: number; unsubscribed: number } {
  const log = inRunMode(() => TestScheduler.parseMarblesAsSubscriptions(marbles, true));
  return { subscribed: log.subscribedFrame, unsubscribed: log.unsubscribedFrame };
}

/**
 * What a cold input delivers to one subscription: its notifications shifted to the subscription
 * frame, up to its unsubscription. In the unsubscription frame itself a value may or may not have
 * been delivered (`take(1)` unsubscribes because of it, a timeout before it); it is shown when an
 * output emits a value in that frame, and a completion or an error (which end a subscription) are
 * always shown.
 */
function replay(marks: Mark[], subscribed: number, unsubscribed: number, outputFrames: ReadonlySet<number>): Mark[] {
  return marks
    .map((m) => ({ ...m, frame: subscribed + m.frame }))
    .filter(
      (m) => m.frame < unsubscribed || (m.frame === unsubscribed && (m.kind !== 'next' || outputFrames.has(m.frame))),
    );
}

/** The scenario's lanes: inputs in order, then outputs with value lanes before state lanes. */
export function laneModels(s: MarbleScenario): LaneModel[] {
  const lanes: LaneModel[] = [];
  const outputFrames = new Set(
    Object.values(s.outputs).flatMap((lane) => parseLane(lane).flatMap((m) => (m.kind === 'next' ? [m.frame] : []))),
  );
  for (const [name, lane] of Object.entries(s.inputs) as Array<[string, InputLane]>) {
    const marks = parseLane(lane);
    const model: LaneModel = { name, role: 'input', hot: lane.hot === true, state: isStateLane(marks), marks };
    if (lane.subs !== undefined) {
      const subs = Array.isArray(lane.subs) ? lane.subs : [lane.subs];
      model.subscriptions = subs
        .map(subscriptionFrames)
        .filter((sub) => sub.subscribed !== Infinity)
        .map(({ subscribed, unsubscribed }) => ({
          subscribed,
          unsubscribed,
          marks: lane.hot ? [] : replay(marks, subscribed, unsubscribed, outputFrames),
        }));
    }
    lanes.push(model);
  }
  const outputs: LaneModel[] = [];
  for (const [name, lane] of Object.entries(s.outputs) as Array<[string, OutputLane]>) {
    const marks = parseLane(lane);
    const model: LaneModel = { name, role: 'output', hot: false, state: isStateLane(marks), marks };
    if (lane.unsub !== undefined) {
      const { subscribed, unsubscribed } = subscriptionFrames(lane.unsub);
      model.subscribed = subscribed === Infinity ? 0 : subscribed;
      model.unsubscribed = unsubscribed;
    }
    outputs.push(model);
  }
  lanes.push(...outputs.filter((l) => !l.state), ...outputs.filter((l) => l.state));
  return lanes;
}

function isStateLane(marks: Mark[]): boolean {
  const values = marks.filter((m): m is Extract<Mark, { kind: 'next' }> => m.kind === 'next');
  return values.length > 0 && values.every((m) => typeof m.value === 'string' && m.shape === 'label');
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

const sans = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
const mono = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', 'DejaVu Sans Mono', monospace";
/** Width of one character of the monospace font, in em. */
const monoEm = 0.6;

interface Size {
  r: number;
  labelHeight: number;
  labelFont: number;
  circleFont: number;
}
const laneSize: Size = { r: 13, labelHeight: 24, labelFont: 11.5, circleFont: 13 };
const subSize: Size = { r: 8, labelHeight: 16, labelFont: 9.5, circleFont: 9.5 };

const laneHeight = 50;
const subHeight = 26;
const gap = 3;
/** Frames per gap that are drawn to scale; longer gaps are compressed and drawn with a break. */
const linearGap = 8;

function markWidth(m: Mark, size: Size): number {
  if (m.kind === 'complete') return 6;
  if (m.kind === 'error') return size.r * 1.6;
  if (m.shape === 'circle') return size.r * 2;
  return labelWidth(m.text, size);
}

function labelWidth(text: string, size: Size): number {
  return [...text].length * size.labelFont * monoEm + size.labelHeight * 0.7;
}

/** Marks at one frame of one row, laid out left to right: the first is centred on the frame. */
interface Cluster {
  frame: number;
  marks: Mark[];
  /** Extent left and right of the frame's x. */
  left: number;
  right: number;
  /** x offset of each mark's centre from the frame's x. */
  offsets: number[];
}

function clusters(marks: Mark[], size: Size): Cluster[] {
  const byFrame = new Map<number, Mark[]>();
  for (const m of marks) {
    const list = byFrame.get(m.frame);
    if (list) list.push(m);
    else byFrame.set(m.frame, [m]);
  }
  return [...byFrame.entries()]
    .sort(([a], [b]) => a - b)
    .map(([frame, ms]) => {
      const widths = ms.map((m) => markWidth(m, size));
      const offsets: number[] = [];
      let at = -widths[0]! / 2;
      for (const w of widths) {
        offsets.push(at + w / 2);
        at += w + gap;
      }
      const grouped = ms.length > 1 ? 4 : 0;
      return { frame, marks: ms, left: widths[0]! / 2 + grouped, right: at - gap + grouped, offsets };
    });
}

/** Visual length, in frame units, of a gap of `d` frames: to scale up to `linearGap`, then logarithmic. */
function gapUnits(d: number): number {
  return d <= linearGap ? d : linearGap + 3 * Math.log2(d / linearGap);
}

/**
 * The time axis: x of each frame. Gaps are drawn to scale (up to `linearGap` frames, beyond which
 * they are compressed), then stretched where marks of one row would overlap.
 */
export interface TimeScale {
  frames: number[];
  /** x of a frame (frames between known frames are interpolated). */
  x(frame: number): number;
  /** px per frame of the uncompressed scale. */
  perFrame: number;
  /** Gaps drawn compressed: between two consecutive frames. */
  breaks: Array<[number, number]>;
  start: number;
  end: number;
}

function buildScale(frames: number[], rows: Cluster[][], x0: number, available: number, tail: number): TimeScale {
  // Minimum distances between frames where marks of one row would touch.
  const index = new Map(frames.map((f, i) => [f, i]));
  const needs: Array<Array<[number, number]>> = frames.map(() => []);
  for (const row of rows) {
    for (let i = 1; i < row.length; i++) {
      const a = row[i - 1]!;
      const b = row[i]!;
      needs[index.get(b.frame)!]!.push([index.get(a.frame)!, a.right + b.left + 6]);
    }
  }
  const positions = (p: number): number[] => {
    const xs: number[] = [];
    frames.forEach((f, i) => {
      let x = i === 0 ? 0 : xs[i - 1]! + p * gapUnits(f - frames[i - 1]!);
      for (const [j, d] of needs[i]!) x = Math.max(x, xs[j]! + d);
      xs.push(x);
    });
    return xs;
  };
  const lastRight = Math.max(0, ...rows.map((row) => (row.length ? row[row.length - 1]!.right : 0)));
  const widthAt = (p: number) => positions(p).at(-1)! + lastRight + tail;
  const pMax = 56;
  const pMin = 10;
  let p: number;
  if (widthAt(pMax) <= available) p = pMax;
  else if (widthAt(pMin) >= available) p = pMin;
  else {
    let lo = pMin;
    let hi = pMax;
    for (let k = 0; k < 40; k++) {
      const mid = (lo + hi) / 2;
      if (widthAt(mid) <= available) lo = mid;
      else hi = mid;
    }
    p = lo;
  }
  const xs = positions(p).map((x) => x0 + x);
  const breaks: Array<[number, number]> = [];
  for (let i = 1; i < frames.length; i++)
    if (frames[i]! - frames[i - 1]! > linearGap) breaks.push([frames[i - 1]!, frames[i]!]);
  const x = (frame: number): number => {
    const i = index.get(frame);
    if (i !== undefined) return xs[i]!;
    if (frame < frames[0]!) return xs[0]! - (frames[0]! - frame) * p;
    if (frame > frames.at(-1)!) return xs.at(-1)! + (frame - frames.at(-1)!) * p;
    let j = 1;
    while (frames[j]! < frame) j++;
    const [fa, fb, xa, xb] = [frames[j - 1]!, frames[j]!, xs[j - 1]!, xs[j]!];
    return xa + ((xb - xa) * (frame - fa)) / (fb - fa);
  };
  return { frames, x, perFrame: p, breaks, start: x0, end: xs.at(-1)! + lastRight + tail };
}

// ---------------------------------------------------------------------------------------------
// Colours and text
// ---------------------------------------------------------------------------------------------

/** Fill and outline per colour; errors keep red to themselves. */
const palette: ReadonlyArray<readonly [string, string]> = [
  ['#a5d8ff', '#1971c2'], // blue
  ['#ffd8a8', '#d9480f'], // orange
  ['#b2f2bb', '#2b8a3e'], // green
  ['#fcc2d7', '#c2255c'], // pink
  ['#d0bfff', '#6741d9'], // violet
  ['#ffec99', '#e67700'], // yellow
  ['#99e9f2', '#0c8599'], // cyan
  ['#eebefa', '#9c36b5'], // grape
  ['#d8f5a2', '#5c940d'], // lime
  ['#bac8ff', '#3b5bdb'], // indigo
  ['#96f2d7', '#087f5b'], // teal
];

/**
 * The colour of a letter: fixed, so a letter has the same colour in every lane and picture. An
 * upper-case letter has the colour of its lower case (`map` from `a` to `A` keeps the colour).
 */
export function colourOf(letter: string): readonly [string, string] {
  const c = letter.toLowerCase().codePointAt(0) ?? 0;
  let i: number;
  if (c >= 97 && c <= 122) i = c - 97;
  else if (c >= 48 && c <= 57) i = c - 48 + 2;
  else i = c;
  return palette[i % palette.length]!;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Numbers in the SVG: at most one decimal, so the output does not depend on float noise. */
function n(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Splits `text` into lines of at most `max` characters, continuation lines starting with `indent`.
 * A line breaks after the last `, ` that fits, else the last space, else an opening bracket not
 * closed at once, else at `max`.
 */
function wrap(text: string, max: number, indent = ''): string[] {
  const out: string[] = [];
  let rest = text;
  let prefix = '';
  while (prefix.length + [...rest].length > max) {
    const room = max - prefix.length;
    const fits = (i: number) => i > room / 3 && i <= room && i < rest.length;
    let cut = -1;
    for (let i = room; i > 1 && cut < 0; i--) if (fits(i) && rest[i - 1] === ' ' && rest[i - 2] === ',') cut = i;
    for (let i = room; i > 0 && cut < 0; i--) if (fits(i) && rest[i - 1] === ' ') cut = i;
    for (let i = room; i > 0 && cut < 0; i--)
      if (fits(i) && '([{'.includes(rest[i - 1]!) && !')]}'.includes(rest[i]!)) cut = i;
    if (cut < 0) cut = room;
    out.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    prefix = indent;
  }
  out.push(prefix + rest);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------------

const ink = '#1f2328';
const muted = '#656d76';
const faint = '#d0d7de';
const red = '#cf222e';
const blue = '#0969da';

const style = [
  `text{font-family:${sans};fill:${ink}}`,
  `.mono{font-family:${mono}}`,
  `.name{font-size:13px;font-weight:600;text-anchor:end}`,
  `.tag{font-size:10.5px;fill:${muted};text-anchor:end}`,
  `.v{font-weight:600;text-anchor:middle}`,
  `.line{stroke:${ink};stroke-width:1.5}`,
  `.off{stroke:${muted};stroke-width:1.5;stroke-dasharray:4 3}`,
  `.cross{stroke:${red};stroke-width:3.5;stroke-linecap:round}`,
  `.bar{stroke:${ink};stroke-width:3;stroke-linecap:round}`,
  `.sub{stroke:${blue};stroke-width:2;fill:none;stroke-linejoin:round}`,
  `.band{fill:#ddf4ff}`,
  `.group{fill:none;stroke:#8c959f;stroke-dasharray:3 2}`,
  `.axis{stroke:${muted};stroke-width:1}`,
  `.tick{font-size:10px;fill:${muted};text-anchor:middle}`,
  `.legend{font-size:11.5px}`,
].join('');

class Canvas {
  readonly parts: string[] = [];
  add(svg: string): void {
    this.parts.push(svg);
  }
}

function drawMark(c: Canvas, m: Mark, x: number, y: number, size: Size, lane: string): void {
  const attrs = `data-lane="${escapeXml(lane)}" data-frame="${m.frame}"`;
  if (m.kind === 'complete') {
    c.add(`<line class="bar" ${attrs} x1="${n(x)}" y1="${n(y - size.r)}" x2="${n(x)}" y2="${n(y + size.r)}"/>`);
    return;
  }
  if (m.kind === 'error') {
    const d = size.r * 0.65;
    c.add(
      `<path class="cross" ${attrs} d="M${n(x - d)} ${n(y - d)}L${n(x + d)} ${n(y + d)}M${n(x - d)} ${n(y + d)}L${n(x + d)} ${n(y - d)}"/>`,
    );
    return;
  }
  const [fill, stroke] = colourOf(m.letter);
  const text = escapeXml(m.text);
  if (m.shape === 'circle') {
    const chars = [...m.text].length;
    const font = chars <= 1 ? size.circleFont : chars === 2 ? size.circleFont * 0.85 : size.circleFont * 0.7;
    c.add(
      `<g class="next" ${attrs} data-letter="${escapeXml(m.letter)}">` +
        `<circle cx="${n(x)}" cy="${n(y)}" r="${n(size.r)}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>` +
        `<text class="v" x="${n(x)}" y="${n(y + font * 0.36)}" font-size="${n(font)}">${text}</text></g>`,
    );
    return;
  }
  const w = labelWidth(m.text, size);
  const h = size.labelHeight;
  c.add(
    `<g class="next label" ${attrs} data-letter="${escapeXml(m.letter)}">` +
      `<rect x="${n(x - w / 2)}" y="${n(y - h / 2)}" width="${n(w)}" height="${n(h)}" rx="${n(h / 2)}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>` +
      `<text class="v mono" x="${n(x)}" y="${n(y + size.labelFont * 0.36)}" font-size="${n(size.labelFont)}">${text}</text></g>`,
  );
}

function drawClusters(c: Canvas, rows: Cluster[], scale: TimeScale, y: number, size: Size, lane: string): void {
  for (const cl of rows) {
    const x = scale.x(cl.frame);
    if (cl.marks.length > 1) {
      // Notifications in the same frame, `(ab|)`: framed together.
      const h = Math.max(size.r * 2, size.labelHeight) + 8;
      c.add(
        `<rect class="group" x="${n(x - cl.left)}" y="${n(y - h / 2)}" width="${n(cl.left + cl.right)}" height="${n(h)}" rx="${n(h / 2)}"/>`,
      );
    }
    cl.marks.forEach((m, i) => drawMark(c, m, x + cl.offsets[i]!, y, size, lane));
  }
}

/** A break in a line over a compressed gap: two short slanted strokes. */
function drawBreaks(c: Canvas, scale: TimeScale, y: number, h: number): void {
  for (const [a, b] of scale.breaks) {
    const x = (scale.x(a) + scale.x(b)) / 2;
    c.add(
      `<path d="M${n(x - 5)} ${n(y - 1.5)}h7v3h-7z" fill="#ffffff"/>` +
        `<path class="axis" d="M${n(x - 6)} ${n(y + h)}l4 ${n(-2 * h)}M${n(x)} ${n(y + h)}l4 ${n(-2 * h)}"/>`,
    );
  }
}

function drawArrowLine(c: Canvas, from: number, to: number, y: number, cls = 'line'): void {
  c.add(`<line class="${cls}" x1="${n(from)}" y1="${n(y)}" x2="${n(to - 6)}" y2="${n(y)}"/>`);
  c.add(`<path d="M${n(to)} ${n(y)}l-10 -5v10z" fill="${cls === 'line' ? ink : muted}"/>`);
}

/** `[` at a subscription, `]` at an unsubscription. */
function bracket(x: number, y: number, h: number, open: boolean): string {
  const d = open ? 4 : -4;
  return `<path class="sub" d="M${n(x + d)} ${n(y - h)}H${n(x)}V${n(y + h)}H${n(x + d)}"/>`;
}

interface LegendEntry {
  mark: 'value' | 'error';
  letter: string;
  text: string;
}

function legendFor(lane: LaneModel, laneDef: MarbleLane): LegendEntry[] {
  const out: LegendEntry[] = [];
  const seen = new Set<string>();
  for (const m of lane.marks) {
    if (m.kind !== 'next' || seen.has(m.letter)) continue;
    seen.add(m.letter);
    const shown =
      m.shape === 'label' ? m.text === String(m.value) : formatValue(m.value) === m.text || m.value === m.text;
    const numeric = typeof m.value === 'number' && m.text === String(m.value);
    if (!shown && !numeric)
      out.push({ mark: 'value', letter: m.letter, text: `${lane.name} ${m.letter} = ${formatValue(m.value)}` });
  }
  if (laneDef.error !== undefined && lane.marks.some((m) => m.kind === 'error')) {
    out.push({ mark: 'error', letter: '#', text: `${lane.name}: ${formatValue(laneDef.error)}` });
  }
  return out;
}

/** The picture of one scenario, as SVG text. */
export function renderSvg(s: MarbleScenario, options: SvgOptions = {}): string {
  const lanes = laneModels(s);
  const code = (options.code ?? s.run.toString()).replace(/\t/g, '  ');
  const width0 = options.width ?? 720;

  // Horizontal layout: a gutter for lane names, then the time lines.
  const nameWidth = Math.max(...lanes.map((l) => l.name.length * 8));
  const tagWidth = Math.max(0, ...lanes.map((l) => ((l.subscriptions?.length ?? 0) > 1 ? 14 : 12) * 6));
  const gutter = Math.max(70, nameWidth + 26, tagWidth + 24);
  const lead = 26;
  const rightPad = 18;
  const tailMin = 34;

  const laneRows = lanes.map((l) => clusters(l.marks, laneSize));
  const subRows = lanes.flatMap((l) => (l.subscriptions ?? []).map((sub) => clusters(sub.marks, subSize)));
  const frames = new Set<number>([0]);
  for (const row of [...laneRows, ...subRows]) for (const cl of row) frames.add(cl.frame);
  for (const l of lanes) {
    for (const sub of l.subscriptions ?? []) {
      frames.add(sub.subscribed);
      if (sub.unsubscribed !== Infinity) frames.add(sub.unsubscribed);
    }
    if (l.subscribed !== undefined) frames.add(l.subscribed);
    if (l.unsubscribed !== undefined && l.unsubscribed !== Infinity) frames.add(l.unsubscribed);
  }
  const sortedFrames = [...frames].sort((a, b) => a - b);
  // Room left of the first frame for the marks drawn there (a wide label is centred on it).
  const firstLeft = Math.max(
    0,
    ...[...laneRows, ...subRows].map((row) => (row[0]?.frame === sortedFrames[0] ? row[0]!.left : 0)),
  );
  const x0 = gutter + Math.max(lead, firstLeft + 10);
  const scale = buildScale(sortedFrames, [...laneRows, ...subRows], x0, width0 - rightPad - x0, tailMin);
  const width = Math.max(width0, Math.ceil(scale.end + rightPad));
  const lineStart = gutter;
  const lineEnd = width - rightPad;

  // The code box: as wide as the time lines, font shrunk (then lines wrapped) to fit.
  const boxWidth = lineEnd - lineStart;
  let codeFont = 12.5;
  const codeLines0 = code.split('\n');
  const longest = Math.max(...codeLines0.map((l) => [...l].length));
  while (codeFont > 10 && longest * codeFont * monoEm > boxWidth - 28) codeFont -= 0.5;
  const perLine = Math.floor((boxWidth - 28) / (codeFont * monoEm));
  const codeLines = codeLines0.flatMap((l) => wrap(l, perLine, `${/^ */.exec(l)![0]}    `));
  const codeLineHeight = codeFont * 1.45;
  const boxHeight = codeLines.length * codeLineHeight + 18;

  const laneDefs: Record<string, MarbleLane> = { ...s.inputs, ...s.outputs };
  const legend = lanes.flatMap((l) =>
    legendFor(l, l.role === 'input' ? s.inputs[l.name]! : (s.outputs[l.name] ?? laneDefs[l.name]!)),
  );
  const legendPerLine = Math.floor((width - 60) / (11.5 * 0.56));
  const legendLines = legend.map((e) => ({ ...e, lines: wrap(e.text, legendPerLine, '  ') }));

  const c = new Canvas();
  let y = 14;

  // Inputs, each followed by its subscriptions.
  const inputLanes = lanes.filter((l) => l.role === 'input');
  const outputLanes = lanes.filter((l) => l.role === 'output');
  const rowOf = (l: LaneModel) => laneRows[lanes.indexOf(l)]!;
  let subIndex = 0;
  for (const l of inputLanes) {
    const cy = y + laneHeight / 2;
    c.add(`<g class="lane input${l.state ? ' state' : ''}" data-lane="${escapeXml(l.name)}">`);
    c.add(`<text class="name" x="${n(gutter - 12)}" y="${n(cy + (l.hot ? -1 : 4.5))}">${escapeXml(l.name)}</text>`);
    if (l.hot) c.add(`<text class="tag" x="${n(gutter - 12)}" y="${n(cy + 12)}">hot</text>`);
    drawArrowLine(c, lineStart, lineEnd, cy);
    drawBreaks(c, scale, cy, 6);
    if (l.hot && sortedFrames[0]! < 0) {
      const x = scale.x(0);
      c.add(
        `<line class="axis" x1="${n(x)}" y1="${n(cy - 18)}" x2="${n(x)}" y2="${n(cy + 18)}" stroke-dasharray="2 2"/>`,
      );
    }
    drawClusters(c, rowOf(l), scale, cy, laneSize, l.name);
    c.add('</g>');
    y += laneHeight;
    const subs = l.subscriptions;
    if (subs && subs.length === 0) {
      c.add(
        `<text class="tag" x="${n(gutter - 12)}" y="${n(y + 16.5)}">subscription</text>` +
          `<text x="${n(x0)}" y="${n(y + 17)}" font-size="11.5" fill="${muted}" font-style="italic">never subscribed</text>`,
      );
      y += subHeight;
    }
    (subs ?? []).forEach((sub, i) => {
      const cy2 = y + subHeight / 2;
      const xa = scale.x(sub.subscribed);
      const xb = sub.unsubscribed === Infinity ? lineEnd - 8 : scale.x(sub.unsubscribed);
      c.add(
        `<g class="subscription" data-lane="${escapeXml(l.name)}" data-subscribed="${sub.subscribed}" data-unsubscribed="${sub.unsubscribed === Infinity ? 'never' : sub.unsubscribed}">`,
      );
      c.add(
        `<text class="tag" x="${n(gutter - 12)}" y="${n(cy2 + 3.5)}">${subs!.length > 1 ? `subscription ${i + 1}` : 'subscription'}</text>`,
      );
      // Brackets stand just outside the marks of their own frames, so neither hides the other.
      const row = subRows[subIndex]!;
      const first = row.find((cl) => cl.frame === sub.subscribed);
      const last = row.find((cl) => cl.frame === sub.unsubscribed);
      const empty = sub.subscribed === sub.unsubscribed && !first;
      const ba = xa - (first ? first.left + 3 : empty ? 3 : 0);
      const bb = sub.unsubscribed === Infinity ? xb : xb + (last ? last.right + 3 : empty ? 3 : 0);
      c.add(`<rect class="band" x="${n(ba)}" y="${n(cy2 - 9)}" width="${n(bb - ba)}" height="18"/>`);
      c.add(bracket(ba, cy2, 9, true));
      if (sub.unsubscribed !== Infinity) c.add(bracket(bb, cy2, 9, false));
      drawClusters(c, row, scale, cy2, subSize, l.name);
      c.add('</g>');
      subIndex++;
      y += subHeight;
    });
  }

  // The code under test.
  y += 8;
  c.add(
    `<g class="operator"><rect x="${n(lineStart)}" y="${n(y)}" width="${n(boxWidth)}" height="${n(boxHeight)}" rx="6" fill="#f6f8fa" stroke="${faint}"/>`,
  );
  codeLines.forEach((line, i) => {
    c.add(
      `<text class="mono" x="${n(lineStart + 14)}" y="${n(y + 9 + codeLineHeight * (i + 0.72))}" font-size="${n(codeFont)}" xml:space="preserve">${escapeXml(line)}</text>`,
    );
  });
  c.add('</g>');
  y += boxHeight + 8;

  // Outputs: values, then states.
  for (const l of outputLanes) {
    const cy = y + laneHeight / 2;
    c.add(`<g class="lane output${l.state ? ' state' : ''}" data-lane="${escapeXml(l.name)}">`);
    c.add(`<text class="name" x="${n(gutter - 12)}" y="${n(cy + 4.5)}">${escapeXml(l.name)}</text>`);
    const from = l.subscribed ?? 0;
    const xFrom = from === 0 ? lineStart : scale.x(from);
    const xTo = l.unsubscribed === undefined || l.unsubscribed === Infinity ? undefined : scale.x(l.unsubscribed);
    if (xFrom > lineStart)
      c.add(`<line class="off" x1="${n(lineStart)}" y1="${n(cy)}" x2="${n(xFrom)}" y2="${n(cy)}"/>`);
    if (xTo === undefined) drawArrowLine(c, xFrom, lineEnd, cy);
    else {
      c.add(`<line class="line" x1="${n(xFrom)}" y1="${n(cy)}" x2="${n(xTo)}" y2="${n(cy)}"/>`);
      drawArrowLine(c, xTo, lineEnd, cy, 'off');
    }
    drawBreaks(c, scale, cy, 6);
    if (from !== 0) c.add(bracket(xFrom, cy, 11, true));
    if (xTo !== undefined) {
      c.add(bracket(xTo, cy, 11, false));
      c.add(`<text class="tick" x="${n(xTo)}" y="${n(cy - 15)}" fill="${blue}">unsubscribe</text>`);
    }
    drawClusters(c, rowOf(l), scale, cy, laneSize, l.name);
    c.add('</g>');
    y += laneHeight;
  }

  // Time axis: a tick per frame where drawn to scale, frame numbers where something happens.
  y += 4;
  const ay = y + 4;
  c.add(`<g class="time"><line class="axis" x1="${n(lineStart)}" y1="${n(ay)}" x2="${n(lineEnd)}" y2="${n(ay)}"/>`);
  for (let i = 0; i < sortedFrames.length; i++) {
    const f = sortedFrames[i]!;
    const next = sortedFrames[i + 1];
    const upTo = next === undefined ? f : next - f <= linearGap ? next - 1 : f;
    for (let t = f; t <= upTo; t++) {
      c.add(
        `<line class="axis" x1="${n(scale.x(t))}" y1="${n(ay)}" x2="${n(scale.x(t))}" y2="${n(ay + (t === f ? 5 : 3))}"/>`,
      );
    }
  }
  drawBreaks(c, scale, ay, 5);
  let lastLabelEnd = -Infinity;
  for (const f of sortedFrames) {
    const x = scale.x(f);
    const w = String(f).length * 6.2;
    if (x - w / 2 < lastLabelEnd + 4) continue;
    c.add(`<text class="tick" x="${n(x)}" y="${n(ay + 16)}">${f}</text>`);
    lastLabelEnd = x + w / 2;
  }
  if (lastLabelEnd < lineEnd - 24)
    c.add(`<text class="tick" x="${n(lineEnd - 6)}" y="${n(ay + 16)}" style="text-anchor:end">ms</text>`);
  c.add('</g>');
  y = ay + 24;

  // Legend: what letters and crosses stand for, where the picture cannot say it.
  if (legendLines.length) {
    y += 4;
    c.add('<g class="legend">');
    for (const e of legendLines) {
      const cy = y + 8;
      if (e.mark === 'error') {
        c.add(`<path class="cross" d="M${n(lineStart - 4)} ${n(cy - 4)}l8 8m-8 0l8 -8" style="stroke-width:2.5"/>`);
      } else {
        const [fill, stroke] = colourOf(e.letter);
        c.add(
          `<circle cx="${n(lineStart)}" cy="${n(cy)}" r="7" fill="${fill}" stroke="${stroke}"/>` +
            `<text class="v" x="${n(lineStart)}" y="${n(cy + 3.5)}" font-size="9.5">${escapeXml(e.letter)}</text>`,
        );
      }
      e.lines.forEach((line, i) => {
        c.add(
          `<text class="legend" x="${n(lineStart + 16)}" y="${n(cy + 4 + i * 15)}" xml:space="preserve">${escapeXml(line)}</text>`,
        );
      });
      y += 15 * e.lines.length + 4;
    }
    c.add('</g>');
    y += 4;
  }
  const height = Math.ceil(y + 8);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc">`,
    `<title id="title">${escapeXml(s.title)}</title>`,
    `<desc id="desc">${escapeXml(s.description)}</desc>`,
    `<style>${style}</style>`,
    `<rect width="${width}" height="${height}" rx="8" fill="#ffffff"/>`,
    ...c.parts,
    '</svg>',
    '',
  ].join('\n');
}
