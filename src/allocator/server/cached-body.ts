import { createHash } from 'node:crypto';

/** A response body serialized once: the bytes, their length and a strong ETag over the content. */
export interface CachedBody {
  readonly body: Buffer;
  readonly etag: string;
}

/** Wraps a JSON document (without its trailing newline) into a cacheable body. */
export function cachedJsonBody(json: string): CachedBody {
  const body = Buffer.from(json + '\n', 'utf8');
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return { body, etag };
}

/** True when the request's If-None-Match names this ETag (or `*`), so a 304 suffices. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag || header === '*') return true;
  for (const candidate of header.split(',')) {
    const trimmed = candidate.trim();
    if (trimmed === etag || trimmed === `W/${etag}`) return true;
  }
  return false;
}
