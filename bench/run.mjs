#!/usr/bin/env node
// npm run bench: whole-process timings of portbook against `node -e 0` and
// against a plain remark + handlebars script (bench/plain.mjs), interleaved,
// after a warm-up, as medians and ratios, with peak RSS, beside the targets of
// issue #22 and whether each is met. Timings never go in the unit tests; this
// is where they are measured. About three minutes on a quiet two-core machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repo, 'bin/portbook.cjs');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const work = mkdtempSync(path.join(os.tmpdir(), 'portbook-bench-'));
// the moved-aside outputs (below) come to about 2 GB by the end: removed however the bench ends
// (and a second bench started within five minutes of that pays for it, on such a disk)
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const rssFile = path.join(work, 'rss');
const began = Date.now();

// a cold case is cold: it passes --no-cache once gen has a cache of its own to skip (the edit case keeps it warm)
const help = spawnSync(process.execPath, [bin, 'gen', '--help'], { encoding: 'utf8' }).stdout;
const noCache = help.includes('--no-cache') ? ['--no-cache'] : [];

function registry(services) {
  const file = path.join(work, `ports-${services}.md`);
  writeFileSync(
    file,
    spawnSync(process.execPath, [path.join(repo, 'bench/make-registry.mjs'), String(services)], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout,
  );
  return file;
}

/**
 * One whole-process run: wall time in ms, or with `rss`, peak RSS in MiB
 * (measured by a preloaded module, so those runs are not timed). `sync` first,
 * so that the write-back of earlier runs (thousands of files) does not land
 * in this one.
 */
function once(args, cwd = work, prepare, rss = false) {
  prepare?.();
  spawnSync('sync');
  if (rss) writeFileSync(rssFile, '');
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...(rss ? ['--import', path.join(repo, 'bench/rss.mjs')] : []), ...args], {
    cwd,
    env: { ...process.env, PORTBOOK_BENCH_RSS: rssFile },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  if (!rss) return ms;
  return Math.max(0, ...readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number)) / 1024;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Run the cases interleaved (a, b, c, a, b, c …) after one warm-up each (which also measures peak RSS); medians per case. */
function measure(cases) {
  const peaks = cases.map((c) => once(c.args, c.cwd, c.prepare, true));
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [index, c] of cases.entries()) samples[index].push(once(c.args, c.cwd, c.prepare));
  }
  return cases.map((c, index) => ({ name: c.name, ms: median(samples[index]), rss: peaks[index] }));
}

const seed = path.join(repo, 'test/fixtures/seeds/creator-suite.md');
const sizes = { 200: registry(200), 2000: registry(2000), 20000: registry(20000) };
const out = (name) => path.join(work, 'out', name);
// Outputs of an earlier run are moved aside, and deleted only at the end. On
// ext4 without a journal (this VM's disk), allocating an inode skips, one by
// one, every inode freed in the last 60 s (fs/ext4/ialloc.c, recently_deleted):
// deleting 4,000 outputs just before a run made that run's mkdir and open
// calls 5 to 20 times slower, a cost of the benchmark's own cleanup, not of gen.
const trash = path.join(work, 'trash');
mkdirSync(trash);
let trashed = 0;
const fresh = (name) => () => {
  if (existsSync(out(name))) renameSync(out(name), path.join(trash, String(trashed++)));
};
const nodeBaseline = { name: 'node -e 0', args: ['-e', '0'] };

const rows = [];
/** A row; `target`: the bounds on the ratio and the peak RSS (MiB), when it sets any. */
const report = (label, result, baseline, target = {}) => {
  rows.push({ label, ms: result.ms, rss: result.rss, ratio: result.ms / baseline.ms, against: baseline.name, target });
};
const targetText = ({ ratio, rss }) => [ratio && `≤ ${ratio < 10 ? ratio.toFixed(1) : ratio}×`, rss && `≤ ${rss} MiB`].filter(Boolean).join(', ');
const met = ({ ratio: r, rss: m, target: { ratio, rss } }) =>
  ratio === undefined && rss === undefined ? '' : (ratio === undefined || r <= ratio) && (rss === undefined || m <= rss) ? 'yes' : 'no';

// 1. cold gen on the seed, writing all targets, vs node -e 0
{
  const args = [bin, 'gen', ...noCache, '--source', seed, '--out', out('seed')];
  const withoutCache = () => {
    fresh('seed')();
    for (const name of readdirSync(path.join(repo, 'dist/bundle')).filter((file) => file.endsWith('.cache'))) rmSync(path.join(repo, 'dist/bundle', name));
  };
  const [node, cold, first] = measure([nodeBaseline, { name: 'cold seed', args, prepare: fresh('seed') }, { name: 'first seed', args, prepare: withoutCache }]);
  report('cold gen, seed registry', cold, node, { ratio: 2.0 });
  report('first gen after install (no code cache yet), seed', first, node);
}
// 2. unchanged gen and check vs node -e 0
{
  once([bin, 'gen', '--source', seed, '--out', out('same')]);
  const [node, gen, check] = measure([
    nodeBaseline,
    { name: 'unchanged gen', args: [bin, 'gen', '--source', seed, '--out', out('same')] },
    { name: 'unchanged check', args: [bin, 'check', '--source', seed, '--out', out('same')] },
  ]);
  report('unchanged gen, seed', gen, node, { ratio: 1.3 });
  report('unchanged check, seed', check, node, { ratio: 1.3 });
}
// 3. cold gen on 200 and 2,000 services vs the plain pipeline
for (const size of [200, 2000]) {
  const plain = {
    name: `plain pipeline, ${size.toLocaleString('en')}`,
    args: [path.join(repo, 'bench/plain.mjs'), sizes[size], path.join(work, `plain-${size}.env`)],
  };
  // the floor under a cold gen: start Node, load the bundle through the code cache, parse the registry as gen does; nothing else
  const parseOnly = { name: `parse only ${size}`, args: [path.join(repo, 'bench/parse-only.cjs'), sizes[size]] };
  const [baseline, cold, floor] = measure([
    plain,
    { name: `cold ${size}`, args: [bin, 'gen', ...noCache, '--source', sizes[size], '--out', out(String(size))], prepare: fresh(String(size)) },
    parseOnly,
  ]);
  report(`cold gen, ${size.toLocaleString('en')} services`, cold, baseline, size === 2000 ? { ratio: 0.8, rss: 150 } : {});
  if (size === 2000) {
    rows.push({ label: 'plain pipeline, 2,000 services', ms: baseline.ms, rss: baseline.rss, ratio: 1, against: 'itself', target: {} });
    report('start, load and parse only (no gen), 2,000 services', floor, baseline);
  }
}
// 3b. the pre-commit hook's case: one row's port edited in the 2,000-service registry, outputs from the last gen
// present, and whatever gen caches warm (no --no-cache)
{
  const source = path.join(work, 'edited-2000.md');
  const original = readFileSync(sizes[2000], 'utf8');
  // each run edits a row no run edited before (an even port, never a proxy target, to a new port): toggling
  // between two versions of one edit would find both rendered and parsed in the caches after the first two runs
  const evenPorts = [...original.matchAll(/\| `(1[01]\d\d[02468])` \|/g)].map((match) => match[1]);
  let text = original;
  let edits = 0;
  const edit = () => {
    edits++;
    const port = evenPorts[(edits * 7) % evenPorts.length];
    text = text.replace(`| \`${port}\` |`, `| \`${20000 + edits}\` |`);
    writeFileSync(source, text);
  };
  writeFileSync(source, original);
  once([bin, 'gen', '--source', source, '--out', out('edited')]);
  const plain = { name: 'plain pipeline, 2,000', args: [path.join(repo, 'bench/plain.mjs'), sizes[2000], path.join(work, 'plain-2000.env')] };
  const [baseline, gen] = measure([plain, { name: 'edited 2000', args: [bin, 'gen', '--source', source, '--out', out('edited')], prepare: edit }]);
  report('gen after a one-row edit, 2,000 services', gen, baseline, { ratio: 0.5 });
}
// 4. growth: 20,000 services vs 2,000
{
  const cold2000 = rows.find((row) => row.label === 'cold gen, 2,000 services');
  const [cold] = measure([{ name: 'cold 20000', args: [bin, 'gen', ...noCache, '--source', sizes[20000], '--out', out('20000')], prepare: fresh('20000') }]);
  rows.push({
    label: 'cold gen, 20,000 services',
    ms: cold.ms,
    rss: cold.rss,
    ratio: cold.ms / cold2000.ms,
    against: 'cold gen, 2,000',
    target: { ratio: 11, rss: 600 },
  });
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const minutes = ((Date.now() - began) / 60_000).toFixed(1);
console.log(`portbook bench: ${runs} interleaved runs per case after a warm-up, medians; ${os.cpus().length} × ${cpu}, Node ${process.version}`);
console.log(`cold cases ${noCache.length > 0 ? 'pass --no-cache' : 'run as gen is (it has no --no-cache)'}; ${minutes} min\n`);
console.log('| case | median | peak RSS | ratio | against | target | met |');
console.log('| --- | ---: | ---: | ---: | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.label} | ${row.ms.toFixed(0)} ms | ${row.rss.toFixed(0)} MiB | ${row.ratio.toFixed(2)}× | ${row.against} | ${targetText(row.target)} | ${met(row)} |`,
  );
}
