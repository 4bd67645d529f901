/**
 * nftables: per environment, a ruleset of its own table, `inet portbook`,
 * that accepts the public port set (registry/queries.ts publicPorts: the
 * domains' listen ports, the port-80 redirects, the services marked public)
 * and drops every other registered port from outside, after loopback and
 * established traffic. Each set element is commented with what it is for;
 * comments are the only cell text in the file, and nftString keeps them to
 * an alphabet nft reads as text whatever it holds.
 */

import { withoutAccents } from '../registry/names.js';
import type { Target, TargetOptions } from './target.js';
import type { EnvironmentView, FirewallPortView } from './view.js';

/** The longest comment nft keeps on a set element (NFTNL_UDATA_COMMENT_MAXLEN): a longer one is refused. */
export const nftCommentLimit = 128;

/**
 * A double-quoted nft string for a comment. nft's quoted strings have no
 * escapes (a `"` always ends one), so the text is kept to letters, digits and
 * ` ._,:;/()+@*-` after folding accents: a line break or space of any kind
 * becomes a space, anything else `_`; cut to nftCommentLimit with `...`.
 */
export function nftString(value: unknown): string {
  const folded = withoutAccents(String(value))
    .replace(/[\s\u0085\u2028\u2029]+/gu, ' ')
    .replace(/[^A-Za-z0-9 ._,:;/()+@*-]+/g, '_')
    .replace(/ {2,}/g, ' ')
    .trim();
  const text = folded.length > nftCommentLimit ? `${folded.slice(0, nftCommentLimit - 3).trimEnd()}...` : folded;
  return `"${text}"`;
}

/** What the template sees of the firewall, beside the model and its environment. */
export interface NftablesView {
  policy: TargetOptions['nftables']['policy'];
  /** The policy drops: ICMP is accepted too (IPv6 needs neighbour discovery). */
  drop: boolean;
  publicTcp: FirewallPortView[];
  publicUdp: FirewallPortView[];
  internalTcp: FirewallPortView[];
  internalUdp: FirewallPortView[];
}

export function nftablesView(environment: Pick<EnvironmentView, 'publicPorts' | 'internalPorts'>, options: TargetOptions['nftables']): NftablesView {
  const of = (ports: FirewallPortView[], transport: FirewallPortView['transport']): FirewallPortView[] => ports.filter((port) => port.transport === transport);
  return {
    policy: options.policy,
    drop: options.policy === 'drop',
    publicTcp: of(environment.publicPorts, 'tcp'),
    publicUdp: of(environment.publicPorts, 'udp'),
    internalTcp: of(environment.internalPorts, 'tcp'),
    internalUdp: of(environment.internalPorts, 'udp'),
  };
}

export const nftables: Target<'nftables'> = {
  id: 'nftables',
  summary:
    "a ruleset of its own table, `inet portbook`, for `nft -f`: loopback and established traffic accepted, the public port set (the domains' listen ports, the port-80 redirects, services whose Exposure is public) accepted, every other registered port dropped from outside; each port commented with its service (`nftables.policy`: `drop` accepts only those)",
  paths: '`nftables/portbook.nft`, `nftables/portbook.<environment>.nft`',
  byDefault: false,
  template: 'nftables.nft.hbs',
  comment: '#',
  helpers: { nftString },
  outputs: ({ model, options }) =>
    model.environments.map((environment) => ({
      path: `nftables/portbook${environment.isDefault ? '' : `.${environment.key}`}.nft`,
      context: { ...model, environment, nftables: nftablesView(environment, options.nftables) },
    })),
  install: {
    // one table inet portbook per host, so one file: without deploy.name in it, a second project's is refused
    directory: '/etc/nftables.d',
    place: (output, environment) => (output === `nftables/portbook${environment === 'default' ? '' : `.${environment}`}.nft` ? 'portbook.nft' : undefined),
    loader: 'nftables',
  },
};
