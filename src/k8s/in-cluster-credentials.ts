import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import type { KubeCredentials } from './credentials.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Projected service account tokens rotate (about hourly); re-read the file this often. */
const TOKEN_REFRESH_MS = 60_000;

export interface InClusterSettings {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, as the kubelet sets them in every pod. */
  readonly host: string | undefined;
  readonly port: string | undefined;
  /** Where the token and CA are mounted; the standard path unless a test says otherwise. */
  readonly directory?: string;
  readonly now?: () => number;
}

/** A problem with the pod's service account, in words that say what is missing. */
export class InClusterError extends Error {}

/**
 * The pod's own service account: the API server at KUBERNETES_SERVICE_HOST:PORT, verified with the
 * mounted CA, and the mounted token as a bearer token, re-read once a minute so rotation is seen.
 * Reads the files when built (fail early, at startup) and the token again later.
 */
export class InClusterCredentials implements KubeCredentials {
  private readonly server: string;
  private readonly ca: string;
  private readonly tokenPath: string;
  private readonly now: () => number;
  private token: string;
  private tokenReadAt: number;

  constructor(settings: InClusterSettings) {
    const { host, port } = settings;
    if (host === undefined || host === '' || port === undefined || port === '') {
      throw new InClusterError(
        'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod',
      );
    }
    const directory = settings.directory ?? SERVICE_ACCOUNT_DIR;
    this.server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.ca = readAccountFile(`${directory}/ca.crt`);
    this.tokenPath = `${directory}/token`;
    this.now = settings.now ?? Date.now;
    this.token = readAccountFile(this.tokenPath).trim();
    this.tokenReadAt = this.now();
  }

  getCurrentCluster(): { readonly server: string } {
    return { server: this.server };
  }

  applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    if (this.now() - this.tokenReadAt >= TOKEN_REFRESH_MS) {
      // A failed re-read keeps the last token: the API server says when it really expired.
      try {
        this.token = readAccountFile(this.tokenPath).trim();
        this.tokenReadAt = this.now();
      } catch {
        this.tokenReadAt = this.now();
      }
    }
    options.ca = this.ca;
    options.headers = { ...options.headers, Authorization: `Bearer ${this.token}` };
    return Promise.resolve();
  }
}

function readAccountFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InClusterError(
      `cannot read the service account file ${path} (${reason}); mount the pod's service account token (automountServiceAccountToken)`,
    );
  }
}
