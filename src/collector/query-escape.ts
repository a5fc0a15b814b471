const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/**
 * Go's `url.QueryEscape`: the escaping the upstream allocator and the collector's prometheus
 * receiver use for job names in `/jobs/<job>/targets`, so URLs we generate match theirs byte for
 * byte. Unlike `encodeURIComponent` it escapes `!'()*` and turns a space into `+`.
 */
export function queryEscape(value: string): string {
  let result = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(char)) result += char;
    else if (char === ' ') result += '+';
    else result += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return result;
}

/** Inverse of `queryEscape` (Go's `url.QueryUnescape`); undefined for a malformed escape. */
export function queryUnescape(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
