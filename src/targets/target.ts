/**
 * What a target is: one output format, owned by one module. It names its
 * template (or serialises its files itself), says where its files go, brings
 * the quoting helpers its template needs, and tells how its real consumer
 * checks a candidate set. `targets/index.ts` lists them; everything that needs
 * to know about formats (config, render, init, deploy, the README) reads that list.
 */
import type { Registry } from '../registry/types.js';
import type { CommentStyle } from './comments.js';
import type { Model } from './view.js';

/** The settings targets read (the config's `nginx`, `systemd`, `nftables`, `sysctl` and `settings`; config/load.ts checks them). */
export interface TargetOptions {
  nginx: {
    /** Certificate path pattern; `{domain}` is replaced by the domain. */
    certificate: string;
    certificateKey: string;
    /** Listen on `[::]` beside every IPv4 listen line; `false` for hosts without IPv6. */
    ipv6: boolean;
    /**
     * How SSL servers speak HTTP/2: `listen … ssl http2` (every nginx since 1.9.5; deprecated, with a
     * warning, from 1.25.1), `http2 on;` in the server (1.25.1 and later only), or not at all.
     */
    http2: 'listen' | 'directive' | 'off';
    /** The directory `certbot certonly --webroot -w DIR` writes its challenges to, served on port 80; `false`: no challenge location. */
    acmeWebroot: string | false;
    /** Write `nginx/portbook.default-server.conf`: per listening port, a default server that answers unknown Host names with 444. */
    defaultServer: boolean;
    /**
     * Sites behind a TLS-terminating proxy or CDN (all of them, or these domains): the port-80 server
     * serves what the proxy says arrived over https (`X-Forwarded-Proto`) and redirects the rest,
     * and the app gets the proxy's `X-Forwarded-Proto`.
     */
    behindProxy: boolean | readonly string[];
  };
  systemd: {
    /** Service name (as written in PORTS.md) → unit name without `.service`. */
    units: Readonly<Record<string, string>>;
    /** Service name (as written in PORTS.md) → a full unit instead of the drop-in (targets/systemd.ts). */
    services: Readonly<Record<string, FullUnitOptions>>;
  };
  nftables: {
    /**
     * The input chain's policy: `accept` (the default) drops only the registered internal ports from
     * outside; `drop` accepts only the public port set (and loopback, established traffic, ICMP).
     */
    policy: 'accept' | 'drop';
  };
  sysctl: {
    /** The kernel's ephemeral port range the sysctl target and port-ephemeral assume (net.ipv4.ip_local_port_range; Linux's default 32768-60999). */
    ephemeralRange: { from: number; to: number };
  };
  settings: {
    /**
     * The environment whose services become the top-level constants, and whose values apply when the
     * selector variable is unset; default: the default environment, else the first named.
     */
    environment?: string;
    /** The variable that chooses the environment at run time; default `PORTBOOK_ENV` (settings-ts.ts: defaultEnvironmentVariable). */
    environmentVariable?: string;
    /** Where each settings file goes, relative to the output directory; default `settings.ts` and `settings.py`. */
    paths?: { ts?: string; py?: string };
  };
}

/**
 * A full unit, as the config asks for it (config/load.ts checks each value).
 * What decides who runs what lives here, in the config; the registry may only
 * give the command, in an `ExecStart` detail, when the config gives none.
 */
export interface FullUnitOptions {
  /** The command's words; absent: the registry's `ExecStart` detail. */
  execStart?: readonly string[];
  /** `User=`; absent: `DynamicUser=yes` (a transient user, never root). */
  user?: string;
  group?: string;
  workingDirectory?: string;
  /** `ReadWritePaths=`: what the service may write under `ProtectSystem=strict`. */
  readWritePaths: readonly string[];
  /** The hardening profile (targets/systemd.ts `hardeningProfile`), on unless `false`. */
  hardening: boolean;
  /** The profile's directives left out for this service. */
  without: readonly string[];
}

/** What a target's `outputs` gets: the view model templates see, the registry it came from, and the settings. */
export interface TargetInput {
  model: Model;
  registry: Registry;
  options: TargetOptions;
}

/** One file of a target: rendered from the target's template (or another it names in `extraTemplates`) with `context`, or already serialised as `content`. */
export type TargetOutput = { path: string; context: unknown; template?: string } | { path: string; content: string };

/** A Handlebars helper as a target declares it: plain arguments, no options object; returns inert text or throws. */
export type Helper = (...args: unknown[]) => string;

/**
 * Where a target's files go on a host, for `portbook deploy` (src/deploy/):
 * a directory with a Debian and Ubuntu default (`deploy.<id>` in the config
 * moves it), and for each output, the file in it for the environment deployed.
 */
export interface TargetInstall {
  /** The host directory its files go to, absolute: `/etc/nginx/conf.d`. */
  readonly directory: string;
  /**
   * Where one of its outputs (out-relative, as `outputs` names it) goes when `environment` (`default`, `production`…)
   * is deployed, relative to the directory; `undefined` when that output is not deployed with it (another
   * environment's). `name` is the config's `deploy.name` (`''` when unset), for names shared by every project on a host.
   */
  place(output: string, environment: string, name: string): string | undefined;
  /**
   * What reads its files on the host: deploy checks the candidates with it as the host would load them and makes it
   * take them after a change (deploy/loaders.ts). Absent: the files are only written.
   */
  readonly loader?: 'nginx' | 'systemd' | 'environment-file' | 'sysctl' | 'nftables' | 'caddy' | 'prometheus';
}

export interface Target<Id extends string = string> {
  /** As `targets` in the config names it. */
  readonly id: Id;
  /** What it writes, for the README's outputs table. */
  readonly summary: string;
  /** Its output paths as the README shows them, e.g. `` `nginx/portbook.<environment>.conf` ``. */
  readonly paths: string;
  /** Whether a project that lists no `targets` gets it. */
  readonly byDefault: boolean;
  /** Its template in templates/ (a project's templates/ may override it), unless it serialises its files itself. */
  readonly template?: string;
  /** Further templates its outputs name (`template` in an output), when it writes files of more than one kind. */
  readonly extraTemplates?: readonly string[];
  /** The comment syntax of its do-not-edit header. */
  readonly comment: CommentStyle;
  /** Its files for this registry, in a stable order. */
  outputs(input: TargetInput): TargetOutput[];
  /** The helpers its template uses: every value that is not an identifier or a number reaches the file through one. */
  readonly helpers?: Readonly<Record<string, Helper>>;
  /**
   * Placeholders its `validate` command may use besides `{files}`, `{file}` and
   * `{dir}`: each gets the staging directory and the candidate files, writes
   * what it needs there, and returns the path the placeholder stands for.
   */
  readonly candidatePlaceholders?: Readonly<Record<string, (staging: string, candidates: readonly string[]) => string>>;
  /** Where its files go on a host (`portbook deploy`); absent: never deployed (settings, the diagram, registry.json stay in the repository). */
  readonly install?: TargetInstall;
}
