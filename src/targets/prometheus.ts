/**
 * prometheus: what the blackbox exporter probes and what Prometheus alerts
 * on, from the registry's sites. Per environment, a file_sd target file
 * (`prometheus/targets/portbook[.<environment>].yml`) with each domain's
 * endpoint (a TLS handshake for SSL rows, a TCP connection for plain ones)
 * and each health path through its domain (an HTTP 2xx), labelled with the
 * service and environment and naming its blackbox module in
 * `__param_module`; the alert rules for failed probes and expiring
 * certificates (`prometheus/portbook.rules.yml`); and the blackbox modules
 * they name (`prometheus/blackbox.yml`). Cells reach these files as
 * double-quoted ASCII YAML strings (label values) and YAML comments only.
 */
import type { Target } from './target.js';
import type { EnvironmentView, SiteView } from './view.js';
import { yamlComment, yamlString } from './yaml.js';

/**
 * The scrape job of docs/outputs.md that reads the target files (`files`, YAML
 * file patterns): each target's address is the exporter's `target` parameter,
 * and Prometheus scrapes the exporter on 127.0.0.1:9115. Deploy checks target
 * files with it, as do the tests.
 */
export function blackboxScrapeJob(files: readonly string[]): string[] {
  return [
    '  - job_name: blackbox',
    '    metrics_path: /probe',
    // Prometheus refuses a file_sd config without files
    ...(files.length > 0 ? ['    file_sd_configs:', `      - files: [${files.map((file) => JSON.stringify(file)).join(', ')}]`] : []),
    '    relabel_configs:',
    '      - source_labels: [__address__]',
    '        target_label: __param_target',
    '      - source_labels: [__param_target]',
    '        target_label: instance',
    '      - target_label: __address__',
    '        replacement: 127.0.0.1:9115',
  ];
}

/** The blackbox modules the probes name, as `prometheus.blackbox.yml.hbs` defines them. */
export const blackboxModules = { tls: 'portbook_tls', tcp: 'portbook_tcp', health: 'portbook_http_2xx' } as const;

/** One probe, a target group of the file_sd file as `prometheus.targets.yml.hbs` sees it. */
export interface ProbeView {
  /** `api.example.com:443` for an endpoint, `https://api.example.com/health` for a health path. */
  target: string;
  /** The blackbox module (`__param_module`). */
  module: string;
  /** `endpoint` or `health`: the `portbook_probe` label, which the alert rules select on. */
  kind: 'endpoint' | 'health';
  domain: string;
  /** The service's name as written in the registry. */
  service: string;
  environment: string;
}

/**
 * An environment's probes, in the order of its sites: each site's endpoint,
 * then its health path when its service has one. A wildcard domain
 * (`*.example.com`) names no host to probe and is left out.
 */
export function probes(environment: Pick<EnvironmentView, 'key' | 'sites'>): ProbeView[] {
  return environment.sites
    .filter((site) => !site.domain.startsWith('*.'))
    .flatMap((site: SiteView) => {
      const labels = { domain: site.domain, service: site.service, environment: environment.key };
      const endpoint: ProbeView = {
        target: `${site.domain}:${site.listen}`,
        module: site.ssl ? blackboxModules.tls : blackboxModules.tcp,
        kind: 'endpoint',
        ...labels,
      };
      if (site.healthPath === undefined) return [endpoint];
      return [endpoint, { target: `${site.origin}${site.healthPath}`, module: blackboxModules.health, kind: 'health' as const, ...labels }];
    });
}

export const prometheus: Target<'prometheus'> = {
  id: 'prometheus',
  summary:
    "blackbox exporter targets for file-based service discovery (each domain's endpoint, with its TLS handshake for SSL rows, and each health path through its domain), labelled with service and environment; alert rules for failed probes and certificates near expiry; and the blackbox modules they use",
  paths: '`prometheus/targets/portbook.yml`, `prometheus/targets/portbook.<environment>.yml`, `prometheus/portbook.rules.yml`, `prometheus/blackbox.yml`',
  byDefault: false,
  template: 'prometheus.targets.yml.hbs',
  extraTemplates: ['prometheus.rules.yml.hbs', 'prometheus.blackbox.yml.hbs'],
  comment: '#',
  helpers: { yamlString, yamlComment },
  outputs: ({ model }) => [
    ...model.environments.flatMap((environment) => {
      const found = probes(environment);
      if (found.length === 0) return [];
      const path = `prometheus/targets/portbook${environment.isDefault ? '' : `.${environment.key}`}.yml`;
      return [{ path, context: { ...model, environment, probes: found } }];
    }),
    { path: 'prometheus/portbook.rules.yml', template: 'prometheus.rules.yml.hbs', context: model },
    { path: 'prometheus/blackbox.yml', template: 'prometheus.blackbox.yml.hbs', context: { ...model, modules: blackboxModules } },
  ],
  install: {
    // where docs/outputs.md's blackbox job reads them; the rules go with every environment; blackbox.yml stays in the
    // repository: the exporter's own file holds its modules
    directory: '/etc/prometheus/portbook',
    place: (output, environment, name) => {
      const named = name === '' ? '' : `.${name}`;
      if (output === 'prometheus/portbook.rules.yml') return `portbook${named}.rules.yml`;
      return output === `prometheus/targets/portbook${environment === 'default' ? '' : `.${environment}`}.yml`
        ? `targets/portbook${named}.${environment}.yml`
        : undefined;
    },
    loader: 'prometheus',
  },
};
