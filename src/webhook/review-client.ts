import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface ReviewClientOptions {
  readonly baseUrl: string;
  /** The CA that signed the webhook's serving certificate (PEM). */
  readonly ca: string;
  /** Sockets kept open across requests, as the API server does. */
  readonly maxSockets?: number;
  /** False: a new TLS connection (and handshake) per request. */
  readonly keepAlive?: boolean;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * A small HTTPS client that verifies the webhook's certificate against its CA, the way the API
 * server does. Used by the demo, the benchmark's load generator and the integration tests.
 */
export class ReviewClient {
  private readonly options: ReviewClientOptions;
  private readonly agent: Agent;

  constructor(options: ReviewClientOptions) {
    this.options = options;
    this.agent = new Agent({
      ca: options.ca,
      keepAlive: options.keepAlive ?? true,
      maxSockets: options.maxSockets ?? 16,
    });
  }

  send(
    method: 'GET' | 'POST',
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = body === undefined
      ? {}
      : { 'content-type': 'application/json' },
  ): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.options.baseUrl),
        { method, agent: this.agent, headers, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within 10 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** POSTs a JSON document and parses the JSON answer. */
  async postJson(path: string, document: unknown): Promise<{ status: number; body: unknown }> {
    const reply = await this.send('POST', path, JSON.stringify(document));
    return { status: reply.status, body: JSON.parse(reply.text) as unknown };
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface AdmissionReviewRequestOptions {
  readonly uid: string;
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly oldObject?: unknown;
}

type Json = Record<string, unknown>;

/** An AdmissionReview request for `object`, shaped as the API server sends it. */
export function admissionReviewRequest(
  object: unknown,
  options: AdmissionReviewRequestOptions,
): Json {
  const root = (typeof object === 'object' && object !== null ? object : {}) as Json;
  const metadata = (
    typeof root.metadata === 'object' && root.metadata !== null ? root.metadata : {}
  ) as Json;
  const [group, version] =
    typeof root.apiVersion === 'string' && root.apiVersion.includes('/')
      ? root.apiVersion.split('/', 2)
      : ['', typeof root.apiVersion === 'string' ? root.apiVersion : ''];
  const kind = {
    group: group ?? '',
    version: version ?? '',
    kind: typeof root.kind === 'string' ? root.kind : '',
  };
  const operation = options.operation ?? 'CREATE';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid,
      kind,
      resource: {
        group: kind.group,
        version: kind.version,
        resource: `${kind.kind.toLowerCase()}s`,
      },
      requestKind: kind,
      name: typeof metadata.name === 'string' ? metadata.name : '',
      namespace:
        options.namespace ??
        (typeof metadata.namespace === 'string' ? metadata.namespace : 'default'),
      operation,
      userInfo: { username: 'otel-ta-client', groups: ['system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: options.oldObject ?? (operation === 'DELETE' ? object : null),
      dryRun: options.dryRun ?? false,
      options: null,
    },
  };
}
