/**
 * The rule catalogue: every diagnostic id portbook reports, declared once,
 * with its severity, a one-line summary and its documentation. Stages report
 * by id (diagnostics/report.ts takes the severity from here); the README's
 * rules table and docs/rules.md are made from this list, and a test fails
 * when they differ from it, as remark-lint's catalogue does.
 */
/** An error stops gen (nothing is written, exit 1); a warning is printed and the run goes on. */
export type Severity = 'error' | 'warning';

/** Where a rule is checked: reading the bytes, extracting the tables, the validate stage's rules, building, or gen's comparison with the disk. */
export type RuleStage = 'read' | 'extract' | 'validate' | 'build' | 'gen';

export interface RuleEntry {
  severity: Severity;
  stage: RuleStage;
  /** One line: what it catches (the README's table). */
  summary: string;
  /** Why it matters and what to do, with an example where one helps (docs/rules.md). */
  docs: string;
}

export const ruleCatalogue = {
  'encoding-invalid': {
    severity: 'error',
    stage: 'read',
    summary: 'The file is not UTF-8 (reported at the first bad byte), or is binary (a NUL byte).',
    docs:
      'portbook reads the registry as strict UTF-8 and refuses to guess another encoding, since a wrong guess would ' +
      'put wrong bytes into configs. Save the file as UTF-8 (from Windows-1252: `iconv -f WINDOWS-1252 -t UTF-8`), ' +
      'or point `--source` at the Markdown file if it names something else.',
  },
  'encoding-mojibake': {
    severity: 'warning',
    stage: 'read',
    summary: 'UTF-8 that was once decoded as Windows-1252 and saved again (`âœ…`); read as meant, reported once: `portbook fix-encoding` repairs the file.',
    docs:
      'A file that went through an editor or tool that read UTF-8 as Windows-1252 (or 1254) and saved it again shows ' +
      '`âœ…` for `✅`. portbook reads it as it was meant, so outputs are right, and reports the first place and how ' +
      'many there are. `portbook fix-encoding` rewrites the file as plain UTF-8.',
  },
  'registry-too-deep': {
    severity: 'error',
    stage: 'read',
    summary: 'A line nested more than 32 levels deep in block quotes and list items: the document is not parsed.',
    docs:
      "A registry's tables and lists nest two or three deep. A document nested far deeper (thousands of `>` or " +
      '`- `, a list indented level by level) costs the Markdown parser minutes and the tree walks their stack, so ' +
      'portbook stops at the first such line, before parsing, and reports it. Flatten that part of the document.',
  },
  'registry-too-dense': {
    severity: 'error',
    stage: 'read',
    summary:
      'A paragraph or table row with more than 1,000 link brackets and emphasis marks (`]`, `*`, `_`, `~` outside code spans): the document is not parsed.',
    docs:
      'Each closing bracket makes the Markdown parser look back over its paragraph or cell, and emphasis and ' +
      'strikethrough marks are matched pair by pair, so the time they take grows with the square of their number: ' +
      '`[a][b]` 50,000 times in one cell took 43 s. Prose has tens of them in a paragraph; portbook stops at the ' +
      'first paragraph or table row with more than 1,000, before parsing, and reports the mark that went past. ' +
      'Split the paragraph, or put the text in a fenced code block (code spans and fenced code are not counted; indented code is).',
  },
  'table-duplicate-column': {
    severity: 'warning',
    stage: 'extract',
    summary: 'A table with two columns of one kind (two `Port` headers); the first is read.',
    docs:
      'Each column kind (service, port, protocol…) is read from one column. With `| Port | Internal Port |` both ' +
      'name a port: portbook reads the first and says so. Rename or remove the other column, or give the second ' +
      'value its own table.',
  },
  'table-missing-column': {
    severity: 'warning',
    stage: 'extract',
    summary:
      'A table that looks like a port table but lacks the column that would make portbook read it (a `Service`, `Port` or `Proxy Target` column): it is not read.',
    docs:
      'A service table needs a service column and a port column; an external-access table needs a domain column and ' +
      'a proxy target (or a port without a service column). A table with some of these, say `| Service | Protocol ' +
      '|`, is almost certainly meant as one: add the missing column, or portbook ignores the table.',
  },
  'table-ragged': {
    severity: 'warning',
    stage: 'extract',
    summary: "A row with a non-empty cell past the header's last column (often an unescaped `\\|` in a cell): the cell is ignored.",
    docs:
      "GitHub-flavoured Markdown drops cells past the header's width, so the value is lost silently. Most often a " +
      '`|` inside a cell split it in two: write it as `\\|`. Otherwise add the column to the header or remove the ' +
      'cell.',
  },
  'environment-unknown': {
    severity: 'error',
    stage: 'extract',
    summary: 'An `Environment` cell that names no known environment.',
    docs:
      'An Environment column places a row in development, staging, production or test (also `dev`, `prod`, ' +
      '`stage`…), in several (`dev, prod`), in every one (`all`), or in the default environment (`default`). ' +
      'Anything else would put the service nowhere: fix the cell.',
  },
  'range-ambiguous': {
    severity: 'warning',
    stage: 'extract',
    summary:
      'A reserved-range list item with a number portbook cannot place for sure (`16000-16099 17000-17099`, `16000-16099, 50 services`): read as the description.',
    docs:
      'One list item may hold several ranges, separated by a comma, `;`, `&`, `+` or `and`. A second range without a ' +
      'separator, or a number followed by prose, could be a range or a note; portbook reads it as the description ' +
      'rather than guess ports. Separate ranges with a comma and put notes in parentheses.',
  },
  'registry-empty': {
    severity: 'error',
    stage: 'validate',
    summary: 'The document has no service table (a table with a service column and a port column).',
    docs: 'Without a service table there is nothing to generate. Add a table such as `| Service | Port | Protocol |`, or point `--source` at your PORTS.md.',
  },
  'name-missing': {
    severity: 'error',
    stage: 'validate',
    summary: 'A service row without a name, or with a name that has no letters or digits.',
    docs: 'Every variable, upstream and unit name is derived from the service name, so a row needs one with letters or digits. Name the service, or give it an explicit variable in an `Env` column.',
  },
  'port-placeholder': {
    severity: 'error',
    stage: 'validate',
    summary: 'A port that is a placeholder (`xxxx`, `TBD`, empty): portbook never guesses one.',
    docs:
      'A placeholder port means no port was chosen yet; generating configs with a guess would be worse than none. ' +
      '`portbook fill` writes free ports from your reserved ranges into every placeholder; `portbook next` prints ' +
      'one.',
  },
  'port-not-integer': {
    severity: 'error',
    stage: 'validate',
    summary: 'A port that is not one whole number (`80a`, `8000-8010`, `1.5`), or a row without a port cell.',
    docs:
      'A port cell holds one port (`17354`, `` `17354` ``, `:17354`, `17354/tcp`). Give each port of a service its ' +
      'own row, put notes in another column, and for a port per environment use an Environment column or one table ' +
      'per environment heading.',
  },
  'port-out-of-range': {
    severity: 'error',
    stage: 'validate',
    summary: 'A port outside 1–65535.',
    docs: 'TCP and UDP ports run from 1 to 65535; anything else cannot be bound. Choose a port in that range (`portbook next` prints a free one).',
  },
  'port-duplicate': {
    severity: 'error',
    stage: 'validate',
    summary: 'The same port registered twice in one environment.',
    docs: 'Two services in one environment cannot listen on one port. The message names the first row; give one of them another port. The same port in two environments is fine.',
  },
  'variable-invalid': {
    severity: 'error',
    stage: 'validate',
    summary:
      'An `Env` cell that is not a port variable (`…_PORT`, or a name the config allows in `variables.allow`), or that names a variable ' +
      'programs read to decide how they run.',
    docs:
      "An `Env` cell names the environment variable of the service's port in `.env`, settings and units, so it is " +
      'allowed by its shape: upper-case letters, digits and `_`, ending in `_PORT` (or `PORT` itself), as portbook ' +
      'derives them. Another name needs `variables.allow` in the config. Names that change how programs run are ' +
      'refused even then: the shell and the system (`PATH`, `IFS`, `BASH_ENV`, `SHELLOPTS`, `TZDIR`, `SYSTEMD_PAGER`…), the loader (`LD_*`, `DYLD_*`), the ' +
      'C library (`GCONV_PATH`, `LOCPATH`, `LC_*`, `MALLOC_*`), proxies (`*_PROXY`), TLS trust (`SSL_*`, `OPENSSL_*`, ' +
      '`REQUESTS_CA_BUNDLE`…), Node.js, Python, Perl, Ruby, the JVM and git. A column meant as the environment should ' +
      'be headed `Environment`.',
  },
  'variable-duplicate': {
    severity: 'error',
    stage: 'validate',
    summary: 'Two services in one environment that would get the same variable name (port, host or health-path variables).',
    docs: '`API Server` and `API-Server` both become `API_SERVER_PORT`, and one would overwrite the other in `.env`. Rename one service, or give one an explicit `Env` cell.',
  },
  'identifier-duplicate': {
    severity: 'error',
    stage: 'validate',
    summary:
      'Two services whose nginx upstream names would be the same (in any environments: the nginx files can be included together), or whose systemd unit names would be the same in one environment.',
    docs:
      'Upstream and unit names are derived from service names reduced to a safe alphabet, so different names can ' +
      'meet (`Web.App` and `Web App`). nginx refuses a duplicate upstream; two drop-ins for one unit would overwrite ' +
      'each other. Rename one of the services.',
  },
  'name-too-long': {
    severity: 'error',
    stage: 'validate',
    summary: 'A service name that would give a systemd unit, nginx upstream or variable of more than 240 characters, or an `Env` cell that long.',
    docs:
      "A service's unit, upstream and variable are derived from its name. A unit is a file name too " +
      '(`<unit>.service.d/portbook.conf`), and a file name has at most 255 bytes, so every identifier portbook ' +
      'derives is held to 240 characters. Shorten the name; a unit can also be named in `systemd.units` in the ' +
      'config, and a variable in an `Env` cell.',
  },
  'protocol-unknown': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A protocol portbook does not know; the service gets no nginx upstream.',
    docs:
      'portbook knows HTTP and WebSocket protocols (which get an nginx upstream) and common others (TCP, gRPC, ' +
      'PostgreSQL, Redis…). An unknown word is kept and the service is not proxied. Use a known name, or ignore the ' +
      'warning for a service nginx should not proxy.',
  },
  'protocol-assumed': {
    severity: 'warning',
    stage: 'validate',
    summary:
      'A service row without a Protocol cell: read from its name or default port when they say what it is (`Database` on 5432 as PostgreSQL, said at the row), else as HTTP (said once per table).',
    docs:
      'A row that does not say what the service speaks is read from its name and port: a protocol in the name (`gRPC ' +
      'Gateway`), an HTTP front end (`API`, `Web`, `Admin`, `Redis Commander`), a well-known product (PostgreSQL, ' +
      'MySQL/MariaDB, Redis, MongoDB, RabbitMQ, Elasticsearch, Memcached, Kafka, ClickHouse, etcd, ZooKeeper…), one of ' +
      'their default ports (5432, 3306, 6379, 27017, 5672…), or a kind (`Database`, `Cache`). A service read as ' +
      'something other than HTTP gets no nginx upstream and no server block, and the warning at its row says what it ' +
      'was read as and why. Rows whose name says nothing are read as HTTP and get an upstream; one warning at their ' +
      'table lists them. An API or a web front end read as HTTP is not reported. Add a `Protocol` column (`HTTP`, ' +
      '`TCP`, `PostgreSQL`…) to say what each service speaks; `portbook add` writes the cell whenever the row would ' +
      'otherwise be reported.',
  },
  'exposure-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'An `Exposure` cell that is neither public (`public`, `yes`, `✅`) nor internal (`internal`, `private`, `no`, `❌`).',
    docs:
      "The Exposure column of a services table says whether the service's own port is reached from outside the host: " +
      '`public` puts it in the public port set, which the nftables and ufw targets open; `internal` (or an empty cell) keeps it ' +
      'closed from outside. A service reached through nginx is `internal`: nginx listens on 80 and 443, which are public already. ' +
      'A cell portbook cannot read as either is an error rather than a guess, since a guess would open or close a firewall port: ' +
      'write `public` or `internal`.',
  },
  'port-privileged': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A service port below 1024 (needs root), or an external port below 1024 other than 80 and 443.',
    docs: 'Ports below 1024 need root (or a capability) to bind. Run services on a port from 1024 up behind nginx; `portbook next`, `fill` and `add` never hand out a privileged port.',
  },
  'port-outside-reserved-range': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A service port outside every declared reserved range (only when ranges are declared).',
    docs:
      "Reserved ranges keep a team's services apart from each other and from other software. A port outside all of " +
      'them was probably typed by hand: move it into a range, or declare a range for it.',
  },
  'port-ephemeral': {
    severity: 'warning',
    stage: 'validate',
    summary:
      "A service port, or an external port, inside the kernel's ephemeral range (32768-60999, or `sysctl.ephemeralRange`), unless the sysctl target reserves it.",
    docs:
      'Linux takes the local port of every outgoing connection from its ephemeral range (`net.ipv4.ip_local_port_range`, ' +
      '32768-60999 by default). A service registered on a port in that range can find it taken, by any connection the ' +
      'host happened to open, when it starts or restarts, and fails with "address already in use". Choose a port below ' +
      '32768 (`portbook next` picks a free one), or enable the `sysctl` target: it writes `net.ipv4.ip_local_reserved_ports` ' +
      'with every such port, and the warning stops. Set `sysctl.ephemeralRange` in the config when a host uses another range.',
  },
  'range-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A reserved range that is not `from-to` with 1 ≤ from ≤ to ≤ 65535.',
    docs:
      'A reserved range reads `16532-17354` (or one port, or with thousands separators, `20,000-20,099`). One that ' +
      'is backwards or out of range cannot hold ports; `next`, `fill` and `add` refuse it rather than pick from ' +
      'another range.',
  },
  'domain-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'An external-access domain that is not a valid host name.',
    docs:
      "A domain becomes nginx's `server_name` and the certificate path, so it must be a host name of letters, " +
      'digits, hyphens and dots (IDNs are written as punycode; a leading `*.` is a wildcard). Paths are not ' +
      'supported (give the path a subdomain), and a port goes in the Port column.',
  },
  'domain-duplicate': {
    severity: 'error',
    stage: 'validate',
    summary: 'The same domain and port twice in one environment (nginx would ignore one).',
    docs: 'nginx keeps the first server block for a name and port and ignores the next ("conflicting server name"). Remove one of the rows.',
  },
  'domain-shared': {
    severity: 'warning',
    stage: 'validate',
    summary:
      'The same domain and port in two environments (nginx ignores one when their files are included together), counting the port-80 redirect an SSL row implies.',
    docs:
      'Each environment gets its own nginx file; included on one host, two server blocks for one name and port ' +
      'collide, and an SSL row implies a port-80 redirect that collides too. Give each environment its own domain ' +
      "(`staging.api.example.com`), or include one environment's file per host.",
  },
  'ssl-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'An SSL cell that is neither yes (`✅`, `yes`, `true`) nor no (`❌`, `no`, `false`).',
    docs: 'SSL decides whether nginx listens with TLS and redirects port 80. A cell portbook cannot read as yes or no is an error rather than a guess: write ✅/yes or ❌/no.',
  },
  'proxy-target-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A proxy target that is not `host:port` with an IP address or host name.',
    docs: "The proxy target becomes nginx's `proxy_pass`: it must be `127.0.0.1:8000`, `[::1]:8000`, `localhost:8000`, a host name with a port, or a bare port (loopback).",
  },
  'proxy-target-unregistered': {
    severity: 'error',
    stage: 'validate',
    summary: 'A proxy target whose port no service registers (in its environment, or failing that in any).',
    docs: 'A domain that proxies to a port no table registers points at nothing portbook knows, which is how a typo in a port goes unnoticed. Add the service to a port table, or fix the port.',
  },
  'proxy-target-not-http': {
    severity: 'warning',
    stage: 'validate',
    summary:
      'A proxy target (or a URL) whose service does not speak HTTP: no server block is written for it (for a protocol portbook does not know, nginx proxies it as HTTP).',
    docs:
      "nginx's http block proxies HTTP; pointing a domain at a PostgreSQL or Redis port cannot work, so portbook " +
      'writes no server block for it, whether the service says so in its Protocol cell or was read so from its name ' +
      'or port (protocol-assumed). A protocol portbook does not know is proxied as written. Point the row at an HTTP ' +
      'service, or give the service a Protocol cell if it does speak HTTP.',
  },
  'url-unsupported': {
    severity: 'warning',
    stage: 'validate',
    summary:
      "A services table's URL cell portbook cannot serve: a path (`https://example.com/api`), credentials, a scheme other than http/https/ws/wss on a public host, a port out of range, or text that is no URL. Nothing is made of it.",
    docs:
      'A URL column in a services table says where each service is reached. A public URL (a host name with a dot) ' +
      'is served by nginx: a server block for its domain, TLS from its scheme (`https`, `wss`), its port if it has ' +
      "one, proxying to the row's own port. A path cannot be served that way (nginx would have to rewrite it), so a " +
      'URL with a path, a query or a fragment gets no server block and this warning: give the service a subdomain of ' +
      'its own, or serve the path from the service behind its own domain. Credentials are never read, and other ' +
      'schemes are not proxied by nginx.',
  },
  'url-port-mismatch': {
    severity: 'error',
    stage: 'validate',
    summary: "A local URL (`http://localhost:3001`) whose port is not the row's Port cell.",
    docs:
      'A URL on `localhost`, an IP address or a name without a dot is where the service itself listens: it is a ' +
      'second copy of its port, and the two have drifted. Make the URL and the Port cell agree (the Port cell is what ' +
      'portbook uses). A local URL without a port is not compared.',
  },
  'listen-ssl-mixed': {
    severity: 'error',
    stage: 'validate',
    summary: 'One port served both with and without SSL (nginx cannot mix them on one port; the nginx files are included together).',
    docs:
      'A listening port in nginx either speaks TLS or not. Two rows that serve one port with and without SSL ' +
      '(including the port-80 redirect an SSL row implies) cannot both work: use another port, or make the SSL cells ' +
      'agree.',
  },
  'listen-port-unusual': {
    severity: 'warning',
    stage: 'validate',
    summary: 'SSL on port 80, or plain HTTP on port 443: browsers will not expect it.',
    docs: 'Browsers speak plain HTTP to 80 and TLS to 443. Serving the other way round works only for clients told so. Swap the port, or the SSL cell.',
  },
  'details-port-mismatch': {
    severity: 'error',
    stage: 'validate',
    summary: 'A details heading that names a port (`API Port: 17355`) the table registers differently for that service.',
    docs: 'A details section whose heading names a port is a second copy of that port, and the two have drifted. Make the heading and the table agree (the table is what portbook uses).',
  },
  'details-unknown-service': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A details section (a heading with `Bind:`, `Workers:`, `Health Check:` items) for no registered service, or for several.',
    docs:
      "Details (bind address, workers, health check) are matched to a service by the heading's words or port. When " +
      'no single service matches, they are not used: name the service, or its port, in the heading.',
  },
  'config-file-unmatched': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A systemd unit in a configuration-files list whose label matches no registered service, or several.',
    docs:
      "A configuration-files item such as `**API Service**: /etc/systemd/system/api.service` names a service's unit " +
      'by its label. When the label matches no single service, or the unit file name is not a usable unit name, the ' +
      "item is not used: rename the label to the service's name (or the unit file).",
  },
  'unit-overridden': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A `systemd.units` entry in the config for a service whose unit a configuration-files list names otherwise (the list wins).',
    docs:
      "The registry's configuration-files list and the config's `systemd.units` both name units; when they disagree " +
      'for one service the list wins and the config entry does nothing. Remove one of them.',
  },
  'bind-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A `Bind` detail that is not an IP address, `*`, `localhost` or a host name.',
    docs: 'The bind address becomes `HOST=` in `.env` and the unit, and where nginx reaches the service. Write an IP address (`0.0.0.0:17354`, `[::1]`), `*`, `localhost` or a host name. In backticks the whole code span is the address, so words go after them (`` `0.0.0.0:17354` (all interfaces) ``): a space inside is refused, never cut to the first word.',
  },
  'workers-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A `Workers` detail past 1024 processes (0 leaves WEB_CONCURRENCY unset).',
    docs: 'The worker count becomes `WEB_CONCURRENCY` (and `UVICORN_WORKERS`). More than 1024 is a typo, not a plan; 0 (`0 (auto)`) leaves it unset.',
  },
  'health-path-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A `Health Check` path that is not a plain URL path (`/health`).',
    docs: 'The health path becomes an nginx `location =` and a variable; it must be a path of letters, digits and `/._~-`, such as `/health` or `/api/v1/health`.',
  },
  'exec-start-invalid': {
    severity: 'error',
    stage: 'validate',
    summary:
      'An `ExecStart` detail that is not one program by absolute path and its arguments: a control character, a backslash, an open quote, ' +
      `a shell operator, a \`$\` other than \`\${NAME}\` of a variable the unit sets, or past 2048 characters.`,
    docs:
      'A service the config gives a full unit (`systemd.services`) takes its command from an `ExecStart` detail when the ' +
      'config has none, and a command is code. portbook writes it as one `ExecStart=` line and quotes each word itself, ' +
      'so it takes words separated by spaces, `"…"` or `\'…\'` around a word with spaces, and nothing a shell or systemd ' +
      'would read otherwise: the absolute path of the program first (`/usr/bin/uvicorn`, not `uvicorn`), no control ' +
      'characters, no backslash escapes, no `;`, `|`, `&&` or `>` (systemd runs one program, not a shell: put a pipeline ' +
      `in a script and run that), and \`$\` only in \`\${PORT}\` or another variable the unit sets itself (\`\${HOST}\`, the ` +
      'port variable). A `%` is written as `%%`, so it reaches the program as a `%`.',
  },
  'socket-activation-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A `Socket Activation` detail that is neither yes nor no, or yes for a service whose bind address is a host name.',
    docs:
      "`Socket Activation: yes` gives a service's full unit a `.socket` that listens on the service's bind address and " +
      'port (`Accept=no`) and starts the service at the first connection. A socket listens on an IP address ' +
      '(`127.0.0.1`, `::1`, `*`; no Bind detail means `127.0.0.1`), so a host name in the Bind detail cannot be used: ' +
      'write the address. A value portbook cannot read as yes or no is an error rather than a guess.',
  },
  'compose-service-invalid': {
    severity: 'error',
    stage: 'validate',
    summary: 'A `Compose Service` detail that is not a compose service name (letters, digits and `._-`), or a `Container Port` detail that is not a port.',
    docs:
      '`Compose Service: api` says the service runs as the compose service `api`: the compose target publishes its port ' +
      'on 127.0.0.1 in an override file keyed by that name, so it must be a name the compose file format allows ' +
      '(letters, digits, `.`, `_` and `-`; put it in backticks, and prose around it stays a comment). `Container Port: ' +
      '8000` is the port the process listens on inside its container when it is not the registered one: a whole ' +
      'number from 1 to 65535.',
  },
  'compose-publishes-all-interfaces': {
    severity: 'warning',
    stage: 'validate',
    summary:
      'A compose file of the project (`compose.yaml`, `docker-compose.yml` and their overrides, at the project root) that publishes a registered port on every interface (`"8000:8000"`, `0.0.0.0:8000:8000`).',
    docs:
      'Docker writes its own iptables rules for a published port, ahead of the input chains ufw and nftables ' +
      'filter, so `"8000:8000"` opens port 8000 to the internet whatever the firewall says. portbook reads the ' +
      'compose files `docker compose` reads by default from the project root and warns, at the port in the ' +
      'registry, for each registered port one publishes without an address or on `0.0.0.0` or `::` (except the ports ' +
      "the registry's sites listen on, which a containerised front proxy publishes on purpose). Bind it to loopback " +
      'there (`127.0.0.1:8000:8000`), or remove it ' +
      "and let the compose target's override publish it on 127.0.0.1 (compose adds an override's ports to the base " +
      "file's, so both at once would collide). The reader follows `ports:` lists in short and long syntax; it does not " +
      `expand \`\${VARIABLES}\`, aliases or merge keys.`,
  },
  'internal-port-exposed': {
    severity: 'error',
    stage: 'validate',
    summary: 'An external-access proxy target on a port a security note calls internal.',
    docs: 'A security note such as `Internal ports (5837, 6194) not directly exposed` is a promise; a domain that proxies to one of those ports breaks it. Remove the row, or update the note.',
  },
  'ssl-scheme-conflict': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A domain written with `https://` whose SSL cell says no, or `http://` whose SSL cell says yes.',
    docs: 'The row says two things about TLS. portbook follows the SSL column; make the scheme and the cell agree.',
  },
  'comment-truncated': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A description, purpose or service name longer than 200 characters: the comments of the outputs keep its first 200, ending in `…`.',
    docs:
      'Descriptions, purposes and names appear in the outputs only as one-line comments. A comment is cut at 200 ' +
      'characters, whatever the cell holds, so that no cell makes a line a consumer refuses (nginx reads at most ' +
      '4,096 bytes as one token, and rejects a longer comment). The registry keeps the whole text: shorten the ' +
      'cell, and keep the rest in the prose around the table.',
  },
  'mention-port-mismatch': {
    severity: 'warning',
    stage: 'validate',
    summary:
      'A port mentioned outside the tables (a code sample, an ASCII picture, the text) for a service the tables register on another port: `API_PORT=8000` where `API Server` has 16100.',
    docs:
      'A registry repeats its ports outside the tables, and those copies drift. portbook reads the mentions that name ' +
      'a service: a number given to its variable (`API_SERVER_PORT=…`, or `API_PORT=…` when the words before `PORT` ' +
      "are words of one service's name), a port in a picture's box whose title names one service, and a port right " +
      "after a service's full name (`API Server: localhost:8000`, `API Server runs on port 8000`, " +
      "`API_SERVER_URL=http://localhost:8000`). When the port is not the service's in any environment, it warns at " +
      'the mention. Correct the mention; for a code sample, put it between `<!-- portbook:env -->` markers (or ' +
      '`python`, `ts`) and gen writes it from the tables. What is read: a singular `port` and a number (`port 8000`, ' +
      '`Port: 8000`, `--port=8000`), a number given to a name whose last word is `port` (`API_PORT=8000`, `apiPort: ' +
      '8000`, `os.getenv("API_PORT", "8000")`, `$' +
      '{API_PORT:-8000}`) or to a variable the tables name, a host and ' +
      'port (`localhost:3000`, `127.0.0.1:8000`, `*:16532`, `http://api:8000`), and in a picture (a code block in no ' +
      'language with box drawing or arrows) a bare `:8000`. Not read: the tables, HTML comments, reserved-range lists, ' +
      'details headings (details-port-mismatch checks those), plural `ports` (`ports 80 and 443`), ranges ' +
      '(`3000-9000`), decimals and versions, `PORT` placeholders (`lsof -i :PORT`), and the blocks portbook writes.',
  },
  'mention-port-unregistered': {
    severity: 'warning',
    stage: 'validate',
    summary: 'A port mentioned outside the tables (`Port: 18938` in an ASCII picture) that no table registers.',
    docs:
      'A picture, a code sample or the text names a port from 1024 up that no service table, external-access row ' +
      'or security note has: a service the tables forgot, or a copy that drifted. In a picture the box title says ' +
      'whose port it is (`Bot Interface`). Add the service to a table, or correct the mention. Well-known ports ' +
      '(below 1024) and mentions of a service whose port is still a placeholder are not reported; what is read is ' +
      'as for mention-port-mismatch.',
  },
  'diagram-markers': {
    severity: 'warning',
    stage: 'build',
    summary:
      'A second pair of `portbook:diagram` markers (only the first gets the diagram), or content between them that portbook did not write (left as it is).',
    docs:
      'gen writes the architecture diagram between `<!-- portbook:diagram -->` and `<!-- /portbook:diagram -->` in ' +
      'the registry. Only the first pair is used, and only a block portbook wrote (nothing, or one mermaid block) is ' +
      "replaced: someone's text there is never overwritten. Move that text out of the markers, or remove the second " +
      'pair.',
  },
  'sample-markers': {
    severity: 'warning',
    stage: 'build',
    summary:
      'A second pair of `portbook:env`, `portbook:python` or `portbook:ts` markers (only the first gets the sample), or content between them that portbook did not write (left as it is).',
    docs:
      "gen writes a code sample of one environment's ports between `<!-- portbook:env -->` and `<!-- /portbook:env -->` " +
      '(`KEY=value` lines, through the same quoting as `.env`), `<!-- portbook:python -->` (`int`/`str` constants, as in ' +
      '`settings.py`) and `<!-- portbook:ts -->` (`export const`s, as in `settings.ts`) in the registry. The environment ' +
      'is the one `settings.environment` in the config names (default: the default environment, else the first named), ' +
      "the one whose ports are settings' constants. Only the first pair of each kind is used, and only a block portbook " +
      "wrote (nothing, or one code block in its language: `env` or `dotenv`, `python` or `py`, `ts` or `typescript`) is replaced: someone's " +
      'text there is never overwritten. Move that text out of the markers, or remove the second pair.',
  },
  'output-edited': {
    severity: 'error',
    stage: 'gen',
    summary: '(`gen --json`) A generated file edited by hand since portbook wrote it: gen will not replace it without `--force`.',
    docs:
      'Each generated file carries a hash of itself; an edit by hand breaks it, and gen refuses to overwrite the ' +
      'edit. Move the change into the registry or a template, or run `portbook gen --force` to discard it.',
  },
  'output-foreign': {
    severity: 'error',
    stage: 'gen',
    summary: '(`gen --json`) A file in `--out` that portbook never wrote, where it would write one: move or delete it.',
    docs: 'portbook never replaces or deletes a file it did not write, even with `--force`. Move or delete the file, or choose another `--out`.',
  },
} as const satisfies Record<string, RuleEntry>;

export type RuleId = keyof typeof ruleCatalogue;

/** Every rule id, in catalogue order. */
export const ruleIds = Object.keys(ruleCatalogue) as RuleId[];
