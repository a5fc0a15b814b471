/**
 * Go's `url.QueryEscape` / `url.QueryUnescape`, because collectors build allocator URLs with the
 * former and the upstream allocator decodes the job path segment with the latter: a space is `+`,
 * everything outside `[A-Za-z0-9-_.~]` is `%XX`.
 */

const EXTRA_RESERVED = /[!'()*]/g;

export function queryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(EXTRA_RESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class MalformedEscapeError extends Error {
  constructor(readonly input: string) {
    super(`invalid URL escape in ${JSON.stringify(input.slice(0, 200))}`);
    this.name = 'MalformedEscapeError';
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Decodes `+` as a space and `%XX` as a byte; bytes are read as UTF-8. A `%` not followed by two hex
 * digits throws `MalformedEscapeError`, as Go's QueryUnescape returns an error.
 */
export function queryUnescape(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new MalformedEscapeError(value);
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (code === 0x2b /* + */) {
      bytes.push(0x20);
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      // Non-ASCII characters that arrived unescaped: keep them as their UTF-8 bytes.
      const char = String.fromCodePoint(value.codePointAt(i) ?? code);
      for (const b of Buffer.from(char, 'utf8')) bytes.push(b);
      i += char.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The first value of `name` in a raw query string (without the `?`), unescaped; undefined when the
 * parameter is absent. Only the first occurrence counts, as in the upstream allocator.
 */
export function firstQueryValue(rawQuery: string, name: string): string | undefined {
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    const eq = rawQuery.indexOf('=', start);
    const keyEnd = eq >= 0 && eq < end ? eq : end;
    if (queryUnescape(rawQuery.slice(start, keyEnd)) === name) {
      return keyEnd === end ? '' : queryUnescape(rawQuery.slice(keyEnd + 1, end));
    }
    start = end + 1;
  }
  return undefined;
}
