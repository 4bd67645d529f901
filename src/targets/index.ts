/**
 * The target table: every output format portbook writes, in the order their
 * files are listed. A new format is one module in this folder, its template
 * in templates/ (or a serialiser in the module), and one line here.
 */
import { caddy } from './caddy.js';
import { compose } from './compose.js';
import { diagram } from './diagram.js';
import { env } from './env.js';
import { json } from './json.js';
import { nftables } from './nftables.js';
import { nginx } from './nginx.js';
import { prometheus } from './prometheus.js';
import { settingsPy } from './settings-py.js';
import { settingsTs } from './settings-ts.js';
import { sysctl } from './sysctl.js';
import { systemd } from './systemd.js';
import { ufw } from './ufw.js';

export const targets = [env, settingsTs, settingsPy, nginx, systemd, diagram, json, nftables, ufw, sysctl, caddy, compose, prometheus] as const;

export type TargetId = (typeof targets)[number]['id'];
export const targetIds: readonly TargetId[] = targets.map((target) => target.id);
/** What a project that lists no `targets` in its config gets. */
export const defaultTargetIds: readonly TargetId[] = targets.filter((target) => target.byDefault).map((target) => target.id);

export function targetNamed(id: TargetId): (typeof targets)[number] {
  return targets.find((target) => target.id === id)!;
}

export { buildModel } from './model.js';
export type { Helper, Target, TargetInput, TargetOptions, TargetOutput } from './target.js';
export type { EnvironmentView, Model, ServiceView, SiteView } from './view.js';
