/**
 * Packages most runs never call, loaded on first use: Handlebars with its
 * compiler (only a project's own templates need it: portbook's are
 * precompiled, and need only Handlebars' runtime) and the diff library (only
 * for a diff that is printed). In the CLI bundle each is a bundle of its own
 * beside dist/bundle/cli.cjs (scripts/bundle.mjs builds one per entry of
 * `onDemandPackages`), loaded through the code cache; run from dist/ or from
 * the sources (the library, the tests), it is the package itself.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Diff from 'diff';
import type Handlebars from 'handlebars';
import { loadWithCodeCache } from './compile-cache.js';

/** Bundle name → the package it holds. */
export const onDemandPackages = { compiler: 'handlebars', diff: 'diff' } as const;

interface OnDemand {
  compiler: typeof Handlebars;
  diff: typeof Diff;
}

/** Set by the bundle build (scripts/bundle.mjs) in cli.cjs: the on-demand packages are bundles beside it. */
declare const PORTBOOK_ON_DEMAND_BUNDLES: boolean | undefined;

const loaded = new Map<keyof OnDemand, unknown>();

/** The package behind `name`, loaded the first time it is asked for. */
export function onDemand<Name extends keyof OnDemand>(name: Name): OnDemand[Name] {
  let exports = loaded.get(name);
  if (exports === undefined) {
    const here = fileURLToPath(import.meta.url);
    exports =
      typeof PORTBOOK_ON_DEMAND_BUNDLES === 'boolean'
        ? loadWithCodeCache(path.join(path.dirname(here), `${name}.cjs`)).exports
        : createRequire(here)(onDemandPackages[name]);
    loaded.set(name, exports);
  }
  return exports as OnDemand[Name];
}
