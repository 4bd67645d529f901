/**
 * The README's rules and outputs tables, and docs/rules.md, are made from the
 * rule catalogue and the target table: this test fails when they differ.
 * `UPDATE=1 npx vitest run test/docs.test.ts` rewrites them from the code.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Nodes } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { ruleCatalogue, ruleIds } from '../src/diagnostics/rules.js';
import { targets } from '../src/targets/index.js';
import { rules } from '../src/validate/index.js';

const readmeFile = new URL('../README.md', import.meta.url);
const rulesFile = new URL('../docs/rules.md', import.meta.url);

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\\\\\|/g, '\\|');

function rulesTable(): string {
  const rows = ruleIds.map((id) => `| [\`${id}\`](docs/rules.md#${id}) | ${ruleCatalogue[id].severity} | ${cell(ruleCatalogue[id].summary)} |`);
  return ['| rule | severity | catches |', '| --- | --- | --- |', ...rows].join('\n');
}

function outputsTable(): string {
  const rows = targets.map((target) => `| \`${target.id}\` | ${target.paths} | ${target.byDefault ? 'yes' : 'no'} | ${cell(target.summary)} |`);
  return ['| target | files | on by default | what it writes |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function rulesDocument(): string {
  const stages = { read: 'reading the file', extract: 'reading the tables', validate: 'the rules', build: 'building', gen: 'gen, comparing with the disk' };
  const sections = ruleIds.map((id) => {
    const rule = ruleCatalogue[id];
    return `## ${id}\n\n**${rule.severity}**, from ${stages[rule.stage]}. ${rule.summary}\n\n${rule.docs}\n`;
  });
  return `<!-- Made from src/diagnostics/rules.ts by test/docs.test.ts (UPDATE=1 rewrites it): edit the catalogue, not this file. -->\n\n# portbook's rules\n\nEvery diagnostic portbook reports, by its id: \`docs/PORTS.md:12:15 error <message> <rule-id>\`. Errors stop gen (nothing is written, exit 1); warnings are printed and the run goes on.\n\n${sections.join('\n')}`;
}

const root = new URL('..', import.meta.url).pathname;

/** GitHub's anchor for a heading: lowercase, punctuation removed, spaces to hyphens, `-1`, `-2` for repeats. */
function slugs(headings: readonly string[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const heading of headings) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

/** The headings and the link targets of a Markdown file, read as GitHub reads them (code blocks hold neither). */
const markdownRead = new Map<string, { anchors: Set<string>; links: string[] }>();
function markdownOf(file: string): { anchors: Set<string>; links: string[] } {
  const known = markdownRead.get(file);
  if (known) return known;
  const tree = unified().use(remarkParse).use(remarkGfm).parse(readFileSync(file, 'utf8'));
  const headings: string[] = [];
  const links: string[] = [];
  const stack: Nodes[] = [tree];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === 'heading') headings.push(textOf(node));
    if (node.type === 'link' || node.type === 'definition' || node.type === 'image') links.push(node.url);
    if ('children' in node) stack.push(...(node.children as Nodes[]));
  }
  const read = { anchors: slugs(headings), links };
  markdownRead.set(file, read);
  return read;
}

/** The text between `<!-- portbook-docs:NAME -->` and `<!-- /portbook-docs:NAME -->`, replaced by `body`. */
function withSection(text: string, name: string, body: string): string {
  const open = `<!-- portbook-docs:${name} -->\n\n`;
  const close = `\n\n<!-- /portbook-docs:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close, start);
  expect(start, `README has the ${name} markers`).toBeGreaterThan(-1);
  expect(end, `README has the closing ${name} marker`).toBeGreaterThan(start);
  return text.slice(0, start + open.length) + body + text.slice(end);
}

describe('the documentation made from the code', () => {
  it('declares every rule of the validate stage in the catalogue, each once', () => {
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(ruleIds.filter((id) => ruleCatalogue[id].stage === 'validate').sort());
  });

  it('has the README tables and docs/rules.md as the catalogue and the target table make them', () => {
    const readme = readFileSync(readmeFile, 'utf8');
    const expected = withSection(withSection(readme, 'rules', rulesTable()), 'outputs', outputsTable());
    const document = rulesDocument();
    if (process.env.UPDATE) {
      writeFileSync(readmeFile, expected);
      writeFileSync(rulesFile, document);
    }
    expect(readme).toBe(expected);
    expect(readFileSync(rulesFile, 'utf8')).toBe(document);
  });

  it('has every relative link and #anchor of README.md and docs/*.md pointing at a file and heading that exist', () => {
    const pages = [
      'README.md',
      ...readdirSync(path.join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ];
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of markdownOf(path.join(root, page)).links) {
        if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(link)) continue;
        const [target = '', anchor] = link.split('#');
        const file = target === '' ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), decodeURIComponent(target));
        if (!existsSync(file)) broken.push(`${page}: ${link} (no such file)`);
        else if (anchor !== undefined && !markdownOf(file).anchors.has(decodeURIComponent(anchor))) broken.push(`${page}: ${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
