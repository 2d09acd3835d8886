import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectExitsByItself } from '../helpers/child';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('Drainer in a Node.js process', () => {
  it('an idle process holding a draining drainer with a call in flight exits by itself (the drain timeout is unref’d)', () => {
    const out = expectExitsByItself('test/drain/fixtures/idle-draining.ts');
    // exited while still draining: the drain never ended, nothing else held the process
    expect(out.trim()).toBe(JSON.stringify({ name: 'drainer', draining: true, inFlight: 1, drained: false }));
  }, 70_000);
});

describe('the graceful-shutdown recipe', () => {
  it('on SIGTERM, stops accepting, lets the request in flight finish, and exits 0 once drained', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/drain/fixtures/graceful-server.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    /** Resolves with the first match of `pattern` in the child's output, as soon as it is there. */
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(stdout);
          if (!found) return;
          child.stdout.off('data', check);
          resolve(found);
        };
        child.stdout.on('data', check);
        child.once('close', () => reject(new Error(`no ${pattern} in ${JSON.stringify(stdout)}; stderr: ${stderr}`)));
        check();
      });
    try {
      const port = Number((await waitFor(/listening (\d+)/))[1]);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
      const response = fetch(`http://127.0.0.1:${port}/work`);
      await waitFor(/started/);
      child.kill('SIGTERM');
      const res = await response;
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('done');
      expect(await exited).toBe(0);
      const result = JSON.parse((await waitFor(/\{.*\}/))[0]) as { completed: boolean; inFlightAtStart: number };
      // the request, and perhaps a message or two, were in flight; all finished
      expect(result.completed).toBe(true);
      expect(result.inFlightAtStart).toBeGreaterThanOrEqual(1);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
