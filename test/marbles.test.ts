import { describe, expect, it } from 'vitest';
import { renderDocs } from '../marbles/docs';
import { loadMarbles } from '../marbles/load';
import { runScenario } from '../marbles/run';
import { createScheduler } from './helpers/scheduler';

const suites = await loadMarbles();

for (const { file, suite } of suites) {
  describe(`marbles/${file}.marbles.ts (${suite.subject})`, () => {
    for (const s of suite.scenarios) {
      it(s.title, () => {
        runScenario(s, createScheduler());
      });
    }
  });
}

describe('rendered docs', () => {
  it('README.md and docs/marbles.md show the current diagrams (run npm run docs if not)', async () => {
    for (const { path, current, rendered } of await renderDocs()) {
      expect(current, path).toBe(rendered);
    }
  });

  it('has at least one scenario per suite, with unique ids', () => {
    for (const { file, suite } of suites) {
      expect(suite.scenarios.length, file).toBeGreaterThan(0);
      const ids = suite.scenarios.map((s) => s.id);
      expect(new Set(ids).size, file).toBe(ids.length);
    }
  });
});
