/**
 * What a Protocol cell means for rendering: proxied over HTTP, upgraded to
 * WebSocket, or neither. Unknown protocols are kept (and warned about).
 */

const httpWords = new Set(['http', 'https', 'http1', 'http1.1', 'h2', 'http2', 'h2c', 'rest', 'graphql', 'sse', 'web']);
const websocketWords = new Set(['ws', 'wss', 'websocket', 'websockets', 'socket.io', 'socketio']);
/** Words that say the service speaks TLS itself, and words that say it also speaks plain text. */
const tlsWords = new Set(['https', 'wss', 'h2']);
const plainWords = new Set(['http', 'http1', 'http1.1', 'h2c', 'ws', 'rest', 'graphql', 'sse', 'web', 'websocket', 'websockets', 'socket.io', 'socketio']);

const otherWords = new Set([
  'tcp',
  'udp',
  'grpc',
  'postgresql',
  'postgres',
  'pg',
  'mysql',
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
  'prometheus',
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
  'jupyter',
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

/** `HTTP/HTTPS` → http; `WS` → http + websocket; `PostgreSQL` → neither; absent → http. */
export function protocolInfo(text: string | undefined): ProtocolInfo {
  if (text === undefined || text.trim() === '') return { unknown: [], http: true, websocket: false, tls: false };
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
 * Whether a row that says `protocol` means the same as a row with no Protocol
 * cell (HTTP proxied over plain `http://`): only then may the cell be left out.
 * `HTTPS` does not (nginx proxies to it with `https://`), nor `PostgreSQL`.
 */
export function meansDefaultProtocol(protocol: string | undefined): boolean {
  const given = protocolInfo(protocol);
  const absent = protocolInfo(undefined);
  return given.unknown.length === 0 && given.http === absent.http && given.websocket === absent.websocket && given.tls === absent.tls;
}
