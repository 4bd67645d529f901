/**
 * What a Protocol cell means for rendering: proxied over HTTP, upgraded to
 * WebSocket, or neither. Unknown protocols are kept (and warned about). And
 * what a row without one speaks: well-known services by name and default
 * port (recogniseService); registry/queries.ts serviceProtocol puts the two
 * together for every stage.
 */
import { remembered } from '../support/remembered.js';
import { letterDigitRuns } from './names.js';

const httpWords = new Set(['http', 'https', 'http1', 'http1.1', 'h2', 'http2', 'h2c', 'rest', 'graphql', 'sse', 'web', 'prometheus']);
const websocketWords = new Set(['ws', 'wss', 'websocket', 'websockets', 'socket.io', 'socketio', 'jupyter']);
/** Words that say the service speaks TLS itself, and words that say it also speaks plain text. */
const tlsWords = new Set(['https', 'wss', 'h2']);
const plainWords = new Set([
  'http',
  'http1',
  'http1.1',
  'h2c',
  'ws',
  'rest',
  'graphql',
  'sse',
  'web',
  'prometheus',
  'websocket',
  'websockets',
  'socket.io',
  'socketio',
]);

const otherWords = new Set([
  'tcp',
  'udp',
  'grpc',
  'postgresql',
  'postgres',
  'pg',
  'mysql',
  'mssql',
  'mariadb',
  'redis',
  'mongodb',
  'mongo',
  'amqp',
  'amqps',
  'mqtt',
  'smtp',
  'smtps',
  'imap',
  'imaps',
  'pop3',
  'dns',
  'ssh',
  'ftp',
  'sftp',
  'ldap',
  'ldaps',
  'memcached',
  'kafka',
  'nats',
  'elasticsearch',
  'clickhouse',
  'statsd',
  'syslog',
  'rtmp',
  'rtsp',
  'sip',
  'stun',
  'turn',
  'quic',
  'tls',
  'jdbc',
  'cassandra',
  'zookeeper',
  'etcd',
]);

export interface ProtocolInfo {
  /** Parts not recognised, e.g. `['foo']` for `HTTP/foo`. */
  unknown: string[];
  /** Served over HTTP: gets an nginx upstream. */
  http: boolean;
  /** Needs Upgrade/Connection headers when proxied. */
  websocket: boolean;
  /** Speaks only TLS (`HTTPS`, `WSS`): nginx proxies to it with `https://`. */
  tls: boolean;
}

/** What a row without a Protocol cell reads as. */
const absentProtocol: Readonly<ProtocolInfo> = Object.freeze({ unknown: Object.freeze([]) as unknown as string[], http: true, websocket: false, tls: false });

/**
 * What each Protocol text read as, in this process (frozen: the answer is
 * shared): every rule and target asks of every service, and a registry has a
 * handful of distinct texts.
 */
const rememberedProtocol = remembered((text) => {
  const info = Object.freeze(readProtocol(text));
  Object.freeze(info.unknown);
  return info;
}, 1024);

/** `HTTP/HTTPS` → http; `WS` → http + websocket; `PostgreSQL` → neither; absent → http. The same (frozen) answer each time for the same text. */
export function protocolInfo(text: string | undefined): Readonly<ProtocolInfo> {
  return text === undefined ? absentProtocol : rememberedProtocol(text);
}

function readProtocol(text: string): ProtocolInfo {
  if (text.trim() === '') return { unknown: [], http: true, websocket: false, tls: false };
  const parts = text
    .toLowerCase()
    .split(/\s*(?:\/|\+|,|&|\band\b|\bor\b)\s*|\s+/)
    .map((part) => part.replace(/[()]/g, '').trim())
    .filter(Boolean);
  const websocket = parts.some((part) => websocketWords.has(part));
  const http = websocket || parts.some((part) => httpWords.has(part));
  const unknown = parts.filter((part) => !httpWords.has(part) && !websocketWords.has(part) && !otherWords.has(part));
  const plain = parts.some((part) => plainWords.has(part));
  const tls = http && !plain && parts.some((part) => tlsWords.has(part));
  return { unknown, http, websocket, tls };
}

/**
 * Whether `protocol` means plain HTTP (proxied over `http://`), what a row
 * without a Protocol cell reads as when neither its name nor its port says
 * otherwise. `HTTPS` does not (nginx proxies to it with `https://`), nor `WS`
 * or `PostgreSQL`.
 */
export function meansDefaultProtocol(protocol: string | undefined): boolean {
  const given = protocolInfo(protocol);
  const absent = protocolInfo(undefined);
  return given.unknown.length === 0 && given.http === absent.http && given.websocket === absent.websocket && given.tls === absent.tls;
}

/** A service portbook knows by the words of its name or by its default port. */
interface KnownService {
  /** What it is read as, in messages. */
  what: string;
  /** What a Protocol cell would say for it (protocolInfo reads it). */
  protocol: string;
  /** Words of a service name that name it (lower case). */
  words: readonly string[];
  /** Words that, beside one of `words`, choose this entry over another of the same product. */
  also?: readonly string[];
  /** Its default ports: with one of its words, a port chooses between the entries of one product. */
  ports: readonly number[];
  /** Whether its default port alone recognises it (in a name that says nothing): only for ports few other programs use. */
  byPort: boolean;
}

/**
 * Well-known services by name and default port: the vocabulary a row without
 * a Protocol cell is read with. The first entry of a product is what its name
 * alone means; its other entries are its other ports (RabbitMQ's management
 * UI speaks HTTP on 15672). HTTP entries let a known HTTP service pass without
 * a note; their ports are never enough alone.
 */
const knownServices: readonly KnownService[] = [
  {
    what: 'PostgreSQL',
    protocol: 'PostgreSQL',
    words: ['postgres', 'postgresql', 'pg', 'psql', 'postgis', 'timescaledb', 'pgbouncer'],
    ports: [5432, 6432],
    byPort: true,
  },
  { what: 'MySQL', protocol: 'MySQL', words: ['mysql', 'mariadb', 'percona'], ports: [3306], byPort: true },
  { what: 'Redis', protocol: 'Redis', words: ['redis', 'valkey', 'keydb'], ports: [6379], byPort: true },
  { what: 'MongoDB', protocol: 'MongoDB', words: ['mongo', 'mongodb', 'mongod'], ports: [27017], byPort: true },
  { what: 'RabbitMQ', protocol: 'AMQP', words: ['rabbitmq', 'rabbit'], ports: [5672], byPort: true },
  { what: 'the RabbitMQ management UI', protocol: 'HTTP', words: ['rabbitmq', 'rabbit'], also: ['management'], ports: [15672], byPort: false },
  { what: "Elasticsearch's REST API", protocol: 'HTTP', words: ['elasticsearch', 'elastic', 'opensearch'], ports: [9200], byPort: false },
  {
    what: "Elasticsearch's transport",
    protocol: 'TCP',
    words: ['elasticsearch', 'elastic', 'opensearch'],
    also: ['transport', 'cluster'],
    ports: [9300],
    byPort: true,
  },
  { what: 'Memcached', protocol: 'memcached', words: ['memcached', 'memcache'], ports: [11211], byPort: true },
  { what: 'Kafka', protocol: 'Kafka', words: ['kafka', 'redpanda'], ports: [9092], byPort: true },
  { what: 'ClickHouse', protocol: 'ClickHouse', words: ['clickhouse'], also: ['native'], ports: [9000, 9440], byPort: false },
  { what: "ClickHouse's HTTP interface", protocol: 'HTTP', words: ['clickhouse'], ports: [8123, 8443], byPort: false },
  { what: 'etcd', protocol: 'etcd', words: ['etcd'], ports: [2379, 2380], byPort: true },
  { what: 'ZooKeeper', protocol: 'ZooKeeper', words: ['zookeeper'], ports: [2181], byPort: true },
  { what: 'Cassandra', protocol: 'Cassandra', words: ['cassandra', 'scylla', 'scylladb'], ports: [9042], byPort: true },
  { what: 'NATS', protocol: 'NATS', words: ['nats'], ports: [4222], byPort: true },
  { what: 'an MQTT broker', protocol: 'MQTT', words: ['mosquitto', 'emqx'], ports: [1883, 8883], byPort: true },
  { what: 'SQL Server', protocol: 'MSSQL', words: ['mssql', 'sqlserver'], ports: [1433], byPort: true },
  { what: 'Oracle Database', protocol: 'TCP', words: ['oracle'], ports: [1521], byPort: true },
  { what: 'an SMTP server', protocol: 'SMTP', words: ['postfix', 'exim', 'sendmail'], ports: [25, 587, 2525], byPort: true },
  { what: 'an SMTP server over TLS', protocol: 'SMTPS', words: [], ports: [465], byPort: true },
  { what: 'an LDAP server', protocol: 'LDAP', words: ['openldap', 'slapd'], ports: [389], byPort: true },
  { what: 'an LDAP server over TLS', protocol: 'LDAPS', words: [], ports: [636], byPort: true },
  { what: 'an SSH server', protocol: 'SSH', words: ['sshd', 'openssh'], ports: [22], byPort: true },
  { what: 'a DNS server', protocol: 'DNS', words: ['coredns', 'dnsmasq', 'unbound', 'bind9'], ports: [53], byPort: true },
  { what: 'an FTP server', protocol: 'FTP', words: ['vsftpd', 'proftpd'], ports: [21], byPort: true },
  { what: 'Jupyter', protocol: 'HTTP/WS', words: ['jupyter', 'jupyterlab', 'jupyterhub'], ports: [8888], byPort: false },
  { what: 'Prometheus', protocol: 'HTTP', words: ['prometheus'], ports: [9090], byPort: false },
  { what: 'Grafana', protocol: 'HTTP', words: ['grafana'], ports: [3000], byPort: false },
  { what: 'Kibana', protocol: 'HTTP', words: ['kibana'], ports: [5601], byPort: false },
  { what: 'MinIO', protocol: 'HTTP', words: ['minio'], ports: [9000, 9001], byPort: false },
];

/** Protocol words that name the protocol when they are a word of a service name (`gRPC Gateway`, `SMTP Relay`), as a Protocol cell writes them. */
const protocolNameWords: Readonly<Record<string, string>> = {
  http: 'HTTP',
  https: 'HTTPS',
  rest: 'HTTP',
  graphql: 'HTTP',
  sse: 'HTTP',
  ws: 'WS',
  wss: 'WSS',
  websocket: 'WS',
  websockets: 'WS',
  socketio: 'WS',
  grpc: 'gRPC',
  tcp: 'TCP',
  udp: 'UDP',
  smtp: 'SMTP',
  smtps: 'SMTPS',
  imap: 'IMAP',
  imaps: 'IMAPS',
  pop3: 'POP3',
  amqp: 'AMQP',
  mqtt: 'MQTT',
  ssh: 'SSH',
  sftp: 'SFTP',
  ftp: 'FTP',
  dns: 'DNS',
  ldap: 'LDAP',
  rtmp: 'RTMP',
  rtsp: 'RTSP',
  syslog: 'syslog',
  statsd: 'StatsD',
};

/** Words that make a service an HTTP front end, whatever product it fronts (`Redis Commander`, `pgAdmin`, `Kafka UI`). */
const frontEndWords = new Set([
  'api',
  'web',
  'www',
  'webapp',
  'website',
  'site',
  'frontend',
  'ui',
  'gui',
  'webui',
  'admin',
  'dashboard',
  'console',
  'portal',
  'docs',
  'swagger',
  'webhook',
  'webhooks',
  'management',
  'commander',
  'exporter',
  'studio',
  'panel',
]);

/** Words that say what kind of service, not which product: read as not HTTP, since nothing proxies a database over HTTP. */
const kindWords: Readonly<Record<string, string>> = {
  database: 'a database',
  db: 'a database',
  cache: 'a cache',
  broker: 'a message broker',
  mq: 'a message broker',
};

/** What a row without a Protocol cell was read as, and what gave it away. */
export interface Recognised {
  /** What the service was read as, for messages: `PostgreSQL`, `a database`. */
  what: string;
  /** What a Protocol cell would say for it (protocolInfo reads it). */
  protocol: string;
  /** A word of its name, or its default port. */
  by: 'name' | 'port';
}

/**
 * What a service with no Protocol cell speaks, from its name and port, or
 * `undefined` when they say nothing (the row is then read as HTTP). In order:
 * a protocol named in the name (`gRPC Gateway`); a word of an HTTP front end
 * (`Redis Commander`, `Admin`); a product (`Postgres`, its port choosing
 * between its entries); a default port few other programs use (5432); a
 * word of a kind (`Database`).
 */
export function recogniseService(name: string, port: number | undefined): Recognised | undefined {
  const nameWords = serviceNameWords(name);
  const protocols = [...nameWords].flatMap((word) => protocolNameWords[word] ?? []);
  if (protocols.length > 0) {
    const protocol = [...new Set(protocols)].join('/');
    return { what: protocol, protocol, by: 'name' };
  }
  if ([...nameWords].some((word) => frontEndWords.has(word))) return { what: 'an HTTP front end', protocol: 'HTTP', by: 'name' };
  const products = knownServices.filter((known) => known.words.some((word) => nameWords.has(word)));
  if (products.length > 0) {
    const score = (known: KnownService): number =>
      (port !== undefined && known.ports.includes(port) ? 2 : 0) + ((known.also ?? []).some((word) => nameWords.has(word)) ? 1 : 0);
    const best = products.reduce((chosen, known) => (score(known) > score(chosen) ? known : chosen));
    return { what: best.what, protocol: best.protocol, by: 'name' };
  }
  const byPort = port === undefined ? undefined : knownServices.find((known) => known.byPort && known.ports.includes(port));
  if (byPort) return { what: byPort.what, protocol: byPort.protocol, by: 'port' };
  const kind = [...nameWords].find((word) => kindWords[word] !== undefined);
  if (kind) return { what: kindWords[kind]!, protocol: 'TCP', by: 'name' };
  return undefined;
}

/** The words of a name, lower case: as written, split at case changes (`PostgresDB`), and without trailing digits (`postgres14`). */
function serviceNameWords(name: string): Set<string> {
  const found = new Set<string>();
  for (const word of letterDigitRuns(name).filter(Boolean)) {
    // in ASCII, lower and upper case are a-z and A-Z: no Unicode class to compile
    const caseChanges = /^[\x00-\x7f]*$/.test(word) ? /(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/ : /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;
    const parts = [word, ...word.split(caseChanges)];
    for (const part of parts) {
      const lower = part.toLowerCase();
      found.add(lower);
      found.add(lower.replace(/\d+$/, ''));
    }
  }
  found.delete('');
  return found;
}
