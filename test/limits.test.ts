/**
 * What a registry may hold without a crash (#18, #19): trees deeper than the
 * JavaScript stack, more nodes and lines than a function's arguments can
 * take. Extraction walks with stacks of its own, so the trees here are built
 * by hand, past the parser and read/bounds.ts, as deep as no parser would
 * make them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BlockContent, Nodes, PhrasingContent, Root, RootContent, TableCell } from 'mdast';
import { VFile } from 'vfile';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import type { Source } from '../src/read/index.js';
import { nginxTest, ok, outcome, skipConsumers, systemdVerify } from './consumers.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('limits');
const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;

/** Far deeper than any recursion the JavaScript stack allows (about 10,000 frames). */
const depth = 200_000;

const at = (line: number, column = 1) => ({ start: { line, column }, end: { line, column: column + 1 } });

/** `content` inside `levels` nested nodes made by `wrap`, built from the inside out. */
function nest<T extends Nodes>(content: T, levels: number, wrap: (inner: Nodes) => Nodes): Nodes {
  let node: Nodes = content;
  for (let level = 0; level < levels; level++) node = wrap(node);
  return node;
}

const text = (value: string, line: number, column = 1): PhrasingContent => ({ type: 'text', value, position: at(line, column) });
const deepEmphasis = (value: string, line: number, column: number): PhrasingContent =>
  nest(text(value, line, column), depth, (inner) => ({
    type: 'emphasis',
    children: [inner as PhrasingContent],
    position: at(line, column),
  })) as PhrasingContent;
const cellOf = (content: PhrasingContent, line: number, column: number): TableCell => ({ type: 'tableCell', children: [content], position: at(line, column) });

/** A source whose tree is `tree`: what read() would give, without the parser. */
function sourceOf(tree: Root, text: string): Source {
  return { file: new VFile({ path: 'PORTS.md' }), text, repaired: text, original: text, mojibake: false, toOriginal: (point) => point, tree };
}

describe('extraction without a recursion depth limit', () => {
  it(`reads a table, details and mentions from a tree ${depth.toLocaleString('en')} levels deep`, () => {
    const heading: RootContent = { type: 'heading', depth: 2, children: [deepEmphasis('Production', 1, 4)], position: at(1) };
    const row = (cells: TableCell[], line: number) => ({ type: 'tableRow' as const, children: cells, position: at(line) });
    const table: RootContent = {
      type: 'table',
      children: [
        row([cellOf(text('Service', 3, 3), 3, 1), cellOf(text('Port', 3, 13), 3, 11), cellOf(text('Description', 3, 20), 3, 18)], 3),
        row([cellOf(deepEmphasis('Api', 5, 3), 5, 1), cellOf(text('16001', 5, 13), 5, 11), cellOf(deepEmphasis('the API', 5, 20), 5, 18)], 5),
      ],
      position: { start: { line: 3, column: 1 }, end: { line: 5, column: 30 } },
    };
    // the details of Api, in a list item whose value sits at the bottom of the emphasis
    const details: RootContent = {
      type: 'list',
      ordered: false,
      children: [
        { type: 'listItem', children: [{ type: 'paragraph', children: [deepEmphasis('Bind: 127.0.0.1', 9, 3)], position: at(9, 3) }], position: at(9) },
      ],
      position: at(9),
    };
    const detailsHeading: RootContent = { type: 'heading', depth: 3, children: [text('Api details', 7, 5)], position: at(7) };
    // and the whole table again at the bottom of as many block quotes
    const quoted = nest(table, depth, (inner) => ({ type: 'blockquote', children: [inner as BlockContent], position: at(3) })) as RootContent;
    // a port mentioned in prose, in a paragraph at the bottom of as many block quotes
    const prose = nest({ type: 'paragraph', children: [text('Api listens on port 16001.', 11)], position: at(11) }, depth, (inner) => ({
      type: 'blockquote',
      children: [inner as BlockContent],
      position: at(11),
    })) as RootContent;
    const tree: Root = { type: 'root', children: [heading, table, quoted, detailsHeading, details, prose], position: { start: at(1).start, end: at(11).end } };

    const lines = Array.from({ length: 11 }, () => '');
    lines[10] = 'Api listens on port 16001.';
    const registry = extract(sourceOf(tree, lines.join('\n')));

    expect(registry.services.map((service) => [service.name.value, service.port.text, service.description?.value, service.environment.name])).toEqual([
      ['Api', '16001', 'the API', 'production'],
      ['Api', '16001', 'the API', 'production'],
    ]);
    expect(registry.detailSections?.map((section) => [section.heading.value, section.details.bind?.value, section.details.bind?.position])).toEqual([
      ['Api details', '127.0.0.1', { line: 9, column: 9 }],
    ]);
    expect(registry.mentions?.map((mention) => [mention.port.value, mention.port.position, mention.context])).toEqual([
      [16001, { line: 11, column: 21 }, 'prose'],
    ]);
  });
});

describe('registries with more blocks and lines than a call takes arguments', () => {
  const table = (rows: number): string =>
    `## Production\n\n| Service | Port | Protocol |\n|---|---|---|\n${Array.from({ length: rows }, (_, k) => `| S${k} | ${16000 + k} | HTTP |\n`).join('')}\n`;

  it('parses 200,000 blocks after a table long enough to be parsed in slices', () => {
    const dir = writeProject(temporaryDir(), table(60) + '***\n'.repeat(200_000));
    const { code, stderr } = runCli(['gen', '--dry-run'], dir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('writes the diagram into a registry of 200,000 lines', () => {
    const dir = writeProject(temporaryDir(), `<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n${table(1)}${'\n'.repeat(200_000)}`);
    const { code, stderr } = runCli(['gen'], dir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('writes more drop-in directories than the process may hold descriptors, first and again', () => {
    // a limit of 256 open files (1,024 is the usual one) under 300 drop-ins: each written through its directory, not all open at once
    const dir = writeProject(temporaryDir(), table(300));
    const gen = (): { status: number | null; stderr: string } => {
      const run = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" "$1" gen', process.execPath, bin], { cwd: dir, encoding: 'utf8' });
      return { status: run.status, stderr: run.stderr };
    };
    expect(gen()).toEqual({ status: 0, stderr: '' });
    expect(readdirSync(path.join(dir, 'generated/systemd/production')).length).toBe(300);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), table(300).replaceAll('| 16', '| 17'));
    expect(gen()).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(path.join(dir, 'generated/systemd/production/s299.service.d/portbook.conf'), 'utf8')).toContain('17299');
  });
});

describe('names and cells longer than their consumers take', () => {
  const registry = (name: string, description = 'x'): string =>
    `## Production\n\n| Service | Port | Protocol | Description |\n|---|---|---|---|\n| ${name} | 16001 | HTTP | ${description} |\n| Web | 16002 | HTTP | ok |\n`;

  it.each([
    ['no output directory yet', false],
    ['an output directory that exists', true],
  ])('a service name of 250 characters is an error at the name, with %s: no ENAMETOOLONG, no stack trace', (_, existing) => {
    const dir = writeProject(temporaryDir(), registry('A'.repeat(250)));
    if (existing) mkdirSync(path.join(dir, 'generated/systemd/production'), { recursive: true });
    for (const command of ['gen', 'check']) {
      const { code, stderr } = runCli([command], dir);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(
        /^docs\/PORTS\.md:5:3 error Unexpected service name `A{40}…` of 250 characters, which would give the systemd unit .* name-too-long$/m,
      );
      expect(stderr).not.toMatch(/ENAMETOOLONG|\n\s+at /);
    }
    expect(existsSync(path.join(dir, 'generated/.env.production'))).toBe(false);
  });

  it('a service with a unit in systemd.units keeps its long name for everything else, but not its upstream', () => {
    const dir = writeProject(temporaryDir(), registry('A'.repeat(250)).replace('| HTTP |', '| TCP |'));
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { units: { ['A'.repeat(250)]: 'api' } } }));
    const { code, stderr } = runCli(['gen'], dir);
    // a TCP service has no upstream; its variable is derived (255 characters): said, with the Env cell as the way out
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/which would give the variable `A{40}…` \(255 characters\), .*: shorten the name, or its variable in an `Env` cell name-too-long$/m);
  });

  it.each([
    ['api:v2', 'a colon'],
    ['-api', 'a leading dash'],
  ])('a unit name with %s in systemd.units is a config error naming the key', (unit) => {
    const dir = writeProject(temporaryDir(), registry('Api'));
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { units: { Api: unit } } }));
    const { code, stderr } = runCli(['gen'], dir);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(
        /^portbook: .*portbook\.config\.json: `systemd\.units\["Api"\]` must be a unit name of at most 240 letters, digits and _ \. - .*no `:`/,
      ),
    });
  });

  it('a cell of 100 KB and 50,000 brackets are cut in the comments, with a warning each, and the consumers take the outputs', () => {
    const dir = writeProject(temporaryDir(), registry('Api', 'x'.repeat(100_000)).replace('| ok |', `| ${'['.repeat(50_000)} |`));
    const { code, stderr } = runCli(['gen'], dir);
    expect(code, stderr).toBe(0);
    expect(stderr.match(/comment-truncated$/gm)).toHaveLength(2);
    expect(stderr).toMatch(/^docs\/PORTS\.md:5:24 warning Unexpected description of 100000 characters for `Api`, expected at most 200: .* comment-truncated$/m);
    if (skipConsumers) return;
    const nginx = path.join(dir, 'generated/nginx/portbook.production.conf');
    expect(outcome(nginxTest([nginx], temporaryDir()))).toEqual(ok);
    const dropIn = path.join(dir, 'generated/systemd/production/api.service.d/portbook.conf');
    expect(outcome(systemdVerify('api', readFileSync(dropIn, 'utf8'), temporaryDir()))).toEqual(ok);
  });
});
