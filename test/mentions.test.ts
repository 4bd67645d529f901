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
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { main } from '../src/cli/main.js';
import { extract } from '../src/extract/index.js';
import { mentionsOnLine } from '../src/extract/mentions.js';
import { read } from '../src/read/index.js';
import type { PortMention, Registry } from '../src/registry/types.js';
import { sampleViolations } from './grammar.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;
const temporaryDir = temporaryDirs('mentions');
const project = (markdown: string | Buffer): string => writeProject(temporaryDir(), markdown);
const registryText = (dir: string): string => readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');

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

  it('reads a port only where no letter, digit or _ of any script runs into its word or its number', () => {
    const variables = new Set<string>();
    const ports = (text: string, picture = false) => mentionsOnLine(text, { picture, variables }).map((found) => found.port);
    // letters beyond ASCII, one a surrogate pair (𝐀), and U+0345, which the case-insensitive forms fold to a letter
    for (const text of [
      'éport 8000',
      'port\u0345 8000',
      'port 8000𝐀',
      'port 8000\u0663',
      '𝐀API_PORT=8000',
      'éxlocalhost:3000',
      '𝐀localhost:3000',
      'x.com:3000é',
    ]) {
      expect(ports(text), text).toEqual([]);
    }
    // beside what is not a letter or a digit (an arrow, an emoji, a lone surrogate), and after `://`
    expect(ports('→port 8000→, 😀API_PORT=8001 \ud800localhost:3000, see http://api:8002/')).toEqual([8000, 8001, 3000, 8002]);
    expect(ports('│  Port: 16532  │ :17354 │', true)).toEqual([16532, 17354]);
    // the same form, sought again past a refused match
    expect(ports('éport 1 port 2, xport=3 api_port=4')).toEqual([2, 4]);
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

/** The fast path's answer and the full CLI's, for `command` in `dir`. */
function bothPaths(dir: string, command: 'gen' | 'check') {
  const capture = (run: (io: { stdout(t: string): void; stderr(t: string): void; cwd: string }) => unknown) => {
    let stdout = '';
    let stderr = '';
    const code = run({ stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd: dir });
    return { code, stdout, stderr };
  };
  return { fast: capture((io) => fastPath([command], io)), full: capture((io) => main([command], io)) };
}

/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string): number => text.split(/\r?\n/).findIndex((line) => line.includes(needle)) + 1;

describe('the code samples gen writes between portbook:env, portbook:python and portbook:ts markers', () => {
  const registry = md`
# Ports

## Development

| Service | Port |
|---|---|
| API | 16000 |

## Production

| Service | Port |
|---|---|
| API | 17000 |
| Web | 17001 |

#### API Port: 17000
- **Bind**: \`0.0.0.0:17000\`
- **Health Check**: \`/health\`

Configure it in \`.env\`:

<!-- portbook:env -->
<!-- /portbook:env -->

<!-- portbook:python -->
\`\`\`python
API_PORT = 8000
\`\`\`
<!-- /portbook:python -->

<!-- portbook:ts -->
<!-- /portbook:ts -->
`;

  it('are the settings environment’s variables, quoted as the outputs quote them; check reports them when stale', () => {
    const dir = project(registry);
    writeFileSync(path.join(dir, 'portbook.config.json'), '{"settings": {"environment": "production"}}\n');
    const first = runCli(['gen'], dir);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('updated docs/PORTS.md (its env sample, python sample and ts sample)\n');
    const text = registryText(dir);
    expect(text.slice(text.indexOf('<!-- portbook:env -->'))).toBe(md`
<!-- portbook:env -->
\`\`\`env
# Ports of the production environment, written by portbook gen from the tables
API_PORT=17000
API_HOST=0.0.0.0
API_HEALTH_PATH=/health
WEB_PORT=17001
\`\`\`
<!-- /portbook:env -->

<!-- portbook:python -->
\`\`\`python
# Ports of the production environment, written by portbook gen from the tables
API_PORT: int = 17000
API_HOST: str = "0.0.0.0"
API_HEALTH_PATH: str = "/health"
WEB_PORT: int = 17001
\`\`\`
<!-- /portbook:python -->

<!-- portbook:ts -->
\`\`\`ts
// Ports of the production environment, written by portbook gen from the tables
export const API_PORT: number = 17000;
export const API_HOST: string = "0.0.0.0";
export const API_HEALTH_PATH: string = "/health";
export const WEB_PORT: number = 17001;
\`\`\`
<!-- /portbook:ts -->
`);
    expect(sampleViolations(text)).toEqual([]);
    // the samples are what the outputs say
    expect(readFileSync(path.join(dir, 'generated/.env.production'), 'utf8')).toContain('API_PORT=17000\nAPI_HOST=0.0.0.0\nAPI_HEALTH_PATH=/health\n');
    expect(runCli(['gen'], dir).stdout).toMatch(/^generated\/ is up to date \(\d+ files\)\.\n$/);
    expect(runCli(['check'], dir)).toMatchObject({ code: 0, stderr: '' });

    // a sample edited by hand is stale, and only the registry is
    writeFileSync(path.join(dir, 'docs/PORTS.md'), text.replace('WEB_PORT=17001', 'WEB_PORT=3000'));
    const stale = runCli(['check'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^stale: docs\/PORTS\.md \(its env sample; \+1 -1\)\n/);
    expect(stale.stdout).toContain('-WEB_PORT=3000\n');
    expect(stale.stdout).toMatch(/\nThe env sample in docs\/PORTS\.md is out of date\. Run `npm run gen`/);
    const files = JSON.parse(runCli(['check', '--json'], dir).stdout).files as Array<{ path: string; status: string; after: string }>;
    expect(files.map(({ path, status }) => ({ path, status }))).toEqual([{ path: 'docs/PORTS.md', status: 'stale' }]);
    expect(files[0]!.after).toBe(text);

    // a port moved in a table: every sample is stale, with the outputs
    writeFileSync(path.join(dir, 'docs/PORTS.md'), text.replace('| Web | 17001 |', '| Web | 17002 |'));
    const moved = runCli(['check'], dir);
    expect(moved.stdout).toContain('stale: docs/PORTS.md (its env sample, python sample and ts sample; +3 -3)\n');
    expect(moved.stdout).toContain(', and the env sample, the python sample and the ts sample in docs/PORTS.md are out of date.');
    expect(runCli(['gen'], dir).code).toBe(0);
    expect(registryText(dir)).toBe(text.replaceAll('17001', '17002'));
    expect(bothPaths(dir, 'check')).toMatchObject({ fast: { code: 0 }, full: { code: 0 } });
  });

  it('keep the registry’s BOM and line endings', () => {
    const dir = project(`\uFEFF${table}\n<!-- portbook:env -->\r\n<!-- /portbook:env -->\r\n`.replace(/(?<!\r)\n/g, '\r\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    expect(registryText(dir)).toBe(
      `\uFEFF${table}\n<!-- portbook:env -->\n\`\`\`env\n# Ports of the default environment, written by portbook gen from the tables\nAPI_SERVER_PORT=16100\n\`\`\`\n<!-- /portbook:env -->\n`.replace(
        /\n/g,
        '\r\n',
      ),
    );
  });

  it('leave someone’s text between the markers as it is, and fill only the first pair, with a warning each', () => {
    const markdown = md`
${table}
<!-- portbook:env -->
\`\`\`sh
source .env && uvicorn app:main
\`\`\`
<!-- /portbook:env -->

<!-- portbook:ts -->
<!-- /portbook:ts -->

<!-- portbook:ts -->
<!-- /portbook:ts -->
`;
    const dir = project(markdown);
    const result = runCli(['gen'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      [
        'docs/PORTS.md:6:1 warning Unexpected content between the `portbook:env` markers, expected only the sample portbook writes there (one `env` code block): the block is left as it is; move that content out of the markers to get the sample sample-markers',
        'docs/PORTS.md:14:1 warning Unexpected second `<!-- portbook:ts -->` marker, expected one pair: only the first pair gets the sample; remove this one sample-markers',
        '',
      ].join('\n'),
    );
    const text = registryText(dir);
    expect(text.slice(0, text.indexOf('<!-- portbook:ts -->'))).toBe(markdown.slice(0, markdown.indexOf('<!-- portbook:ts -->')));
    expect(text.match(/```ts/g)).toHaveLength(1);
    // the next runs say the same, at the lines the rewrite moved them to, the fast path included
    const { fast, full } = bothPaths(dir, 'check');
    expect(full).toMatchObject({ code: 0 });
    const second = text.split('\n').lastIndexOf('<!-- portbook:ts -->') + 1;
    expect(second).toBe(18);
    expect(full.stderr).toContain(`docs/PORTS.md:${second}:1 warning Unexpected second`);
    expect(fast).toEqual(full);
  });

  it('move the warnings the manifest keeps by what each block gained or lost (two blocks that change length)', () => {
    const markdown = md`
# Ports

<!-- portbook:diagram -->
<!-- /portbook:diagram -->

| Service | Port |
|---|---|
| api | 80 |

The worker listens on port 19999.

<!-- portbook:env -->
\`\`\`env
OLD_1=1
OLD_2=2
OLD_3=3
OLD_4=4
OLD_5=5
OLD_6=6
\`\`\`
<!-- /portbook:env -->

| Service | Port |
|---|---|
| web | 81 |

- api: \`localhost:9000\`
`;
    const dir = project(markdown);
    const gen = runCli(['gen'], dir);
    expect(gen.stdout).toContain('updated docs/PORTS.md (its diagram block and env sample)\n');
    const text = registryText(dir);
    // the diagram block grew and the env sample shrank: lines between them moved down, lines after both moved by the sum
    expect(lineOf(text, 'port 19999')).toBeGreaterThan(lineOf(markdown, 'port 19999'));
    expect(lineOf(text, '| web | 81 |')).not.toBe(lineOf(markdown, '| web | 81 |'));
    expect(lineOf(text, '| web | 81 |') - lineOf(text, 'port 19999')).toBeLessThan(lineOf(markdown, '| web | 81 |') - lineOf(markdown, 'port 19999'));
    const { fast, full } = bothPaths(dir, 'check');
    expect(fast.code).toBe(0);
    expect(fast).toEqual(full);
    const api = lineOf(text, '| api | 80 |');
    expect(full.stderr.split('\n').map((line) => line.replace(/ warning .* (\S+)$/, ' $1'))).toEqual([
      `docs/PORTS.md:${api}:9 port-privileged`,
      `docs/PORTS.md:${lineOf(text, 'port 19999')}:28 mention-port-unregistered`,
      `docs/PORTS.md:${lineOf(text, '| web | 81 |')}:9 port-privileged`,
      `docs/PORTS.md:${lineOf(text, 'localhost:9000')}:19 mention-port-mismatch`,
      '',
    ]);
    // a message that names another line names it where the rewrite left it
    expect(full.stderr).toContain(`expected 80 (line ${api})`);
  });

  it('join the commit gen --stage makes, and are left to the user when the registry has unstaged edits', () => {
    const dir = project(md`
${table}
<!-- portbook:env -->
<!-- /portbook:env -->
`);
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
    expect(git('init', '-q').status).toBe(0);
    expect(runCli(['gen'], dir).code).toBe(0);
    expect(git('add', '-A').status).toBe(0);
    expect(git('commit', '-q', '-m', 'first').status).toBe(0);

    writeFileSync(path.join(dir, 'docs/PORTS.md'), registryText(dir).replace('| 16100 |', '| 16200 |'));
    git('add', 'docs/PORTS.md');
    const staged = runCli(['gen', '--stage'], dir);
    expect(staged.stdout).toContain('updated docs/PORTS.md (its env sample)\n');
    // everything gen changed is staged, the registry included, and nothing is left unstaged
    const status = git('status', '--porcelain').stdout.split('\n').filter(Boolean);
    expect(status).toContain('M  docs/PORTS.md');
    expect(status.filter((line) => !line.startsWith('M  '))).toEqual([]);
    expect(git('show', ':docs/PORTS.md').stdout).toContain('API_SERVER_PORT=16200\n');

    expect(git('commit', '-q', '-m', 'second').status).toBe(0);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), `${registryText(dir).replace('| 16200 |', '| 16300 |')}\nA note of mine.\n`);
    const left = runCli(['gen', '--stage'], dir);
    expect(left.stderr).toContain(
      'portbook: not staged: docs/PORTS.md, whose env sample gen updated, also has edits of yours that are not staged; `git add docs/PORTS.md` when you stage them\n',
    );
    expect(git('diff', '--cached', '--name-only').stdout).not.toContain('docs/PORTS.md');
    expect(git('diff', '--cached', '--name-only').stdout).toContain('generated/.env');
  });
});

describe('the seeds, end to end', () => {
  it('Creator Suite: gen warns at the picture’s line that port 18938 (Bot Interface) is in no table, and the fast path says it again', () => {
    const dir = project(readFileSync(path.join(seeds, 'creator-suite.md')));
    const gen = runCli(['gen'], dir);
    expect(gen.code).toBe(0);
    const warnings = gen.stderr.split('\n').filter((line) => line.includes('mention-port'));
    expect(warnings).toEqual([
      'docs/PORTS.md:46:52 warning Port 18938 of `Bot Interface` (`Port: 18938`) is in no table: add `Bot Interface` to a service table, or correct the picture mention-port-unregistered',
    ]);
    const { fast, full } = bothPaths(dir, 'check');
    expect(fast.code).toBe(0);
    expect(fast).toEqual(full);
    expect(fast.stderr).toContain(warnings[0]);
  });

  it('the generic seed: after fill, its ```env sample disagrees with the tables; between markers, gen writes it and the warnings go', () => {
    const dir = project(readFileSync(path.join(seeds, 'template.md')));
    expect(runCli(['fill'], dir).code).toBe(0);
    const gen = runCli(['gen'], dir);
    expect(gen.code).toBe(0);
    const text = registryText(dir);
    expect(
      gen.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/ warning (Unexpected port \d+ for `[^`]+` in `[^`]+`).* (\S+)$/, ' $2 $1')),
    ).toEqual([
      `docs/PORTS.md:${lineOf(text, 'API_PORT=8000')}:10 mention-port-mismatch Unexpected port 8000 for \`API Server\` in \`API_PORT=8000\``,
      `docs/PORTS.md:${lineOf(text, 'WEB_PORT=3000')}:10 mention-port-mismatch Unexpected port 3000 for \`Web Frontend\` in \`WEB_PORT=3000\``,
      `docs/PORTS.md:${lineOf(text, 'DATABASE_PORT=5432')}:15 mention-port-mismatch Unexpected port 5432 for \`Database\` in \`DATABASE_PORT=5432\``,
    ]);
    writeFileSync(
      path.join(dir, 'docs/PORTS.md'),
      text.replace('```env\n', '<!-- portbook:env -->\n```env\n').replace('DATABASE_PORT=5432\n```\n', 'DATABASE_PORT=5432\n```\n<!-- /portbook:env -->\n'),
    );
    const written = runCli(['gen'], dir);
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(written.stdout).toContain('updated docs/PORTS.md (its env sample)\n');
    expect(registryText(dir)).toContain(
      '```env\n# Ports of the development environment, written by portbook gen from the tables\nAPI_SERVER_PORT=16000\nWEB_FRONTEND_PORT=16001\n',
    );
    expect(runCli(['check'], dir)).toMatchObject({ code: 0, stderr: '' });
  });
});
