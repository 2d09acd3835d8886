/**
 * Renders every marble diagram in marbles/ into README.md, docs/marbles.md and one SVG picture per
 * scenario in docs/marbles/. `npm run docs` writes them (and deletes pictures of scenarios that no
 * longer exist); `npm run docs -- --check` fails when a committed file is stale.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { renderDocs, rootDir } from '../marbles/docs';

const checkOnly = process.argv.includes('--check');
let stale = 0;
for (const { path, current, rendered } of await renderDocs()) {
  if (current === rendered) continue;
  stale++;
  const name = relative(rootDir, path);
  if (checkOnly) {
    console.error(
      rendered === '' ? `${name} is no longer rendered: run npm run docs` : `${name} is stale: run npm run docs`,
    );
  } else if (rendered === '') {
    rmSync(path, { force: true });
    console.log(`deleted ${name}`);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rendered);
    console.log(`wrote ${name}`);
  }
}
if (checkOnly && stale > 0) process.exit(1);
if (!checkOnly && stale === 0) console.log('docs are current');
