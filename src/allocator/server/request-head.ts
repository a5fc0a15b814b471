/**
 * A strict reader of the HTTP/1.1 request heads that the allocator's fast path answers itself:
 * `GET`/`HEAD`, origin-form target, `HTTP/1.1`, CRLF line ends, a Host header, no body, no
 * upgrade, no `Expect`, and no `Connection` value other than `keep-alive`. Everything else, valid
 * or not, is reported as not simple and goes to node:http, whose parser gives the real answer
 * (400, 431, 417, a body read, a close). So this reader never has to reject anything itself: it
 * only has to never accept a head that node:http would read differently.
 */

export interface SimpleRequest {
  readonly method: 'GET' | 'HEAD';
  /** The request target as sent (origin-form, printable ASCII). */
  readonly target: string;
  /** Values of repeated headers joined with `, `, as node:http does for these two. */
  readonly ifNoneMatch: string | undefined;
  readonly acceptEncoding: string | undefined;
  /** Bytes of the head, the final empty line included. */
  readonly length: number;
}

/** More bytes are needed to decide. */
export const INCOMPLETE = 'incomplete';
/** Hand the request (and the connection) to node:http. */
export const NOT_SIMPLE = 'not-simple';

export type HeadReading = SimpleRequest | typeof INCOMPLETE | typeof NOT_SIMPLE;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
const VERSION = Buffer.from(' HTTP/1.1\r\n', 'latin1');
const GET = Buffer.from('GET ', 'latin1');
const HEAD = Buffer.from('HEAD ', 'latin1');

// RFC 9110 token characters (header names).
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  if (buf.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

/** True when buf[from, to) equals `lower` ignoring ASCII case (`lower` is lowercase). */
function nameIs(buf: Buffer, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if (((buf[from + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

// A head that is still incomplete is not worth waiting for when a line already ends in a bare LF
// (node:http decides what that means) or it is already over the size limit.
function incompleteOrNot(buf: Buffer, start: number, maxHeadBytes: number): HeadReading {
  if (buf.length - start > maxHeadBytes) return NOT_SIMPLE;
  for (let lf = buf.indexOf(LF, start); lf >= 0; lf = buf.indexOf(LF, lf + 1)) {
    if (lf === start || buf[lf - 1] !== CR) return NOT_SIMPLE;
  }
  return INCOMPLETE;
}

interface RequestLine {
  readonly method: 'GET' | 'HEAD';
  readonly target: string;
  /** Offset of the first header line. */
  readonly next: number;
}

// `GET|HEAD SP origin-form SP HTTP/1.1 CRLF`, or undefined.
function readRequestLine(buf: Buffer, start: number, headEnd: number): RequestLine | undefined {
  let method: 'GET' | 'HEAD';
  let pos: number;
  if (startsWith(buf, start, GET)) {
    method = 'GET';
    pos = start + GET.length;
  } else if (startsWith(buf, start, HEAD)) {
    method = 'HEAD';
    pos = start + HEAD.length;
  } else {
    return undefined;
  }
  const targetStart = pos;
  while (pos < headEnd) {
    const c = buf[pos] as number;
    if (c === SP) break;
    if (c < 0x21 || c > 0x7e) return undefined;
    pos++;
  }
  if (pos === targetStart || buf[targetStart] !== 0x2f /* / */) return undefined;
  if (!startsWith(buf, pos, VERSION)) return undefined;
  return { method, target: buf.toString('latin1', targetStart, pos), next: pos + VERSION.length };
}

/** What the header lines said; `simple` false as soon as one calls for node:http. */
interface HeaderState {
  simple: boolean;
  host: boolean;
  ifNoneMatch: string | undefined;
  acceptEncoding: string | undefined;
}

function joined(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

// One header, by name length first so most names cost one comparison of lengths.
function noteHeader(
  state: HeaderState,
  buf: Buffer,
  name: readonly [number, number],
  value: readonly [number, number],
): void {
  const [from, to] = name;
  switch (to - from) {
    case 4:
      if (nameIs(buf, from, to, 'host')) state.host = true;
      break;
    case 6:
      if (nameIs(buf, from, to, 'expect')) state.simple = false;
      break;
    case 7:
      if (nameIs(buf, from, to, 'upgrade')) state.simple = false;
      break;
    case 10:
      if (nameIs(buf, from, to, 'connection') && !nameIs(buf, value[0], value[1], 'keep-alive')) {
        state.simple = false;
      }
      break;
    case 13:
      if (nameIs(buf, from, to, 'if-none-match')) {
        state.ifNoneMatch = joined(state.ifNoneMatch, buf.toString('latin1', value[0], value[1]));
      }
      break;
    case 14:
      if (nameIs(buf, from, to, 'content-length')) state.simple = false;
      break;
    case 15:
      if (nameIs(buf, from, to, 'accept-encoding')) {
        const text = buf.toString('latin1', value[0], value[1]);
        state.acceptEncoding = joined(state.acceptEncoding, text);
      }
      break;
    case 17:
      if (nameIs(buf, from, to, 'transfer-encoding')) state.simple = false;
      break;
    default:
      break;
  }
}

/**
 * Reads one `name: value CRLF` line at `pos` into `state`; returns the offset after it, or -1 when
 * the line is not a plain header line (no name, space before the colon, obs-fold, control
 * characters, obs-text, a bare CR or LF).
 */
function readHeaderLine(buf: Buffer, pos: number, state: HeaderState): number {
  const nameStart = pos;
  while (TOKEN[buf[pos] as number] === 1) pos++;
  const nameEnd = pos;
  if (nameEnd === nameStart || buf[pos] !== COLON) return -1;
  pos++;
  while (buf[pos] === SP || buf[pos] === HTAB) pos++;
  const valueStart = pos;
  let valueEnd = pos;
  for (;;) {
    const c = buf[pos] as number;
    if (c === CR) break;
    if (c !== HTAB && (c < 0x20 || c > 0x7e)) return -1;
    pos++;
    if (c !== SP && c !== HTAB) valueEnd = pos;
  }
  if (buf[pos + 1] !== LF) return -1;
  noteHeader(state, buf, [nameStart, nameEnd], [valueStart, valueEnd]);
  return pos + 2;
}

/** Reads the request head that starts at `start`; see the module comment for what counts as simple. */
export function readSimpleRequestHead(
  buf: Buffer,
  start: number,
  maxHeadBytes: number,
): HeadReading {
  const headEnd = buf.indexOf(END_OF_HEAD, start);
  if (headEnd < 0) return incompleteOrNot(buf, start, maxHeadBytes);
  const length = headEnd + 4 - start;
  if (length > maxHeadBytes) return NOT_SIMPLE;
  const line = readRequestLine(buf, start, headEnd);
  if (line === undefined) return NOT_SIMPLE;
  const state: HeaderState = {
    simple: true,
    host: false,
    ifNoneMatch: undefined,
    acceptEncoding: undefined,
  };
  // Header lines up to headEnd + 2 (the CRLF that ends the last one).
  for (let pos = line.next; pos < headEnd + 2;) {
    pos = readHeaderLine(buf, pos, state);
    if (pos < 0 || !state.simple) return NOT_SIMPLE;
  }
  if (!state.host) return NOT_SIMPLE;
  return {
    method: line.method,
    target: line.target,
    ifNoneMatch: state.ifNoneMatch,
    acceptEncoding: state.acceptEncoding,
    length,
  };
}
