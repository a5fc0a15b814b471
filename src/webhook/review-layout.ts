/**
 * Where `request.object` sits in the raw bytes of an AdmissionReview, found without parsing it.
 *
 * The object is most of a review's bytes (a collector's config text alone can be tens of
 * kilobytes) and the same object comes again and again (a server-side dry run and then the real
 * request, reinvocation, re-applies), so the webhook parses the small envelope around it and
 * looks the object's bytes up among the answers it gave recently (admission-answer-cache.ts).
 *
 * This is a lexer for well-formed JSON only: strings are skipped, nesting is counted outside
 * them. Anything it does not expect (`request` or `object` twice, a key of the review or of its
 * request with an escape, an object that is not a JSON object, text that is not JSON) gives
 * undefined and the caller parses the whole body as before. It does not validate: the caller
 * parses the envelope with JSON.parse, and an object's bytes are only ever matched against bytes
 * that parsed before.
 */
export interface ReviewObjectRange {
  /** The offset of the object's `{`. */
  readonly start: number;
  /** The offset just past its `}`. */
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(bytes: Buffer, at: number): number {
  let i = at;
  while (isWhitespace(bytes[i])) i++;
  return i;
}

/** Strings up to this long are read byte by byte; longer ones by indexOf (a native call each). */
const SHORT_STRING = 64;

/** `at` is an opening quote; the offset past the closing one, or -1. */
function skipString(bytes: Buffer, at: number): number {
  const limit = Math.min(bytes.length, at + SHORT_STRING);
  let i = at + 1;
  while (i < limit) {
    const byte = bytes[i];
    if (byte === QUOTE) return i + 1;
    i += byte === BACKSLASH ? 2 : 1;
  }
  let from = i;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    for (let k = quote - 1; k > at && bytes[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The offset past the JSON value starting at `at` (no leading whitespace), or -1. */
function skipValue(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = skipString(bytes, i);
        if (i < 0) return -1;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isWhitespace(byte))
      break;
    i++;
  }
  return i > at ? i : -1;
}

/** Whether the bytes in [start, end) are `name` (ASCII), without decoding them. */
function bytesAre(bytes: Buffer, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** What one lexing pass found; reset by each call (the lexer runs to completion, never reentered). */
const found = { requests: 0, objectStart: -1, objectEnd: -1 };

const REVIEW = 0;
const REQUEST = 1;

/**
 * The offset past the member value at `start` of an object at `level` (the review or its
 * request), noting `request` and `object` on the way; -1 to stop.
 */
function memberEnd(
  bytes: Buffer,
  level: number,
  keyStart: number,
  keyEnd: number,
  start: number,
): number {
  if (level === REVIEW) {
    if (!bytesAre(bytes, keyStart, keyEnd, 'request')) return skipValue(bytes, start);
    found.requests++;
    return found.requests === 1 ? walkMembers(bytes, start, REQUEST) : -1;
  }
  const end = skipValue(bytes, start);
  if (!bytesAre(bytes, keyStart, keyEnd, 'object')) return end;
  // Twice: JSON.parse keeps the last one; the whole parse decides.
  if (found.objectStart >= 0 || end < 0) return -1;
  found.objectStart = start;
  found.objectEnd = end;
  return end;
}

/**
 * Walks the members of the JSON object at `at` (the review or its request, by `level`). Returns
 * the offset past the object's `}`, or -1 when the text is not what this lexer reads.
 */
function walkMembers(bytes: Buffer, at: number, level: number): number {
  if (bytes[at] !== OPEN_BRACE) return -1;
  let i = skipWhitespace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) return -1;
    const keyEnd = skipString(bytes, i);
    if (keyEnd < 0) return -1;
    const keyStart = i + 1;
    // An escaped key could spell `request` or `object` unseen: the whole parse reads those.
    for (let k = keyStart; k < keyEnd - 1; k++) if (bytes[k] === BACKSLASH) return -1;
    i = skipWhitespace(bytes, keyEnd);
    if (bytes[i] !== COLON) return -1;
    const start = skipWhitespace(bytes, i + 1);
    const end = memberEnd(bytes, level, keyStart, keyEnd - 1, start);
    if (end < 0) return -1;
    i = skipWhitespace(bytes, end);
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    if (bytes[i] !== COMMA) return -1;
    i = skipWhitespace(bytes, i + 1);
  }
}

/** The byte range of `request.object` when it is a JSON object; undefined otherwise. */
export function locateReviewObject(bytes: Buffer): ReviewObjectRange | undefined {
  found.requests = 0;
  found.objectStart = -1;
  found.objectEnd = -1;
  const end = walkMembers(bytes, skipWhitespace(bytes, 0), REVIEW);
  if (end < 0 || skipWhitespace(bytes, end) !== bytes.length) return undefined;
  const { objectStart: start, objectEnd } = found;
  if (start < 0 || bytes[start] !== OPEN_BRACE) return undefined;
  return { start, end: objectEnd };
}
