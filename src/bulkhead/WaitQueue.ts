/** A node of a {@link WaitQueue}: the links live on the node itself, so queueing allocates nothing. */
export interface WaitNode<N> {
  waitPrev: N | null;
  waitNext: N | null;
}

/**
 * A FIFO of waiters as an intrusive doubly linked list: `push`, `shift` and `remove` (of a waiter
 * that gave up, from anywhere in the queue) are all O(1), so a 100,000-item backlog costs the same
 * per item as a 10-item one. `Array#shift` would copy the backlog on every dequeue.
 *
 * A node belongs to at most one queue at a time; the caller keeps track of which (removing a node
 * from a queue it is not in corrupts both).
 */
export class WaitQueue<N extends WaitNode<N>> {
  private head: N | null = null;
  private tail: N | null = null;
  /** How many nodes are queued. */
  size = 0;

  /** Appends `node` at the back. */
  push(node: N): void {
    node.waitPrev = this.tail;
    node.waitNext = null;
    if (this.tail === null) this.head = node;
    else this.tail.waitNext = node;
    this.tail = node;
    this.size++;
  }

  /** Takes the oldest node off the front, or returns `null` when empty. */
  shift(): N | null {
    const node = this.head;
    if (node === null) return null;
    this.head = node.waitNext;
    if (this.head === null) this.tail = null;
    else this.head.waitPrev = null;
    node.waitNext = null;
    this.size--;
    return node;
  }

  /** Unlinks `node`, wherever it is in this queue. */
  remove(node: N): void {
    const { waitPrev: prev, waitNext: next } = node;
    if (prev === null) this.head = next;
    else prev.waitNext = next;
    if (next === null) this.tail = prev;
    else next.waitPrev = prev;
    node.waitPrev = node.waitNext = null;
    this.size--;
  }

  /** The oldest node, without removing it. */
  peek(): N | null {
    return this.head;
  }
}
