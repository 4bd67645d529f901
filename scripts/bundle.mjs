// Bundle the CLI into two minified ESM files: fast.mjs (the no-change path,
// node builtins only) and cli.mjs (everything). bin/portbook.js loads the
// second only when the first cannot answer.
import { build } from 'esbuild';

await build({
  entryPoints: { fast: 'src/fast.ts', cli: 'src/cli.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (handlebars) call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __portbookRequire } from 'node:module'; const require = __portbookRequire(import.meta.url);" },
});
