import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { OtelTaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import {
  checkCaBundle,
  checkCertificateKeyPair,
  checkNotExpired,
  type KeyPairCheck,
} from './key-pair-check.js';

export interface ServingCredentials {
  readonly cert: string;
  readonly key: string;
  /** The CA bundle client certificates must chain to; set when `caFile` is given. */
  readonly ca?: string | undefined;
}

export type ReloadResult = 'success' | 'failure';

export interface ReloadingTlsCredentialsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** A CA bundle for verifying client certificates (mTLS), reloaded with the pair. */
  readonly caFile?: string | undefined;
  /** What the startup error tells the user to fix (the flags or settings that name the files). */
  readonly fixHint?: string;
  readonly logger: Logger;
  /** A safety net for file systems where watch events are lost (some network and overlay mounts). */
  readonly pollIntervalMs?: number;
  /** Coalesces the burst of events one replacement produces (cert, then key, then symlink swap). */
  readonly debounceMs?: number;
  readonly readText?: (path: string) => Promise<string>;
  /** False: poll only (tests that need deterministic reload counts). */
  readonly watch?: boolean;
  readonly onReload?: (result: ReloadResult) => void;
  /** How long start() waits for files that do not exist yet (default 0: fail at once). */
  readonly waitForFilesMs?: number;
  /** How often start() looks again while waiting. */
  readonly waitPollMs?: number;
  /** The clock a replacement's expiry is checked against (tests). */
  readonly now?: () => number;
}

type Listener = (credentials: ServingCredentials) => void;

function fingerprint(credentials: ServingCredentials): string {
  return createHash('sha256')
    .update(credentials.cert)
    .update('\0')
    .update(credentials.key)
    .update('\0')
    .update(credentials.ca ?? '')
    .digest('hex');
}

function checkCredentials(credentials: ServingCredentials): KeyPairCheck {
  const pair = checkCertificateKeyPair(credentials.cert, credentials.key);
  if (!pair.ok || credentials.ca === undefined) return pair;
  return checkCaBundle(credentials.ca);
}

const DEFAULT_FIX_HINT =
  'point --tls-cert-file and --tls-key-file at a matching PEM pair (otel-ta certs writes one)';

/**
 * The serving certificate and key (and, for mTLS, the client CA bundle), re-read when their files
 * change. A new set replaces the current one only if every file parses and the key matches the
 * certificate, so a set caught half-written (or a mismatched pair) never reaches the TLS server:
 * the old set keeps serving and the next change is picked up. Listeners typically call `tls.Server#setSecureContext`, which
 * affects new connections only, so requests in flight are never dropped.
 */
export class ReloadingTlsCredentials {
  private readonly options: ReloadingTlsCredentialsOptions;
  private readonly readText: (path: string) => Promise<string>;
  private readonly listeners: Listener[] = [];
  private readonly watchers: FSWatcher[] = [];
  private credentials: ServingCredentials | undefined;
  private currentFingerprint = '';
  /** A rejected pair is reported once, not on every poll until someone fixes it. */
  private rejectedFingerprint = '';
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> | undefined;

  constructor(options: ReloadingTlsCredentialsOptions) {
    this.options = options;
    this.readText = options.readText ?? ((path) => readFile(path, 'utf8'));
  }

  /** Loads the initial pair (an invalid one is a startup error) and starts watching the files. */
  async start(): Promise<ServingCredentials> {
    const initial = await this.readWhenPresent();
    const check = checkCredentials(initial);
    if (!check.ok) {
      const files = [this.options.certFile, this.options.keyFile, this.options.caFile];
      throw new OtelTaError(
        'TLS_PAIR_INVALID',
        `cannot serve TLS with ${files.filter((f) => f !== undefined).join(', ')}: ${check.reason}; ${this.options.fixHint ?? DEFAULT_FIX_HINT}`,
      );
    }
    this.credentials = initial;
    this.currentFingerprint = fingerprint(initial);
    if (this.options.watch ?? true) this.watchDirectories();
    const pollIntervalMs = this.options.pollIntervalMs ?? 10_000;
    this.pollTimer = setInterval(() => void this.reloadNow(), pollIntervalMs);
    this.pollTimer.unref();
    return initial;
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers.splice(0)) watcher.close();
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.pollTimer = undefined;
    this.debounceTimer = undefined;
    await this.reloading;
  }

  current(): ServingCredentials {
    if (this.credentials === undefined) {
      throw new OtelTaError('TLS_NOT_STARTED', 'the TLS credentials are read by start(); call it first');
    }
    return this.credentials;
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /**
   * Re-reads the files now; resolves true when a new valid pair was installed, false when nothing
   * changed or the new pair was rejected (the old one stays).
   */
  reloadNow(): Promise<boolean> {
    // Serialised: two overlapping reads could otherwise install an older pair after a newer one.
    const previous = this.reloading ?? Promise.resolve(false);
    const next = previous.then(() => this.reloadOnce());
    this.reloading = next;
    return next;
  }

  private async reloadOnce(): Promise<boolean> {
    let candidate: ServingCredentials;
    try {
      candidate = await this.read();
    } catch (err) {
      this.options.logger.warn({ err }, 'tls files unreadable, keeping the current certificate');
      this.options.onReload?.('failure');
      return false;
    }
    const candidateFingerprint = fingerprint(candidate);
    if (candidateFingerprint === this.currentFingerprint) return false;
    if (candidateFingerprint === this.rejectedFingerprint) return false;
    let check = checkCredentials(candidate);
    // Only a replacement is refused for having expired: at startup there is nothing better to serve.
    if (check.ok) check = checkNotExpired(candidate.cert, (this.options.now ?? Date.now)());
    if (!check.ok) {
      this.rejectedFingerprint = candidateFingerprint;
      this.options.logger.warn(
        { reason: check.reason, certFile: this.options.certFile, keyFile: this.options.keyFile },
        'tls files rejected, keeping the current certificate',
      );
      this.options.onReload?.('failure');
      return false;
    }
    this.credentials = candidate;
    this.currentFingerprint = candidateFingerprint;
    for (const listener of this.listeners) listener(candidate);
    this.options.logger.info({ certFile: this.options.certFile }, 'tls certificate reloaded');
    this.options.onReload?.('success');
    return true;
  }

  /** Reads the pair, waiting up to `waitForFilesMs` while a file does not exist yet. */
  private async readWhenPresent(): Promise<ServingCredentials> {
    const deadline = Date.now() + (this.options.waitForFilesMs ?? 0);
    let logged = false;
    for (;;) {
      try {
        return await this.read();
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        if (!missing || Date.now() >= deadline) throw err;
        if (!logged) {
          this.options.logger.info(
            { certFile: this.options.certFile, keyFile: this.options.keyFile },
            'waiting for the certificate files to appear',
          );
          logged = true;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.waitPollMs ?? 1000));
      }
    }
  }

  private async read(): Promise<ServingCredentials> {
    const caFile = this.options.caFile;
    const [cert, key, ca] = await Promise.all([
      this.readText(this.options.certFile),
      this.readText(this.options.keyFile),
      caFile === undefined ? undefined : this.readText(caFile),
    ]);
    return { cert, key, ca };
  }

  private scheduleReload(): void {
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.reloadNow();
    }, this.options.debounceMs ?? 100);
    this.debounceTimer.unref();
  }

  /**
   * Watches the directories rather than the files: Kubernetes updates a mounted Secret by swapping
   * a symlink, and editors and `otel-ta certs` replace files by rename; a watch on the old inode
   * would miss both.
   */
  private watchDirectories(): void {
    const files = [this.options.certFile, this.options.keyFile, this.options.caFile];
    const directories = new Set(files.filter((f) => f !== undefined).map((f) => dirname(f)));
    for (const directory of directories) {
      try {
        const watcher = watch(directory, { persistent: false }, () => this.scheduleReload());
        watcher.on('error', (err) => {
          this.options.logger.warn({ err, directory }, 'tls directory watch failed, relying on polling');
        });
        this.watchers.push(watcher);
      } catch (err) {
        this.options.logger.warn({ err, directory }, 'tls directory watch failed, relying on polling');
      }
    }
  }
}
