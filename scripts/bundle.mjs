// Bundle the CLI into two minified files: fast.mjs (the no-change path and the
// code-cache loader, node builtins only) and cli.cjs (everything). bin/portbook.js
// loads the second, through V8's code cache, only when the first cannot answer.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

// portbook's own templates, precompiled (with the options the renderer uses), so
// a run with no project overrides skips Handlebars' parser and code generator
const precompiled = {};
for (const name of readdirSync('templates').filter((file) => file.endsWith('.hbs'))) {
  const text = readFileSync(`templates/${name}`, 'utf8').replace(/\r\n?/g, '\n');
  precompiled[name] = {
    hash: createHash('sha256').update(text).digest('hex'),
    spec: Handlebars.precompile(text, { noEscape: true, strict: true }),
  };
}

// code caches of an earlier build: never used (each starts with its source's hash), only in the way
const stale = existsSync('dist/bundle') ? readdirSync('dist/bundle').filter((name) => name.endsWith('.cache')) : [];
for (const name of stale) rmSync(`dist/bundle/${name}`);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// the entry's first step: the no-change path and the code-cache loader, node builtins only
await build({ ...common, entryPoints: { fast: 'src/fast.ts' }, outdir: 'dist/bundle', outExtension: { '.js': '.mjs' }, format: 'esm' });
// everything else, as CommonJS so that src/compile-cache.ts can compile it with V8's code cache
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { PORTBOOK_PRECOMPILED: JSON.stringify(JSON.stringify(precompiled)), 'import.meta.url': '__portbookUrl' },
  banner: { js: "var __portbookUrl = require('node:url').pathToFileURL(__filename).href;" },
});
