import { createHash } from 'node:crypto';

/**
 * A digest of a discovery source's text (a file_sd file, an http_sd response), to tell an
 * unchanged source without keeping its text: 100k targets' worth of JSON is ~200 MB held for a
 * comparison, a digest 43 bytes.
 */
export function contentDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
