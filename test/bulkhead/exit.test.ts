import { describe, expect, it } from 'vitest';
import { expectExitsByItself } from '../helpers/child';

describe('Bulkhead in a Node.js process', () => {
  it('a process holding a waiter queued under a long queueTimeout exits by itself (the queue timer is unref’d)', () => {
    const out = expectExitsByItself('test/bulkhead/fixtures/queued-waiter.ts');
    expect(JSON.parse(out)).toMatchObject({ name: 'db', active: 1, queued: 1, rejected: 1 });
  }, 70_000);
});
