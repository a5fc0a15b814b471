import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { OtelTaError, errorMessage } from '../../errors.js';

export interface TlsFilePaths {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const RELOAD_DEBOUNCE_MS = 250;

/** Reads the CA, certificate and key, and checks they form a usable context. */
export async function loadTlsFiles(paths: TlsFilePaths): Promise<SecureContextOptions> {
  let options: SecureContextOptions;
  try {
    const [ca, cert, key] = await Promise.all([
      readFile(paths.caFile),
      readFile(paths.certFile),
      readFile(paths.keyFile),
    ]);
    options = { ca, cert, key };
    createSecureContext(options);
  } catch (err) {
    throw new OtelTaError(
      'HTTPS_TLS_FILES_INVALID',
      `cannot use the HTTPS CA/certificate/key files (${paths.caFile}, ${paths.certFile}, ${paths.keyFile}): ${errorMessage(err)}; check the https.*_file_path settings`,
      { cause: err },
    );
  }
  return options;
}

/**
 * Watches the directories of the TLS files (Kubernetes updates mounted Secrets by swapping a
 * symlink, which a watch on the file itself misses) and hands each new, valid set to `apply`.
 * A broken intermediate state (key and cert from different rotations) is logged and skipped; the
 * previous context stays in use.
 */
export class TlsReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly paths: TlsFilePaths,
    private readonly apply: (options: SecureContextOptions) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const dirs = new Set([this.paths.caFile, this.paths.certFile, this.paths.keyFile].map(dirname));
    for (const dir of dirs) {
      const watcher = watch(dir, () => this.schedule());
      watcher.on('error', (err) => this.logger.warn({ err, dir }, 'TLS file watch failed'));
      this.watchers.push(watcher);
    }
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, RELOAD_DEBOUNCE_MS);
  }

  private async reload(): Promise<void> {
    try {
      this.apply(await loadTlsFiles(this.paths));
      this.logger.info({ certFile: this.paths.certFile }, 'HTTPS certificates reloaded');
    } catch (err) {
      this.logger.warn({ err }, 'HTTPS certificate reload failed; keeping the previous ones');
    }
  }
}
