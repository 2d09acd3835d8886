// Generates the API reference (docs/api, Markdown, from the doc comments) with TypeDoc, failing on
// any export without a doc comment. With --check, generates into a scratch folder and fails when
// the committed docs/api differs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'rxjs-resilience-api-')) : join(root, 'docs', 'api');
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

function files(dir) {
  let found = [];
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) found = found.concat(files(path));
      else found.push(path);
    }
  } catch {
    // a missing folder has no files
  }
  return found;
}

try {
  execFileSync(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: root, stdio: 'inherit' });
  if (check) {
    const committed = join(root, 'docs', 'api');
    const want = new Map(files(out).map((f) => [relative(out, f), readFileSync(f, 'utf8')]));
    const have = new Map(files(committed).map((f) => [relative(committed, f), readFileSync(f, 'utf8')]));
    const stale = [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k));
    if (stale.length) {
      console.error(
        `docs/api is stale (run npm run docs:api): ${stale.slice(0, 10).join(', ')}${stale.length > 10 ? ', …' : ''}`,
      );
      process.exit(1);
    }
    console.log('docs/api is current');
  } else {
    console.log('wrote docs/api');
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
