import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError, errorMessage } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Policy } from '../policy/policy.js';
import { parsePolicyText } from './policy-file.js';

export type PolicyReloadResult = 'success' | 'failure';

export interface PolicyWatcherOptions {
  readonly path: string;
  readonly logger: Logger;
  readonly onReload?: (result: PolicyReloadResult, policy: Policy) => void;
  /** A safety net for mounts where watch events are lost. */
  readonly pollIntervalMs?: number;
  readonly debounceMs?: number;
}

/**
 * The policy from a mounted ConfigMap, reloaded when the file changes. An invalid or unreadable
 * new version is logged and counted and the last good policy stays in effect: a typo in the
 * ConfigMap must not switch enforcement off. An invalid file at startup is a startup error.
 */
export class PolicyWatcher {
  private readonly options: PolicyWatcherOptions;
  private policy: Policy | undefined;
  private lastText: string | undefined;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> = Promise.resolve(false);

  constructor(options: PolicyWatcherOptions) {
    this.options = options;
  }

  async start(): Promise<Policy> {
    const text = await readFile(this.options.path, 'utf8').catch((err: unknown) => {
      throw new UsageError(
        'POLICY_UNREADABLE',
        `cannot read the policy file ${this.options.path}: ${errorMessage(err)}`,
      );
    });
    const policy = parsePolicyText(this.options.path, text);
    this.install(policy, text);
    this.options.onReload?.('success', policy);
    try {
      // The directory, not the file: ConfigMap volumes update by swapping a symlink.
      this.watcher = watch(dirname(this.options.path), { persistent: false }, () =>
        this.schedule(),
      );
      this.watcher.on('error', (err) =>
        this.options.logger.warn({ err }, 'policy watch failed, relying on polling'),
      );
    } catch (err) {
      this.options.logger.warn({ err }, 'policy watch failed, relying on polling');
    }
    this.pollTimer = setInterval(
      () => void this.reloadNow(),
      this.options.pollIntervalMs ?? 10_000,
    );
    this.pollTimer.unref();
    return policy;
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.pollTimer = undefined;
    this.debounceTimer = undefined;
    await this.reloading;
  }

  /** The policy in effect. */
  current(): Policy {
    if (this.policy === undefined) throw new Error('the policy is read by start(); call it first');
    return this.policy;
  }

  /** Re-reads the file; true when a new valid policy was installed. */
  reloadNow(): Promise<boolean> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  private async reloadOnce(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.options.path, 'utf8');
    } catch (err) {
      return this.fail(err);
    }
    if (text === this.lastText) return false;
    try {
      const policy = parsePolicyText(this.options.path, text);
      this.install(policy, text);
      this.options.logger.info(
        { path: this.options.path, rules: policy.rules.length },
        'policy reloaded',
      );
      this.options.onReload?.('success', policy);
      return true;
    } catch (err) {
      // Remember the bad text so the same broken file is reported once, not on every poll.
      this.lastText = text;
      return this.fail(err);
    }
  }

  private fail(err: unknown): boolean {
    this.options.logger.error(
      { err, path: this.options.path },
      'policy file rejected, keeping the last good policy',
    );
    this.options.onReload?.('failure', this.current());
    return false;
  }

  private install(policy: Policy, text: string): void {
    this.policy = policy;
    this.lastText = text;
  }

  private schedule(): void {
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.reloadNow();
    }, this.options.debounceMs ?? 100);
    this.debounceTimer.unref();
  }
}
