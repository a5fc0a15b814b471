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

function getOnce(req: HttpGetRequest, url: URL): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls = url.protocol === 'https:' && req.tls !== undefined ? req.tls : {};
  return new Promise((resolve, reject) => {
    const r = send(
      url,
      { method: 'GET', headers: req.headers, timeout: req.timeoutMs, ...tls },
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

/** The default HttpGet on node:http/node:https, following redirects like Go's client. */
export const nodeHttpGet: HttpGet = async (req) => {
  let url = new URL(req.url);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(req, url);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (req.followRedirects && status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url);
      continue;
    }
    return {
      status,
      statusText: res.statusMessage ?? STATUS_CODES[status] ?? '',
      contentType: res.headers['content-type'],
      body: await readBody(res),
    };
  }
};
