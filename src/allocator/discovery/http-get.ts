import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpGetTls {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly servername?: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3' | undefined;
}

export interface HttpGetRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly tls: HttpGetTls | undefined;
  readonly followRedirects: boolean;
  /** Cancels the request (the provider stops); the promise then rejects. */
  readonly signal?: AbortSignal | undefined;
}

export interface HttpGetResponse {
  readonly status: number;
  readonly statusText: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** One HTTP GET; injected into http_sd so tests can use a real local server or a fake. */
export type HttpGet = (request: HttpGetRequest) => Promise<HttpGetResponse>;

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 10;

function getOnce(req: HttpGetRequest, url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls = url.protocol === 'https:' && req.tls !== undefined ? req.tls : {};
  return new Promise((resolve, reject) => {
    const r = send(
      url,
      { method: 'GET', headers: req.headers, timeout: req.timeoutMs, signal, ...tls },
      resolve,
    );
    r.on('timeout', () => r.destroy(new Error(`no response within ${req.timeoutMs} ms`)));
    r.on('error', reject);
    r.end();
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

// Headers that carry credentials: kept along a redirect only to the same host or a subdomain of
// it, as Go's client does, so a redirect cannot hand the credentials to another server.
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'www-authenticate',
  'cookie',
  'cookie2',
]);

function isDomainOrSubdomain(host: string, of: string): boolean {
  return host === of || host.endsWith(`.${of}`);
}

function headersForRedirect(
  headers: Readonly<Record<string, string>>,
  initial: URL,
  next: URL,
): Readonly<Record<string, string>> {
  if (isDomainOrSubdomain(next.hostname, initial.hostname)) return headers;
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())),
  );
}

async function getFollowing(req: HttpGetRequest, signal: AbortSignal): Promise<HttpGetResponse> {
  const initial = new URL(req.url);
  let url = initial;
  let current: HttpGetRequest = req;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, url, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (req.followRedirects && status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url);
      current = { ...req, headers: headersForRedirect(req.headers, initial, url) };
      continue;
    }
    return {
      status,
      statusText: res.statusMessage ?? STATUS_CODES[status] ?? '',
      contentType: res.headers['content-type'],
      body: await readBody(res),
    };
  }
}

/**
 * The default HttpGet on node:http/node:https, following redirects like Go's client. `timeoutMs`
 * bounds the whole exchange (redirects and body included), not only silences: a server that
 * trickles its answer must not hold a refresh, and so its job's reloads and the shutdown, forever.
 */
export const nodeHttpGet: HttpGet = (req) => {
  const controller = new AbortController();
  return new Promise<HttpGetResponse>((resolve, reject) => {
    const cancel = (): void => {
      reject(new Error('request cancelled'));
      controller.abort();
    };
    if (req.signal?.aborted === true) {
      cancel();
      return;
    }
    req.signal?.addEventListener('abort', cancel, { once: true });
    const timer = setTimeout(() => {
      reject(new Error(`no complete response within ${req.timeoutMs} ms`));
      controller.abort();
    }, req.timeoutMs);
    getFollowing(req, controller.signal)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', cancel);
      });
  });
};
