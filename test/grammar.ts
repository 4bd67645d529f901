/**
 * The only lines portbook may write, per output format. A test that passes
 * every output through these proves no cell became a directive, a key, a
 * command, an env line or a path: text from a cell can only appear on
 * comment lines, and identifiers only in their safe alphabet.
 */

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** registry.json has a schema of its own: every file the json target writes must satisfy it (checked by ajv). */
const registrySchema = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../schema/registry.schema.json', import.meta.url), 'utf8')) as object,
);

const identifier = '[A-Z_][A-Z0-9_]*';
const port = '\\d{1,5}';
/** A normalised absolute path from systemd.ts's alphabet. */
const path = '(/[A-Za-z0-9_.@+-]+)+';
/** An ExecStart word written bare: the safe alphabet, and `${NAME}` (a variable the unit sets, expanded to one word). */
const bareWord = `([A-Za-z0-9_./:@,+=-]|\\$\\{${identifier}\\})+`;
/** The inside of a double-quoted ExecStart word: no control character, and `\\`, `"`, `%`, `$` only escaped (or `${NAME}`). */
const quoted = `([^"\\\\%$\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]|\\\\[\\\\"]|%%|\\$\\$|\\$\\{${identifier}\\})+`;

const formats: Array<{ path: RegExp; comment: RegExp; lines: RegExp[] }> = [
  {
    path: /^\.env(\.(development|staging|production|test))?$/,
    comment: /^# [^\n]*$/,
    lines: [new RegExp(`^${identifier}=${port}$`), new RegExp(`^${identifier}_(HOST|HEALTH_PATH)=[A-Za-z0-9_./:*~-]+$`)],
  },
  {
    path: /^systemd\/((development|staging|production|test)\/)?[a-z0-9:_.-]+\.service\.d\/portbook\.conf$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^\[Service\]$/,
      new RegExp(`^Environment="${identifier}=${port}"$`),
      /^Environment="(UVICORN_)?HOST=[A-Za-z0-9_.:-]+"$/,
      /^Environment="(WEB_CONCURRENCY|UVICORN_WORKERS)=\d+"$/,
    ],
  },
  {
    // a full unit: every value an identifier, a number, a checked path, a profile constant, or ExecStart's words, each bare from a safe
    // alphabet (with `${NAME}` of a variable the unit sets) or double-quoted with only `\\`, `\"`, `%%`, `$$` and `${NAME}` inside
    path: /^systemd\/((development|staging|production|test)\/)?[A-Za-z0-9:_.-]+\.service$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^\[(Unit|Service|Install)\]$/,
      /^Description=[A-Za-z0-9:_.-]+$/,
      /^(After|Requires)=(network\.target|[A-Za-z0-9:_.-]+\.socket)$/,
      /^Type=exec$/,
      new RegExp(`^ExecStart=${path}( (${bareWord}|"${quoted}"))*$`),
      /^(User|Group)=[A-Za-z_][A-Za-z0-9_-]{0,31}$/,
      /^DynamicUser=yes$/,
      new RegExp(`^(WorkingDirectory|ReadWritePaths)=${path}$`),
      new RegExp(`^Environment="${identifier}=${port}"$`),
      /^Environment="(UVICORN_)?HOST=[A-Za-z0-9_.:-]+"$/,
      /^Environment="(WEB_CONCURRENCY|UVICORN_WORKERS)=\d+"$/,
      /^Restart=on-failure$/,
      /^(AmbientCapabilities|CapabilityBoundingSet)=(CAP_NET_BIND_SERVICE)?$/,
      /^(NoNewPrivileges|ProtectHome|PrivateTmp|PrivateDevices|PrivateMounts|PrivateUsers|ProtectKernel(Tunables|Modules|Logs)|ProtectControlGroups|ProtectClock|ProtectHostname|RestrictNamespaces|RestrictRealtime|RestrictSUIDSGID|LockPersonality|MemoryDenyWriteExecute|RemoveIPC)=yes$/,
      /^(ProtectSystem=strict|ProtectProc=invisible|ProcSubset=pid|RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6|SystemCallArchitectures=native)$/,
      /^(SystemCallFilter=(@system-service|~@privileged @resources)|SystemCallErrorNumber=EPERM|UMask=0077)$/,
      /^(WantedBy=multi-user\.target|Also=[A-Za-z0-9:_.-]+\.socket)$/,
    ],
  },
  {
    path: /^systemd\/((development|staging|production|test)\/)?[A-Za-z0-9:_.-]+\.socket$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^\[(Unit|Socket|Install)\]$/,
      /^Description=[A-Za-z0-9:_.-]+ socket$/,
      /^ListenStream=(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/,
      /^Accept=no$/,
      /^WantedBy=sockets\.target$/,
    ],
  },
  {
    path: /^nginx\/portbook(\.(development|staging|production|test))?\.conf$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^upstream [a-z0-9_]+ \{$/,
      /^ {4}server (127\.0\.0\.1|\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5};$/,
      /^ {4}location = \/[A-Za-z0-9._~/-]* \{$/,
      /^ {8}access_log off;$/,
      /^ {0,4}\}$/,
      /^server \{$/,
      /^ {4}listen \d{1,5}( ssl)?;$/,
      /^ {4}server_name (\*\.)?[a-z0-9.-]+;$/,
      /^ {4}return 301 https:\/\/\$host(:\d{1,5})?\$request_uri;$/,
      /^ {4}ssl_certificate(_key)? "[A-Za-z0-9_./@+=,:*-]+";$/,
      /^ {4}location \/ \{$/,
      /^ {4}# the service's own health check, so the front proxy can be probed per service$/,
      /^ {8}proxy_pass https?:\/\/([a-z0-9_]+|[a-z0-9.-]+:\d{1,5}|\d+\.\d+\.\d+\.\d+:\d{1,5}|\[[0-9a-f:.]+\]:\d{1,5});$/,
      /^ {8}proxy_http_version 1\.1;$/,
      /^ {8}proxy_set_header (Host \$host|X-Real-IP \$remote_addr|X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|Upgrade \$http_upgrade|Connection \$portbook_[a-z_]*connection_upgrade);$/,
      /^ {8}proxy_read_timeout 1h;$/,
      /^map \$http_upgrade \$portbook_[a-z_]*connection_upgrade \{$/,
      /^ {4}default upgrade;$/,
      /^ {4}'' {6}close;$/,
    ],
  },
  {
    path: /^settings\.ts$/,
    comment: /^(\/\/ [^\n]*|\/\*\*? (?:(?!\*\/).)* \*\/)$/,
    lines: [
      new RegExp(`^export const ${identifier}: number = ${port};$`),
      new RegExp(`^export const ${identifier}_(HOST|HEALTH_PATH): string = "[A-Za-z0-9_./:*~-]+";$`),
      /^export const PORTS = \{$/,
      /^ {2}"(default|development|staging|production|test)": \{$/,
      new RegExp(`^ {4}${identifier}: ${port},$`),
      /^ {2}\},$/,
      /^\} as const;$/,
      /^export type Environment = keyof typeof PORTS;$/,
    ],
  },
  {
    path: /^settings\.py$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^"""Ports of the (default|development|staging|production|test) environment\. PORTS below holds every environment's\."""$/,
      new RegExp(`^${identifier}: int = ${port}$`),
      new RegExp(`^${identifier}_(HOST|HEALTH_PATH): str = "[A-Za-z0-9_./:*~-]+"$`),
      /^PORTS: "dict\[str, dict\[str, int\]\]" = \{$/,
      /^ {4}"(default|development|staging|production|test)": \{$/,
      new RegExp(`^ {8}"${identifier}": ${port},$`),
      /^ {4}\},$/,
      /^\}$/,
    ],
  },
  {
    path: /^architecture\.mmd$/,
    comment: /^%% [^\n]*$/,
    lines: [
      /^flowchart LR$/,
      /^ {4}internet\(\("Internet"\)\)$/,
      /^ {4}subgraph nginx_[a-z]+\["nginx \([a-z]+\)"\]$/,
      /^ {8}site_[a-z]+_\d+\["(\*\.)?[a-z0-9.-]+<br\/>:\d{1,5} (🔒 SSL|no SSL)"\]$/,
      /^ {4}subgraph env_[a-z]+\["[a-z]+"\]$/,
      /^ {8}[a-z]+_[a-z0-9_]+\["[^"\n]*<br\/>:\d{1,5}[^"\n]*"\]$/,
      /^ {4}end$/,
      /^ {4}internet --> site_[a-z]+_\d+$/,
      /^ {4}site_[a-z]+_\d+ --> [a-z]+_[a-z0-9_]+$/,
    ],
  },
  {
    path: /^registry\.json$/,
    comment: /^$/,
    lines: [/^[\s\S]*$/], // data: checked against schema/registry.schema.json below
  },
  {
    path: /^\.portbook-manifest\.json$/,
    comment: /^$/,
    lines: [/^[\s\S]*$/], // portbook's own state; checked by JSON.parse below
  },
];

/** Every line of every file that breaks its format's grammar, as `path:line: text`. */
export function grammarViolations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, content] of files) {
    const format = formats.find((candidate) => candidate.path.test(file));
    if (!format) {
      problems.push(`${file}: unexpected output path`);
      continue;
    }
    if (file === '.portbook-manifest.json') {
      JSON.parse(content);
      continue;
    }
    if (file === 'registry.json') {
      if (!registrySchema(JSON.parse(content))) problems.push(`${file}: ${JSON.stringify(registrySchema.errors)}`);
      continue;
    }
    if (/[\r\u2028\u2029\u0000]/.test(content)) problems.push(`${file}: a line break or NUL inside a line`);
    content
      .replace(/\n$/, '')
      .split('\n')
      .forEach((line, index) => {
        if (line === '' || format.comment.test(line) || format.lines.some((pattern) => pattern.test(line))) return;
        problems.push(`${file}:${index + 1}: ${JSON.stringify(line)}`);
      });
  }
  return problems;
}
