/**
 * The house rules of src/, checked from the imports themselves: arrows run one
 * way (command line → library → stages → registry model, no folder reaching
 * back), nothing but the command line imports the command line, and only
 * read/ and extract/ touch mdast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../src/', import.meta.url).pathname;

/** Every module of src/ (relative to it) with the modules and packages it imports. */
function modules(): Map<string, { local: string[]; packages: string[] }> {
  const found = new Map<string, { local: string[]; packages: string[] }>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        const specifiers = [...text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gm)].map((match) => match[1]!);
        const local = specifiers
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => path.relative(src, path.resolve(path.dirname(full), spec)).replace(/\.js$/, '.ts'));
        found.set(path.relative(src, full), { local, packages: specifiers.filter((spec) => !spec.startsWith('.')) });
      }
    }
  };
  walk(src);
  return found;
}

const folderOf = (file: string): string => (file.includes('/') ? file.split('/')[0]! : file);

describe('src/', () => {
  const all = modules();

  it('has no cycle between its folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const [file, { local }] of all) {
      for (const target of local) {
        if (folderOf(file) !== folderOf(target)) edges.set(folderOf(file), (edges.get(folderOf(file)) ?? new Set()).add(folderOf(target)));
      }
    }
    const cycles: string[] = [];
    const visit = (folder: string, trail: string[]): void => {
      for (const next of edges.get(folder) ?? []) {
        if (trail.includes(next)) cycles.push([...trail.slice(trail.indexOf(next)), next].join(' → '));
        else visit(next, [...trail, next]);
      }
    };
    for (const folder of edges.keys()) visit(folder, [folder]);
    expect(cycles).toEqual([]);
  });

  it('imports the command line only from the command line', () => {
    const offenders = [...all]
      .filter(([file, { local }]) => folderOf(file) !== 'cli' && local.some((target) => folderOf(target) === 'cli'))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });

  it('touches mdast and the parser only in read/ and extract/', () => {
    const parsing = /^(mdast|mdast-util-|unified|remark-|micromark)/;
    const offenders = [...all]
      .filter(([file, { packages }]) => !['read', 'extract'].includes(folderOf(file)) && packages.some((name) => parsing.test(name)))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });

  it('keeps the stages below the library: no stage imports commands/', () => {
    const stages = [
      'read',
      'extract',
      'validate',
      'render',
      'targets',
      'write',
      'deploy',
      'registry',
      'edit',
      'host',
      'git',
      'config',
      'diagnostics',
      'support',
    ];
    const offenders = [...all]
      .filter(([file, { local }]) => stages.includes(folderOf(file)) && local.some((target) => folderOf(target) === 'commands'))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });
});
