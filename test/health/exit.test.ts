import { describe, expect, it } from 'vitest';
import { expectExitsByItself } from '../helpers/child';

describe('HealthTracker in a Node.js process', () => {
  it('an idle process holding a tracker with recorded calls exits by itself (its expiry timer is unref’d)', () => {
    const out = expectExitsByItself('test/health/fixtures/idle-tracker.ts');
    expect(JSON.parse(out)).toEqual({ calls: 2, failures: 1 });
  }, 70_000);
});
