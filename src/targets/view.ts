/**
 * The view model every template sees: plain data, every identifier already
 * derived by the target that owns it and every value already checked.
 * Templates read like the files they produce; the decisions are made in typed
 * code (targets/model.ts). Project templates see the same fields: they are
 * part of portbook's interface.
 */
import type { EnvironmentName } from '../registry/types.js';

export interface ServiceView {
  name: string;
  description: string;
  status: string;
  protocol: string;
  port: number;
  /** `CREATOR_SUITE_API_PORT`, or the `Env` cell. */
  variable: string;
  /** nginx upstream name, `creator_suite_api` (prefixed by the environment outside the default one). */
  upstream: string;
  /** systemd unit name without `.service`. */
  unit: string;
  /** `creator-suite-api`. */
  slug: string;
  /** The diagram's node id, `production_creator_suite_api`. */
  node: string;
  /** Where nginx reaches it: its bind address when that is a specific one, else 127.0.0.1 (`[::1]` style for IPv6). */
  upstreamHost: string;
  /** The bind host from a details section (`0.0.0.0` for `*`), if known. */
  host?: string;
  /** `CREATOR_SUITE_API_HOST`: the variable for `host`. */
  hostVariable: string;
  /** The health-check path, if known. */
  healthPath?: string;
  /** `CREATOR_SUITE_API_HEALTH_PATH`. */
  healthVariable: string;
  /** The worker count, if known. */
  workers?: number;
  /** The details mention uvicorn: its own UVICORN_* variables are set too. */
  uvicorn: boolean;
  /** The words of the registry's `ExecStart` detail, if any (a full unit's command when the config gives none). */
  command?: string[];
  /** The details ask for socket activation (`Socket Activation: yes`): a full unit gets a `.socket`. */
  socketActivation: boolean;
  http: boolean;
  websocket: boolean;
  /** `https` for services that speak only TLS (`HTTPS`, `WSS`), else `http`: how nginx proxies to them. */
  scheme: 'http' | 'https';
  environment: string;
  /** Its details name a compose service (`Compose Service: api`): what the compose target publishes for it. */
  compose?: ComposePublishView;
}

/** A containerised service's publication, as the compose override writes it: `"127.0.0.1:17354:8000"`. */
export interface ComposePublishView {
  /** The compose service (`api`), from the `Compose Service` detail. */
  service: string;
  /** The address the port is published on: the service's bind address when it is a specific IP address, else `127.0.0.1` (where nginx reaches it). */
  hostIp: string;
  /** The registered port, published on the host. */
  hostPort: number;
  /** The port inside the container: the `Container Port` detail, else the registered port. */
  containerPort: number;
}

/** A full unit as `systemd.service.hbs` and `systemd.socket.hbs` see it (as `unit`, beside `service`): targets/systemd.ts builds it. */
export interface SystemdUnitView {
  /** `creator-suite-api`: the unit's name without `.service` (its socket's too). */
  name: string;
  /** ExecStart's words, unquoted: the `systemdExecStart` helper checks and quotes them. */
  command: string[];
  /** The variables the unit sets: its command may name them as `${NAME}`. */
  variables: string[];
  /** Its `Environment=` assignments, as the drop-in would set them. */
  environment: Array<{ name: string; value: string }>;
  /** `User=`; absent: `DynamicUser=yes`. */
  user?: string;
  group?: string;
  workingDirectory?: string;
  readWritePaths: string[];
  /** `CAP_NET_BIND_SERVICE` for a service that binds a port below 1024 itself. */
  ambientCapabilities?: string;
  /** The hardening profile's directives, as the config leaves them (empty when it is off). */
  hardening: Array<{ key: string; value: string }>;
  /** Its socket, when the details ask for socket activation: the `ListenStream=` address. */
  socket?: { listen: string };
}

export interface SiteView {
  /** ASCII (punycode) host name. */
  domain: string;
  listen: number;
  /** What each `listen` line of its server says: `443 ssl http2`, then `[::]:443 ssl http2` unless nginx.ipv6 is off. */
  listens: string[];
  ssl: boolean;
  /** `http2 on;` in its server (nginx.http2 is `directive`, and it serves SSL). */
  http2Directive: boolean;
  /** Add a `listen 80` server that redirects to https. */
  redirect: boolean;
  /** The `listen` lines of that port-80 server: `80`, `[::]:80`. */
  redirectListens: string[];
  /** Its own server is a plain port-80 one, and nginx.acmeWebroot is set: it gets the ACME challenge location too. */
  acme: boolean;
  /** nginx.acmeWebroot: where every port-80 server serves `/.well-known/acme-challenge/` from; absent when it is off. */
  acmeWebroot?: string;
  /** Behind a TLS-terminating proxy (nginx.behindProxy): its port-80 server serves what the proxy received over https, and redirects the rest. */
  behindProxy: boolean;
  /** What the app gets as `X-Forwarded-Proto`: `$scheme`, or behind a proxy the environment's `forwardedProtoVariable`. */
  forwardedProto: string;
  /** `''` for 443, else `:8443`: what the redirect appends to the host. */
  httpsPort: string;
  certificate: string;
  certificateKey: string;
  /** `http://creator_suite_api` or `http://10.0.0.5:8000`. */
  proxyPass: string;
  /** The address nginx's `proxyPass` reaches, as a URL without a name to resolve: `http://127.0.0.1:17354`, `http://10.0.0.5:8000` (Caddy's `reverse_proxy`). */
  upstreamUrl: string;
  /** The site as browsers reach it: `https://api.example.com`, `https://live.example.com:8443`, `http://plain.example.com` (the port only when it is not the scheme's own). */
  origin: string;
  websocket: boolean;
  purpose: string;
  /** The name of the service proxied to. */
  service: string;
  /** The diagram node of that service. */
  serviceNode: string;
  /** The service's health-check path: gets its own `location =` block. */
  healthPath?: string;
  /** The diagram node of this site, `site_production_0`. */
  node: string;
}

/** A port a firewall opens or closes, and what it is for: targets/model.ts builds them from registry/queries.ts publicPorts. */
export interface FirewallPortView {
  port: number;
  transport: 'tcp' | 'udp';
  /**
   * What it is for, free text from the registry: `video.example.com (Creator Suite API)`, `video.example.com (redirect to https)`,
   * a service's name. Each firewall target's helper (nftString, ufwComment) makes it inert for its format.
   */
  label: string;
}

export interface EnvironmentView {
  /** `default`, `development`, `staging`, `production`, `test`. */
  key: string;
  name: EnvironmentName | null;
  isDefault: boolean;
  services: ServiceView[];
  /** Services that get an nginx upstream (HTTP and WebSocket). */
  upstreams: ServiceView[];
  sites: SiteView[];
  /** Some site proxies WebSockets: the file needs the `map` for Connection. */
  websocket: boolean;
  /** `$portbook_connection_upgrade`, environment-scoped so files can be included together. */
  upgradeVariable: string;
  /** Some site is behind a TLS-terminating proxy: the file needs the `map` for X-Forwarded-Proto. */
  behindProxy: boolean;
  /** `$portbook_forwarded_proto`: the proxy's `X-Forwarded-Proto` when it is `http` or `https`, else `$scheme`; environment-scoped. */
  forwardedProtoVariable: string;
  /** The public port set of the environment (registry/queries.ts publicPorts): what the nftables and ufw targets open. By port, TCP first. */
  publicPorts: FirewallPortView[];
  /** Its services' ports that are not public, and the ports a security note calls internal: what the nftables target drops from outside. By port. */
  internalPorts: FirewallPortView[];
  /** The diagram's subgraph of the environment's services, `env_production`. */
  node: string;
  /** The diagram's subgraph of the environment's nginx sites, `nginx_production`. */
  sitesNode: string;
}

export interface Model {
  /** The source path as shown in headers, e.g. `docs/PORTS.md`. */
  source: string;
  /** Environments in order: default first, then as they first appear. */
  environments: EnvironmentView[];
  /** The environment whose ports are the top-level constants in settings. */
  primary: EnvironmentView;
  ranges: Array<{ name: string; from: number; to: number; description: string }>;
}
