/**
 * The library as users get it: the built package in dist/ (run `npm run build` first; `npm run
 * bench` does). Benchmarks never run the TypeScript sources, whose dev-time transform adds costs
 * (such as keeping function names) that the published build does not have.
 */
import type * as Lib from '../src/index';

export const lib = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof Lib;
