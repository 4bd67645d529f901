/**
 * What a registry may hold without a crash (#18, #19): trees deeper than the
 * JavaScript stack, more nodes and lines than a function's arguments can
 * take. Extraction walks with stacks of its own, so the trees here are built
 * by hand, past the parser and read/bounds.ts, as deep as no parser would
 * make them.
 */
import type { BlockContent, Nodes, PhrasingContent, Root, RootContent, TableCell } from 'mdast';
import { VFile } from 'vfile';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import type { Source } from '../src/read/index.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('limits');

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
});
