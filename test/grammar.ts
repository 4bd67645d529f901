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
const environment = '(default|development|staging|production|test)';
/** A host or health-check path, as the settings files' string literals hold them. */
const text = '[A-Za-z0-9_./:*~-]+';

/** A template's fixed lines, each matched whole: `<ID>` stands for a variable name, `<ENV>` for an environment. */
function literalLines(lines: readonly string[]): RegExp[] {
  return lines.map(
    (line) =>
      new RegExp(
        `^${line
          .replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
          .replace('<ID>', identifier)
          .replace('<ENV>', environment)}$`,
      ),
  );
}
/** A unit name as systemd.ts's isUnitName takes it (no `:`, no leading `-`), with one `@` for a template or instance; a full unit's has none. */
const unit = '[A-Za-z0-9_][A-Za-z0-9_.-]*(@[A-Za-z0-9_.-]*)?';
const fullUnit = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
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
    path: new RegExp(`^systemd/((development|staging|production|test)/)?${unit}\\.service\\.d/portbook\\.conf$`),
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
    path: new RegExp(`^systemd/((development|staging|production|test)/)?${fullUnit}\\.service$`),
    comment: /^# [^\n]*$/,
    lines: [
      /^\[(Unit|Service|Install)\]$/,
      new RegExp(`^Description=${fullUnit}$`),
      new RegExp(`^(After|Requires)=(network\\.target|${fullUnit}\\.socket)$`),
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
      new RegExp(`^(WantedBy=multi-user\\.target|Also=${fullUnit}\\.socket)$`),
    ],
  },
  {
    path: new RegExp(`^systemd/((development|staging|production|test)/)?${fullUnit}\\.socket$`),
    comment: /^# [^\n]*$/,
    lines: [
      /^\[(Unit|Socket|Install)\]$/,
      new RegExp(`^Description=${fullUnit} socket$`),
      /^ListenStream=(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/,
      /^Accept=no$/,
      /^WantedBy=sockets\.target$/,
    ],
  },
  {
    path: /^nginx\/portbook(\.(development|staging|production|test|default-server))?\.conf$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^upstream [a-z0-9_]+ \{$/,
      // an upstream's host as the Bind detail writes it: an address, or a host name in either case (nginx and DNS ignore it)
      /^ {4}server (127\.0\.0\.1|\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5};$/,
      /^ {4}location = \/[A-Za-z0-9._~/-]* \{$/,
      /^ {8}access_log off;$/,
      /^ {0,4}\}$/,
      /^ {8}\}$/,
      /^server \{$/,
      /^ {4}listen (\[::\]:)?\d{1,5}( ssl)?( http2)?( default_server)?;$/,
      /^ {4}http2 on;$/,
      /^ {4}server_name (\*\.)?[a-z0-9.-]+;$/,
      /^ {4}ssl_certificate(_key)? "[A-Za-z0-9_./@+=,:*-]+";$/,
      // the default servers: no answer, and no TLS handshake, for a host no server names
      /^ {4}return 444;$/,
      /^ {4}ssl_reject_handshake on;$/,
      // ACME challenges from the configured webroot, before the redirect
      /^ {4}# certbot certonly --webroot -w \/[A-Za-z0-9_./@+=,:-]* renews here, without editing this file$/,
      /^ {4}location \^~ \/\.well-known\/acme-challenge\/ \{$/,
      /^ {8}root "\/[A-Za-z0-9_./@+=,:-]*";$/,
      /^ {4}location \/ \{$/,
      /^ {8}return 301 https:\/\/\$host(:\d{1,5})?\$request_uri;$/,
      // behind a TLS-terminating proxy: the redirect trusts the proxy's X-Forwarded-Proto
      /^ {8}# behind a TLS-terminating proxy: what it received over https is served, the rest redirected$/,
      /^ {8}if \(\$portbook_[a-z_]*forwarded_proto = http\) \{$/,
      /^ {12}return 301 https:\/\/\$host(:\d{1,5})?\$request_uri;$/,
      /^map \$http_x_forwarded_proto \$portbook_[a-z_]*forwarded_proto \{$/,
      /^ {4}default \$scheme;$/,
      /^ {4}http {4}http;$/,
      /^ {4}https {3}https;$/,
      /^ {4}# the service's own health check, so the front proxy can be probed per service$/,
      /^ {8}proxy_pass https?:\/\/([a-z0-9_]+|[A-Za-z0-9.-]+:\d{1,5}|\d+\.\d+\.\d+\.\d+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5});$/,
      /^ {8}proxy_http_version 1\.1;$/,
      /^ {8}proxy_set_header (Host \$host|X-Real-IP \$remote_addr|X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto (\$scheme|\$portbook_[a-z_]*forwarded_proto)|Upgrade \$http_upgrade|Connection \$portbook_[a-z_]*connection_upgrade);$/,
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
      /^export const PORTS = \{$/,
      new RegExp(`^ {2}"${environment}": \\{$`),
      new RegExp(`^ {4}${identifier}: ${port},$`),
      /^ {2}\},$/,
      /^\} as const;$/,
      /^export type Environment = keyof typeof PORTS;$/,
      new RegExp(`^export const environment: Environment = selectEnvironment\\(environ\\["${identifier}"\\]\\);$`),
      /^const texts: Readonly<Record<string, Readonly<Record<string, string>>>> = \{$/,
      new RegExp(`^ {4}${identifier}_(HOST|HEALTH_PATH): "${text}",$`),
      /^\};$/,
      new RegExp(`^export const (${identifier}): number = port\\("\\1", ${port}\\);$`),
      new RegExp(`^export const (${identifier}_(HOST|HEALTH_PATH)): string = text\\("\\1", "${text}"\\);$`),
      ...literalLines([
        'const environ: Readonly<Record<string, string | undefined>> = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};',
        'function selectEnvironment(value: string | undefined): Environment {',
        '  if (value === undefined) return "<ENV>";',
        '  if (Object.keys(PORTS).indexOf(value) === -1) {',
        '    throw new Error(`Unexpected <ID>=${JSON.stringify(value)}, expected one of ${Object.keys(PORTS).join(", ")}: set it to an environment of the port registry, or unset it`);',
        '  }',
        '  return value as Environment;',
        '}',
        'function port(name: string, fallback: number): number {',
        '  const value = environ[name];',
        '  if (value === undefined) return (PORTS as Readonly<Record<string, Readonly<Record<string, number>>>>)[environment]?.[name] ?? fallback;',
        '  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {',
        '    throw new Error(`Unexpected ${name}=${JSON.stringify(value)}, expected a port (a whole number from 1 to 65535): fix ${name} or unset it`);',
        '  return Number(value);',
        'function text(name: string, fallback: string): string {',
        '  return environ[name] ?? texts[environment]?.[name] ?? fallback;',
      ]),
    ],
  },
  {
    path: /^settings\.py$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^PORTS: "dict\[str, dict\[str, int\]\]" = \{$/,
      new RegExp(`^ {4}"${environment}": \\{$`),
      new RegExp(`^ {8}"${identifier}": ${port},$`),
      /^ {4}\},$/,
      /^\}$/,
      /^_texts: "dict\[str, dict\[str, str\]\]" = \{$/,
      new RegExp(`^ {8}"${identifier}_(HOST|HEALTH_PATH)": "${text}",$`),
      new RegExp(`^environment: str = _os\\.environ\\.get\\("${identifier}", "${environment}"\\)$`),
      new RegExp(`^(${identifier}): int = _port\\("\\1"\\)$`),
      new RegExp(`^(${identifier}_(HOST|HEALTH_PATH)): str = _text\\("\\1"\\)$`),
      new RegExp(`^if _known\\("${identifier}"\\):$`),
      new RegExp(`^ {4}(${identifier}): int = _port\\("\\1"\\)$`),
      new RegExp(`^ {4}(${identifier}_(HOST|HEALTH_PATH)): str = _text\\("\\1"\\)$`),
      new RegExp(`^ {4}if name in PORTS\\["${environment}"\\]( or name in _texts\\.get\\("${environment}", \\{\\}\\))?:$`),
      ...literalLines([
        '"""Ports, hosts and health-check paths, read from the process environment when this module is imported."""',
        'import os as _os',
        'if environment not in PORTS:',
        '    raise ValueError(',
        `        f"Unexpected <ID>={environment!r}, expected one of {', '.join(PORTS)}: set it to an environment of the port registry, or unset it"`,
        '    )',
        'def _port(name: str) -> int:',
        '    value = _os.environ.get(name)',
        '    if value is None:',
        '        return PORTS[environment][name]',
        '    if not (value.isascii() and value.isdigit() and len(value) <= 5 and 1 <= int(value) <= 65535):',
        '        raise ValueError(f"Unexpected {name}={value!r}, expected a port (a whole number from 1 to 65535): fix {name} or unset it")',
        '    return int(value)',
        'def _text(name: str) -> str:',
        '    return _texts[environment][name] if value is None else value',
        'def _known(name: str) -> bool:',
        '    return name in _os.environ or name in PORTS[environment]',
        '    return name in _os.environ or name in PORTS[environment] or name in _texts.get(environment, {})',
        'def __getattr__(name: str) -> object:',
        '        raise ImportError(',
        '            f"No {name} in the {environment} environment of the port registry, and the variable is not set: set {name}, or <ID> to an environment that has it"',
        '        )',
        '    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
      ]),
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
    // nftables: fixed structure, numbers, and comments of nftString's alphabet (nft's quoted strings have no escapes)
    path: /^nftables\/portbook(\.(development|staging|production|test))?\.nft$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^table inet portbook( \{)?$/,
      /^delete table inet portbook$/,
      /^ {4}set (public|internal)_(tcp|udp) \{$/,
      /^ {8}type inet_service$/,
      /^ {8}elements = \{$/,
      /^ {12}\d{1,5} comment "[A-Za-z0-9 ._,:;/()+@*-]{0,128}",$/,
      /^ {4}chain input \{$/,
      /^ {8}type filter hook input priority filter; policy (accept|drop);$/,
      /^ {8}iif "lo" accept$/,
      /^ {8}ct state established,related accept$/,
      /^ {8}meta l4proto \{ icmp, ipv6-icmp \} accept$/,
      /^ {8}(tcp|udp) dport @public_(tcp|udp) accept$/,
      /^ {8}(tcp|udp) dport @internal_(tcp|udp) drop$/,
      /^ {0,8}\}$/,
      ...literalLines([
        "    # what the registry exposes: its domains' listen ports and port-80 redirects, and the services marked public",
        '    # every other port the registry registers: reached from this host only',
      ]),
    ],
  },
  {
    // ufw: one command per line, its comment single-quoted without a quote inside (ufw refuses `'`), nothing else
    path: /^ufw\/portbook(\.(development|staging|production|test))?\.sh$/,
    comment: /^# [^\n]*$/,
    lines: [/^set -e$/, /^ufw allow \d{1,5}\/(tcp|udp) comment 'portbook: [\x20-\x26\x28-\x5b\x5d-\x7e]{0,118}'$/],
  },
  {
    // sysctl: one setting whose value is numbers; names only in comments
    path: /^sysctl\.d\/60-portbook\.conf$/,
    comment: /^# [^\n]*$/,
    lines: [/^net\.ipv4\.ip_local_reserved_ports = \d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/],
  },
  {
    // a Caddyfile: comments (never with `{$`, which Caddy 2.6 expands even there), sites, and tokens from caddyToken's alphabet
    path: /^caddy\/portbook(\.(development|staging|production|test))?\.caddyfile$/,
    comment: /^\t?# (?:(?!\{\$)[^\n])*$/,
    lines: [
      /^http:\/\/(\*\.)?[a-z0-9.-]+ \{$/,
      /^\tredir https:\/\/\{host\}(:\d{1,5})?\{uri\} permanent$/,
      /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})? \{$/,
      /^\treverse_proxy https?:\/\/([a-z0-9.-]+|\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d{1,5}( \{)?$/,
      /^\t\thealth_uri \/[A-Za-z0-9._~/-]*$/,
      /^\t?\}$/,
    ],
  },
  {
    // a compose override: compose services as quoted keys, each port a quoted `IP:HOST:CONTAINER`, cells only in comments
    path: /^compose\/docker-compose\.portbook(\.(development|staging|production|test))?\.yml$/,
    comment: /^( {6})?# [^\n]*$/,
    lines: [/^services:$/, /^ {2}"[A-Za-z0-9._-]+":$/, /^ {4}ports:$/, /^ {6}- "(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}:\d{1,5}"$/],
  },
  {
    // file_sd targets: fixed keys, label values as double-quoted ASCII YAML strings (yamlString)
    path: /^prometheus\/targets\/portbook(\.(development|staging|production|test))?\.yml$/,
    comment: /^# [^\n]*$/,
    lines: [
      /^- targets:$/,
      /^ {4}- "([a-z0-9.-]+:\d{1,5}|https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._~/-]*)"$/,
      /^ {2}labels:$/,
      /^ {4}__param_module: "portbook_(tls|tcp|http_2xx)"$/,
      /^ {4}portbook_probe: "(endpoint|health)"$/,
      new RegExp(`^ {4}environment: "${environment}"$`),
      /^ {4}domain: "[a-z0-9.-]+"$/,
      /^ {4}service: "([\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\u[0-9A-F]{4}|\\U[0-9A-F]{8})*"$/,
    ],
  },
  {
    path: /^prometheus\/portbook\.rules\.yml$/,
    comment: /^# [^\n]*$/,
    lines: literalLines([
      'groups:',
      '  - name: portbook',
      '    rules:',
      '      - alert: PortbookProbeFailed',
      '        expr: probe_success{portbook_probe!=""} == 0',
      '        for: 5m',
      '        labels:',
      '          severity: critical',
      '        annotations:',
      '          summary: "{{ $labels.service }} ({{ $labels.environment }}): the {{ $labels.portbook_probe }} probe of {{ $labels.instance }} fails"',
      `          description: "The blackbox exporter's {{ $labels.portbook_probe }} probe of {{ $labels.instance }} has failed for 5 minutes."`,
      '      - alert: PortbookCertificateExpiresSoon',
      '        expr: probe_ssl_earliest_cert_expiry{portbook_probe!=""} - time() < 14 * 86400',
      '        for: 1h',
      '          severity: warning',
      '          summary: "{{ $labels.service }} ({{ $labels.environment }}): the certificate of {{ $labels.instance }} expires within 14 days"',
      '          description: "The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}: renewal has not happened."',
      '      - alert: PortbookCertificateExpiresVerySoon',
      '        expr: probe_ssl_earliest_cert_expiry{portbook_probe!=""} - time() < 3 * 86400',
      '        for: 10m',
      '          summary: "{{ $labels.service }} ({{ $labels.environment }}): the certificate of {{ $labels.instance }} expires within 3 days"',
      '          description: "The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}."',
    ]),
  },
  {
    path: /^prometheus\/blackbox\.yml$/,
    comment: /^# [^\n]*$/,
    lines: literalLines([
      'modules:',
      '  portbook_tls:',
      '    prober: tcp',
      '    timeout: 5s',
      '    tcp:',
      '      tls: true',
      '  portbook_tcp:',
      '  portbook_http_2xx:',
      '    prober: http',
    ]),
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

/**
 * The longest comment line any output may have. Each value in a comment is cut
 * at 200 characters (targets/comments.ts), so the longest, nginx's
 * `# domain → service: purpose`, stays under 2,048 bytes whatever the cells
 * hold: well inside the 4,096 bytes nginx reads as one token.
 */
const maxCommentLineBytes = 2048;

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
        if (format.comment.test(line) && Buffer.byteLength(line) > maxCommentLineBytes) {
          problems.push(`${file}:${index + 1}: a comment line of ${Buffer.byteLength(line)} bytes`);
          return;
        }
        if (line === '' || format.comment.test(line) || format.lines.some((pattern) => pattern.test(line))) return;
        problems.push(`${file}:${index + 1}: ${JSON.stringify(line)}`);
      });
  }
  return problems;
}

/** The lines of each code sample gen writes into the registry (between `<!-- portbook:KIND -->` markers), by kind. */
const sampleFormats: Record<string, { fence: string; comment: RegExp; lines: RegExp[] }> = {
  env: {
    fence: 'env',
    comment: /^# [^\n]*$/,
    lines: [new RegExp(`^${identifier}=${port}$`), new RegExp(`^${identifier}_(HOST|HEALTH_PATH)=[A-Za-z0-9_./:*~-]+$`)],
  },
  python: {
    fence: 'python',
    comment: /^# [^\n]*$/,
    lines: [new RegExp(`^${identifier}: int = ${port}$`), new RegExp(`^${identifier}_(HOST|HEALTH_PATH): str = "[A-Za-z0-9_./:*~-]+"$`)],
  },
  ts: {
    fence: 'ts',
    comment: /^\/\/ [^\n]*$/,
    lines: [
      new RegExp(`^export const ${identifier}: number = ${port};$`),
      new RegExp(`^export const ${identifier}_(HOST|HEALTH_PATH): string = "[A-Za-z0-9_./:*~-]+";$`),
    ],
  },
};

/**
 * Every line of a code sample in `registry` (the text gen left) that breaks
 * its kind's grammar: the opening marker, the fence in the kind's language,
 * lines of the kind, the closing fence and the closing marker, nothing else.
 */
export function sampleViolations(registry: string): string[] {
  const problems: string[] = [];
  const lines = registry.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const [index, line] of lines.entries()) {
    const kind = /^<!-- portbook:(env|python|ts) -->$/.exec(line)?.[1];
    if (kind === undefined) continue;
    const format = sampleFormats[kind]!;
    const close = lines.indexOf(`<!-- /portbook:${kind} -->`, index + 1);
    if (close === -1) {
      problems.push(`${index + 1}: no closing marker`);
      continue;
    }
    const inside = lines.slice(index + 1, close);
    if (inside.length === 0) continue; // not written yet
    if (inside[0] !== `\`\`\`${format.fence}` || inside.at(-1) !== '```')
      problems.push(`${index + 1}: ${JSON.stringify(inside)} is not one ${format.fence} block`);
    for (const [offset, text] of inside.slice(1, -1).entries()) {
      if (format.comment.test(text) || format.lines.some((pattern) => pattern.test(text))) continue;
      problems.push(`${index + offset + 3}: ${JSON.stringify(text)}`);
    }
  }
  return problems;
}
