import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaitQueue } from '../../src/bulkhead/WaitQueue';

class Node {
  waitPrev: Node | null = null;
  waitNext: Node | null = null;
  constructor(readonly id: number) {}
}

function contents(q: WaitQueue<Node>): number[] {
  const ids: number[] = [];
  for (let n = q.peek(); n !== null; n = n.waitNext) ids.push(n.id);
  return ids;
}

describe('WaitQueue', () => {
  it('is first in, first out', () => {
    const q = new WaitQueue<Node>();
    expect(q.shift()).toBeNull();
    expect(q.peek()).toBeNull();
    [1, 2, 3].forEach((i) => q.push(new Node(i)));
    expect(q.size).toBe(3);
    expect([q.shift()!.id, q.shift()!.id]).toEqual([1, 2]);
    q.push(new Node(4));
    expect(contents(q)).toEqual([3, 4]);
    expect([q.shift()!.id, q.shift()!.id, q.shift()]).toEqual([3, 4, null]);
    expect(q.size).toBe(0);
  });

  it('removes a node from the front, the middle, the back, or when it is alone', () => {
    const q = new WaitQueue<Node>();
    const nodes = [1, 2, 3, 4, 5].map((i) => new Node(i));
    nodes.forEach((n) => q.push(n));
    q.remove(nodes[2]!);
    expect(contents(q)).toEqual([1, 2, 4, 5]);
    q.remove(nodes[0]!);
    expect(contents(q)).toEqual([2, 4, 5]);
    q.remove(nodes[4]!);
    expect(contents(q)).toEqual([2, 4]);
    q.push(nodes[0]!); // a removed node can be queued again
    expect(contents(q)).toEqual([2, 4, 1]);
    q.remove(nodes[1]!);
    q.remove(nodes[3]!);
    q.remove(nodes[0]!);
    expect(q.size).toBe(0);
    expect(q.peek()).toBeNull();
    q.push(nodes[1]!);
    expect(q.shift()).toBe(nodes[1]);
    expect([nodes[1]!.waitPrev, nodes[1]!.waitNext]).toEqual([null, null]);
  });

  it('behaves like an array under any sequence of push, shift and remove (property)', () => {
    type Op = { kind: 'push' } | { kind: 'shift' } | { kind: 'remove'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'push' }),
      fc.constant<Op>({ kind: 'shift' }),
      fc.nat().map<Op>((pick) => ({ kind: 'remove', pick })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new WaitQueue<Node>();
        const model: Node[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const n = new Node(next++);
            q.push(n);
            model.push(n);
          } else if (o.kind === 'shift') {
            expect(q.shift()).toBe(model.shift() ?? null);
          } else if (model.length > 0) {
            const [n] = model.splice(o.pick % model.length, 1);
            q.remove(n!);
          }
          expect(q.size).toBe(model.length);
          expect(contents(q)).toEqual(model.map((n) => n.id));
          // links are consistent both ways
          for (let n = q.peek(); n !== null; n = n.waitNext) if (n.waitNext) expect(n.waitNext.waitPrev).toBe(n);
        }
      }),
    );
  });
});
