/** The json target: registry.json matches its JSON Schema (checked by ajv) and every position points at its value. */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { defaultRenderOptions } from '../src/config/load.js';
import { extract } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import { renderFiles } from '../src/render/index.js';
import { loadTemplates } from '../src/render/templates.js';
import { verifyStamp } from '../src/support/stamp.js';
import { validate } from '../src/validate/index.js';

const schema = JSON.parse(readFileSync(new URL('../schema/registry.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
const valid = ajv.compile(schema);

interface Point {
  line: number;
  column: number;
}
interface Registry {
  $comment: string;
  environments: string[];
  services: Array<{ name: string; port: number; environment: string; positions: Record<string, Point> }>;
  domains: Array<{ domain: string; port: number; ssl: boolean; service: string | null; positions: Record<string, Point> }>;
  ranges: Array<{ name: string; from: number; to: number; positions: Record<string, Point> }>;
}

function registryJson(markdown: string): { json: Registry; text: string; lines: string[] } {
  const source = read(new TextEncoder().encode(markdown), 'docs/PORTS.md');
  const registry = extract(source);
  validate(registry, source.file);
  expect(source.file.messages.filter((message) => message.fatal).map((message) => message.reason)).toEqual([]);
  const files = renderFiles({
    registry,
    options: { ...defaultRenderOptions, targets: ['json'] },
    templates: loadTemplates(undefined),
    source: 'docs/PORTS.md',
  });
  expect([...files.keys()]).toEqual(['registry.json']);
  const file = files.get('registry.json')!;
  expect(file.target).toBe('json');
  return { json: JSON.parse(file.content) as Registry, text: file.content, lines: source.original.split(/\r\n|\r|\n/) };
}

const seeds = ['creator-suite', 'template-filled'] as const;
const seedText = (name: string): string => {
  const bytes = readFileSync(new URL(`./fixtures/seeds/${name}.md`, import.meta.url));
  // the creator-suite seed is double-encoded on purpose; read() repairs it, so positions point into the repaired text's columns on disk
  return new TextDecoder().decode(bytes);
};

describe('json target', () => {
  it.each(seeds)('%s: registry.json is valid against schema/registry.schema.json', (name) => {
    const { json } = registryJson(seedText(name));
    const ok = valid(json);
    expect(valid.errors ?? [], JSON.stringify(valid.errors)).toEqual([]);
    expect(ok).toBe(true);
    expect(json.services.length).toBeGreaterThan(0);
  });

  it.each(seeds)('%s: each service port and name position points at the value in the registry', (name) => {
    const { json, lines } = registryJson(seedText(name));
    for (const service of json.services) {
      const port = service.positions.port!;
      const at = lines[port.line - 1]!.slice(port.column - 1);
      // the cell starts at its markup (`` `17354` ``, **17354**) or the digits
      expect(at.replace(/^[`*_]+/, '').startsWith(String(service.port)), `${service.name}: ${at}`).toBe(true);
    }
  });

  it('carries an intact stamp, and an edit breaks it', () => {
    const { text } = registryJson(seedText('template-filled'));
    expect(verifyStamp(text)).toBe('intact');
    expect(verifyStamp(text.replace(/"port": \d+/, '"port": 1'))).toBe('edited');
  });

  it('says which service each domain reaches, with its listen port and SSL', () => {
    const { json } = registryJson(
      [
        '## Ports',
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| API | 17354 | HTTP |',
        '',
        '## External Access',
        '| Domain | SSL | Proxy Target |',
        '|---|---|---|',
        '| https://api.example.com | ✅ | 127.0.0.1:17354 |',
        '',
        '## Reserved Port Ranges',
        '- **API**: 17000-17999',
      ].join('\n'),
    );
    expect(valid(json)).toBe(true);
    expect(json.domains).toMatchObject([{ domain: 'api.example.com', port: 443, ssl: true, service: 'API', positions: { domain: { line: 9, column: 3 } } }]);
    expect(json.ranges).toMatchObject([{ name: 'API', from: 17000, to: 17999, positions: { range: { line: 12, column: 12 } } }]);
  });

  it('the schema rejects what the json target never writes', () => {
    const { json } = registryJson(seedText('template-filled'));
    const broken = structuredClone(json) as unknown as { services: Array<Record<string, unknown>> };
    broken.services[0]!.port = 70000;
    expect(valid(broken)).toBe(false);
    const extra = structuredClone(json) as unknown as Record<string, unknown>;
    extra.unexpected = true;
    expect(valid(extra)).toBe(false);
  });
});
