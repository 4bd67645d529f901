/**
 * A document that agrees with itself: the ports it mentions outside its
 * tables (extract/mentions.ts: what is read, and where), the code samples gen
 * writes between `<!-- portbook:env -->`-style markers and check reports when
 * stale, and both seeds end to end. The rules' own fires/quiet tests are in
 * validate.test.ts, with every other rule's.
 *
 * Markdown samples are flush-left template strings; `md` drops the newline
 * after the opening backtick, so the first line of the sample is line 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import type { PortMention, Registry } from '../src/registry/types.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;

const md = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((text, part, index) => text + String(values[index - 1]) + part).replace(/^\n/, '');

const registryOf = (markdown: string | Uint8Array): Registry =>
  extract(read(typeof markdown === 'string' ? new TextEncoder().encode(markdown) : markdown, 'PORTS.md'));

/** A mention as plain data: where its digits stand, what it reads as, and what names it. */
const shown = (mention: PortMention) => ({
  at: `${mention.port.position.line}:${mention.port.position.column}`,
  port: mention.port.value,
  text: mention.port.text,
  context: mention.context,
  ...(mention.lang !== undefined && { lang: mention.lang }),
  ...(mention.variable !== undefined && { variable: mention.variable }),
  ...(mention.label !== undefined && { label: mention.label }),
});

const mentionsOf = (markdown: string | Uint8Array) => (registryOf(markdown).mentions ?? []).map(shown);

const table = '| Service | Port |\n|---|---|\n| API Server | 16100 |\n';

describe('ports mentioned outside the tables', () => {
  it('reads code samples, pictures and the text, each at the first digit of its port', () => {
    const markdown = md`
${table}
The API Server listens on port 16100; locally it is http://localhost:3000/api.

\`\`\`env
API_PORT=8000
export WEB_PORT=3000
DATABASE_URL=postgres://app:secret@db.internal:5432/app
\`\`\`

\`\`\`python
import os
API_PORT: int = int(os.getenv("API_PORT", "8001"))
uvicorn.run(app, host="0.0.0.0", port=8002)
\`\`\`

\`\`\`ts
export const apiPort: number = 8003;
const web = Number(process.env.WEB_PORT) || 8004;
\`\`\`

    ┌──────────────┬───────────────┐
    │  API Server  │  Bot          │
    │  Port: 16100 │  :18938       │
    └──────────────┴───────────────┘
`;
    expect(mentionsOf(markdown)).toEqual([
      { at: '5:32', port: 16100, text: 'port 16100', context: 'prose' },
      { at: '5:70', port: 3000, text: 'http://localhost:3000', context: 'prose' },
      { at: '8:10', port: 8000, text: 'API_PORT=8000', context: 'code', lang: 'env', variable: 'API_PORT' },
      { at: '9:17', port: 3000, text: 'WEB_PORT=3000', context: 'code', lang: 'env', variable: 'WEB_PORT' },
      { at: '10:48', port: 5432, text: 'postgres://app:secret@db.internal:5432', context: 'code', lang: 'env' },
      { at: '15:44', port: 8001, text: 'API_PORT", "8001', context: 'code', lang: 'python', variable: 'API_PORT' },
      { at: '16:39', port: 8002, text: 'port=8002', context: 'code', lang: 'python' },
      { at: '20:32', port: 8003, text: 'apiPort: number = 8003', context: 'code', lang: 'ts', variable: 'apiPort' },
      { at: '21:45', port: 8004, text: 'process.env.WEB_PORT) || 8004', context: 'code', lang: 'ts', variable: 'WEB_PORT' },
      { at: '26:14', port: 16100, text: 'Port: 16100', context: 'picture', label: 'API Server' },
      { at: '26:24', port: 18938, text: ':18938', context: 'picture', label: 'Bot' },
    ]);
    // the columns are those of the digits in the file
    const lines = markdown.split('\n');
    for (const { at, port } of mentionsOf(markdown)) {
      const [line, column] = at.split(':').map(Number) as [number, number];
      expect(lines[line - 1]!.slice(column - 1, column - 1 + String(port).length), at).toBe(String(port));
    }
  });

  it('reads none of the numbers that are not ports where they stand', () => {
    const markdown = md`
# Ports, 2025 edition (v2.3)

${table}
- **Development ports** are typically in the 3000-9000 range
- **Well-known ports** (0-1023) require administrator privileges; nginx takes ports 80 and 443
- Avoid common ports like 8080, 5000, 3306
- Windows: \`netstat -ano | findstr :PORT\`; Linux/Mac: \`lsof -i :PORT\`
- Ports 16000 to 16099 are free; the API Server runs 4 workers on Python 3.11, Node 20
- Port range: 17000..17099, and port 70000 is no port, nor port 08080
- Last Updated: September 8, 2025 at 10:30

## Reserved Port Ranges

- **Bot Range**: \`18938-18948\` (port 18938 for bots)

<!-- port 19000 in a comment -->

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| api.example.com | 443 | yes | 127.0.0.1:16100 |

\`\`\`sh
python3 -m http.server --bind 127.0.0.1
echo "Port 3000-3010 taken"
\`\`\`

\`\`\`mermaid
flowchart LR
    api["API<br/>:16100"]
\`\`\`
`;
    expect(mentionsOf(markdown)).toEqual([]);
  });

  it('points at the port on disk through a BOM, CRLF and repaired mojibake (the Creator Suite seed)', () => {
    const bytes = readFileSync(path.join(seeds, 'creator-suite.md'));
    const picture = mentionsOf(bytes).filter((mention) => mention.context === 'picture');
    expect(picture.map(({ port, label }) => ({ port, label }))).toEqual([
      { port: 16532, label: 'Frontend' },
      { port: 17354, label: 'API Backend' },
      { port: 18938, label: 'Bot Interface' },
    ]);
    const lines = new TextDecoder().decode(bytes).split('\n');
    for (const { at, port } of picture) {
      const [line, column] = at.split(':').map(Number) as [number, number];
      expect(line).toBe(46);
      expect(lines[line - 1]!.indexOf(String(port)) + 1).toBe(column);
    }
    const crlf = `\uFEFF${md`
${table}
Run it on port 16100.
`.replace(/\n/g, '\r\n')}`;
    expect(mentionsOf(crlf)).toEqual([{ at: '5:16', port: 16100, text: 'port 16100', context: 'prose' }]);
  });

  it('does not read a block portbook writes, but reads someone’s text between its markers', () => {
    const own = md`
${table}
<!-- portbook:env -->
\`\`\`env
API_PORT=8000
\`\`\`
<!-- /portbook:env -->
`;
    expect(mentionsOf(own)).toEqual([]);
    expect(registryOf(own).sampleBlocks).toEqual([{ kind: 'env', open: 5, close: 9 }]);
    const foreign = own.replace('<!-- /portbook:env -->', 'API_PORT=8001 is what we use.\n<!-- /portbook:env -->');
    expect(mentionsOf(foreign).map(({ port }) => port)).toEqual([8000, 8001]);
    expect(registryOf(foreign).sampleBlocks).toEqual([{ kind: 'env', foreign: { line: 6, column: 1 } }]);
  });
});

describe('the blocks portbook writes between its markers', () => {
  it('reads each kind’s first pair at the top level, in its own languages', () => {
    const registry = registryOf(md`
${table}
<!-- portbook:python -->
\`\`\`py
OLD = 1
\`\`\`
<!-- /portbook:python -->

<!-- portbook:ts -->
<!-- /portbook:ts -->

<!-- portbook:ts -->
<!-- /portbook:ts -->

<!-- portbook:env -->
\`\`\`sh
API_PORT=1
\`\`\`
<!-- /portbook:env -->

> <!-- portbook:diagram -->
> <!-- /portbook:diagram -->
`);
    expect(registry.sampleBlocks).toEqual([
      { kind: 'env', foreign: { line: 18, column: 1 } },
      { kind: 'python', open: 5, close: 9 },
      { kind: 'ts', open: 11, close: 12, secondMarker: { line: 14, column: 1 } },
    ]);
    expect(registry.diagramBlock).toBeUndefined();
  });
});
