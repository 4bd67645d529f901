#!/usr/bin/env node
// A tiny entry: answer `gen`/`check` from hashes when nothing changed, and
// load the full CLI (parser, template engine) only when something did. Both
// bundles are compiled with V8's code cache, by the loader of
// src/support/compile-cache.ts, in loader.cjs (src/cli/entry.ts, a few KB, the
// one file compiled as it is) with the fast path's argument check: fast.cjs is
// loaded only for arguments it may answer. CommonJS, like the bundles it loads:
// Node's ESM loader alone would add a tenth to a run that nothing changed for.
'use strict';
const path = require('node:path');
const { fastArguments, loadWithCodeCache, saveCodeCaches } = require('../dist/bundle/loader.cjs');

const bundle = (name) => path.join(__dirname, '../dist/bundle', name);

// a reader that stops early (`portbook gen --dry-run | head`) is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const argv = process.argv.slice(2);
const io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  tty: process.stderr.isTTY === true,
  stdoutTty: process.stdout.isTTY === true,
};
const code = fastArguments(argv) ? loadWithCodeCache(bundle('fast.cjs')).exports.fastPath(argv, io) : undefined;
if (code !== undefined) {
  process.exitCode = code;
  // the first answer without a cache of fast.cjs (after a build, or an install) leaves one
  saveCodeCaches();
} else {
  const cli = loadWithCodeCache(bundle('cli.cjs'));
  const done = (exitCode) => {
    process.exitCode = exitCode;
    // cache what a gen or check compiled (in cli.cjs, fast.cjs when it was asked, and the bundles loaded on demand): the code the next run needs
    if (argv[0] === 'gen' || argv[0] === 'check') saveCodeCaches();
  };
  // set the exit code at once when main answers at once: an EPIPE handler that runs next must exit with it
  const result = cli.exports.main(argv, io);
  if (typeof result === 'number') {
    done(result);
    // A command answered at once is done: end the process without tearing down its heap first (a first gen of 2,000
    // services leaves some 100 MiB of it: 10 ms). Two immediates on, after the check of src/cli/main.ts for a signal
    // held during a write (its immediates were queued first, and set the exit code), and only once everything
    // written to stdout and stderr has left the process; else it ends as usual.
    setImmediate(() =>
      setImmediate(() => {
        if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
      }),
    );
  } else result.then(done);
}
