import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsGzip, matchesIfNoneMatch, type CachedBody } from './cached-body.js';

/** Which answer a request gets for a cached body: 304, or 200 with the gzip or the plain bytes. */
type CachedAnswer = 'not-modified' | 'gzip' | 'plain';

function chooseAnswer(
  ifNoneMatch: string | undefined,
  acceptEncoding: string | string[] | undefined,
  cached: CachedBody,
): CachedAnswer {
  if (matchesIfNoneMatch(ifNoneMatch, cached.etag)) return 'not-modified';
  return cached.compressible && acceptsGzip(acceptEncoding) ? 'gzip' : 'plain';
}

/**
 * Writes a cached JSON body with its ETag (gzip-encoded when the client asks for it), or a
 * bodiless 304 when the client already holds it. Plain node:http calls with one header object:
 * this is the hot path.
 */
export function sendCachedJson(
  req: IncomingMessage,
  res: ServerResponse,
  cached: CachedBody,
): void {
  const answer = chooseAnswer(req.headers['if-none-match'], req.headers['accept-encoding'], cached);
  if (answer === 'not-modified') {
    res.writeHead(304, { ETag: cached.etag });
    res.end();
    return;
  }
  const gzip = answer === 'gzip';
  res.writeHead(200, gzip ? cached.gzipHeaders() : cached.plainHeaders());
  if (req.method === 'HEAD') res.end();
  else res.end(gzip ? cached.gzip() : cached.plain());
}

/** A small JSON document (errors, probes); not cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value) + '\n', 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
