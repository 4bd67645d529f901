/** `hook install`: wire the pre-commit hook through the repository's hook manager (or a committed .githooks/). */
import { loadConfig, type PathOptions } from '../config/load.js';
import { detectHookManager, type HookManager, type HookResult, installHook } from '../git/hooks.js';

export const hookManagers: readonly HookManager[] = ['husky', 'lefthook', 'simple-git-hooks', 'githooks'];

export function installPreCommitHook(options: PathOptions & { manager?: HookManager }): HookResult {
  const root = loadConfig(options).root;
  return installHook(root, options.manager ?? detectHookManager(root));
}
