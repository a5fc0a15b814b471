import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchesIfNoneMatch, type CachedBody } from './cached-body.js';

/**
 * Writes a cached JSON body with its ETag, or a bodiless 304 when the client already holds it.
 * Plain node:http calls, no per-request allocation beyond the header object: this is the hot path.
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
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': cached.body.length,
    ETag: cached.etag,
  });
  res.end(req.method === 'HEAD' ? undefined : cached.body);
}

/** A small JSON document (errors, probes); not cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value) + '\n', 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
