/**
 * The README's rules and outputs tables, and docs/rules.md, are made from the
 * rule catalogue and the target table: this test fails when they differ.
 * `UPDATE=1 npx vitest run test/docs.test.ts` rewrites them from the code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
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
});
