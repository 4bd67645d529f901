// The floor under a cold `portbook gen`: start Node, load portbook's bundle
// through the code cache exactly as bin/portbook.cjs does, and read (decode
// and parse, with remark, in slices) the registry. Nothing is extracted,
// validated, rendered or written. Usage: node bench/parse-only.cjs PORTS.md
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { loadWithCodeCache } = require('../dist/bundle/loader.cjs');

const cli = loadWithCodeCache(path.join(__dirname, '../dist/bundle/cli.cjs'));
const source = cli.exports.read(readFileSync(process.argv[2]), process.argv[2]);
if (source.tree.children.length === 0) process.exit(1);
