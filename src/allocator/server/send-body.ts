import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsGzip, matchesIfNoneMatch, type CachedBody } from './cached-body.js';

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
  if (matchesIfNoneMatch(req.headers['if-none-match'], cached.etag)) {
    res.writeHead(304, { ETag: cached.etag });
    res.end();
    return;
  }
  const gzip = cached.compressible && acceptsGzip(req.headers['accept-encoding']);
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
