import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeApiError } from './api-error.js';
import type { KubeCredentials } from './credentials.js';

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** Defaults to application/json; server-side apply uses application/apply-patch+yaml. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** One line of a watch stream. */
export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/** The API server as the controller and the informers use it; an interface so a test can script it. */
export interface KubeApi {
  request<T>(spec: RequestSpec): Promise<T>;
  /** Streams watch events until the server ends the stream (resolves) or it fails (rejects). */
  watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A small REST client over node:https with a kubeconfig's (or the service account's) credentials. The generated clients of
 * @kubernetes/client-node 1.x are per-group and per-kind; the controller applies and deletes many
 * kinds, and informers need raw list/watch with resourceVersion control, so one generic path-based
 * client is smaller and has one error type.
 */
export class KubeRestClient implements KubeApi {
  private agent: Agent | undefined;

  constructor(private readonly kc: KubeCredentials) {}

  /** Closes idle keep-alive connections (open watches end when their informers stop). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec, REQUEST_TIMEOUT_MS);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(spec, status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    // No socket timeout: the server ends the watch itself after timeoutSeconds.
    const res = await this.send(
      { method: 'GET', path, query: { ...query, watch: true }, signal },
      0,
    );
    const status = res.statusCode ?? 0;
    if (status !== 200) throw apiError({ method: 'GET', path }, status, await readBody(res));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        try {
          onEvent(JSON.parse(line) as WatchEvent<T>);
        } catch (err) {
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      });
      // readline re-emits input errors on the interface: both need a listener, or an aborted
      // stream (stop(), a server restart) becomes an uncaught exception.
      res.on('error', reject);
      lines.on('error', reject);
      lines.on('close', () => resolve());
    });
  }

  private sharedAgent(options: RequestOptions): Agent {
    this.agent ??= new Agent({
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      servername: options.servername,
      ...(options.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: options.rejectUnauthorized }),
      keepAlive: true,
    });
    return this.agent;
  }

  private async send(spec: RequestSpec, timeoutMs: number): Promise<IncomingMessage> {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options: RequestOptions = {
      method: spec.method,
      headers: { Accept: 'application/json' },
    };
    // Credentials are applied per request (a projected token file rotates), but the TLS settings
    // are fixed for the kubeconfig: one keep-alive agent instead of the new agent per request
    // that applyToHTTPSOptions creates, so requests reuse connections instead of handshaking.
    await this.kc.applyToHTTPSOptions(options);
    options.agent = url.protocol === 'https:' ? this.sharedAgent(options) : undefined;
    const body =
      spec.body === undefined
        ? undefined
        : typeof spec.body === 'string'
          ? spec.body
          : JSON.stringify(spec.body);
    if (body !== undefined) {
      options.headers = {
        ...options.headers,
        'Content-Type': spec.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { ...options, signal: spec.signal }, resolve);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`${spec.method} ${spec.path}: no answer in ${timeoutMs} ms`)),
        );
      }
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function apiError(
  spec: Pick<RequestSpec, 'method' | 'path'>,
  status: number,
  text: string,
): KubeApiError {
  let reason = '';
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    reason = parsed.reason ?? '';
    message = parsed.message ?? message;
  } catch {
    // Not a Status object (a proxy's HTML page, say): keep the raw text.
  }
  return new KubeApiError(status, reason, `${spec.method} ${spec.path}: ${status} ${message}`);
}
