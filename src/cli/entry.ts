/**
 * What bin/portbook.cjs compiles as it is, dist/bundle/loader.cjs (a few KB):
 * the code-cache loader the bundles are compiled with, and whether the fast
 * path may answer the arguments at all, asked before fast.cjs is loaded.
 * cli.cjs takes the loader from here too, so one saveCodeCaches writes
 * every cache.
 */
export { loadWithCodeCache, saveCodeCaches } from '../support/compile-cache.js';
export { fastArguments } from './fast-arguments.js';
