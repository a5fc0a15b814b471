import { createHash } from 'node:crypto';
import { gzipSync, inflateRawSync } from 'node:zlib';

// Below this size gzip saves nothing worth a header.
const GZIP_MIN_BYTES = 512;

type Headers = Readonly<Record<string, string | number>>;

/**
 * Plain requests within one period that make a compact body hot. Collectors and Prometheus poll a
 * body every 30-60 s, so it stays compact; a burst or a load test serves each body several times a
 * period and gets plain bytes without an inflate per request.
 */
export const HOT_SERVES = 3;

/** Asked when a compact body turns hot: true lets it keep its plain bytes (and counts them). */
export type PlainKeeper = (body: CachedBody) => boolean;

// Compact bodies are compressed once and inflated on every plain request. Level 9 costs ~250 µs
// once per body (against ~185 µs at 6) and inflates in ~14 µs per 37 KB body (against ~16 µs at 6
// and ~25 µs at 1): on label sets repeated per target its longer matches decode as long copies.
const COMPACT_LEVEL = 9;
// A 4 KiB window: repeats in these bodies are between neighbouring target groups (~2 KB apart), so
// the output is as small as with the default 32 KiB, and every inflate sets up (and the GC later
// accounts for) a window of 4 KiB instead of 32 KiB: ~15 µs per 37 KB body instead of ~30 µs.
const COMPACT_WINDOW_BITS = 12;
// The compact bytes are a gzip member (served as-is to clients that accept gzip): zlib writes a
// 10-byte header without optional fields, the raw deflate stream, and an 8-byte CRC32/size trailer.
// The plain body is inflated from the raw stream alone: checking the CRC of bytes that never left
// this process would cost as much as the inflate itself.
const GZIP_HEADER_BYTES = 10;
const GZIP_TRAILER_BYTES = 8;
const GZIP_FLAGS_OFFSET = 3;
const INFLATE_SLACK = 64;

function copyOut(view: Buffer): Buffer {
  // zlib hands back a view into its 16 KiB output chunk; copy it so a small body does not pin
  // 16 KiB for as long as it is cached.
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}

/**
 * A response body serialized once, served as-is. Prometheus's http_sd client (and so the
 * collector's prometheus receiver) does not ask for compression, so plain bytes are what is sent;
 * a body never made compact keeps them, and makes a gzip copy on first demand for clients that
 * accept it (browsers, curl --compressed), since label sets repeated per target shrink 10-25x.
 *
 * A body made compact keeps only the gzip bytes (~1/29 of the size) and inflates the plain ones per
 * request, until it turns hot: served plain `HOT_SERVES` times within one period (see `cool`), it
 * keeps the plain bytes again if its keeper (the response cache and its budget) agrees, until a
 * period in which it was served less often.
 */
export class CachedBody {
  readonly etag: string;
  /** Length of the plain (identity) body. */
  readonly plainLength: number;
  private plainBytes: Buffer | undefined;
  private gzipBytes: Buffer | undefined;
  private gzipHeaderCache: Headers | undefined;
  private plainHeaderCache: Headers | undefined;
  /** Set once made compact: asked whether a hot body may keep its plain bytes. */
  private keeper: PlainKeeper | undefined;
  /** Plain requests since the last `cool()`. */
  private plainServes = 0;

  private constructor(plain: Buffer) {
    this.plainBytes = plain;
    this.plainLength = plain.length;
    this.etag = `"${createHash('sha1').update(plain).digest('base64url')}"`;
  }

  /** Wraps a JSON document (without its trailing newline). */
  static json(json: string): CachedBody {
    return new CachedBody(Buffer.from(json + '\n', 'utf8'));
  }

  /** Whether a gzip variant is worth offering (bodies under 512 bytes are sent plain). */
  get compressible(): boolean {
    return this.plainLength >= GZIP_MIN_BYTES;
  }

  /** True when only the gzip bytes are kept. */
  get compact(): boolean {
    return this.plainBytes === undefined;
  }

  /** True when made compact and holding its plain bytes again, because it is hot. */
  get hot(): boolean {
    return this.keeper !== undefined && this.plainBytes !== undefined;
  }

  /**
   * Bytes this body holds: the plain body and, once made compact, the gzip one (an on-demand gzip
   * copy of a body never made compact is not counted).
   */
  get residentBytes(): number {
    const compact = this.keeper === undefined ? 0 : (this.gzipBytes as Buffer).length;
    return (this.plainBytes?.length ?? 0) + compact;
  }

  /** The plain body, to send; inflated from the gzip bytes when compact (and kept if it turned hot). */
  plain(): Buffer {
    this.plainServes++;
    if (this.plainBytes !== undefined) return this.plainBytes;
    const plain = this.inflate();
    if (this.plainServes >= HOT_SERVES && this.keeper?.(this) === true) this.plainBytes = plain;
    return plain;
  }

  /**
   * Ends one period of the hot/cold accounting: a compact body that turned hot but was served
   * plain fewer than `HOT_SERVES` times since the last call lets its plain bytes go. Returns the
   * number of plain bytes let go.
   */
  cool(): number {
    const serves = this.plainServes;
    this.plainServes = 0;
    if (serves >= HOT_SERVES || !this.hot) return 0;
    this.plainBytes = undefined;
    return this.plainLength;
  }

  private inflate(): Buffer {
    // One output chunk of the known size: no growing and concatenating of 16 KiB chunks.
    return inflateRawSync(deflateStream(this.gzipBytes as Buffer), {
      chunkSize: this.plainLength + INFLATE_SLACK,
      windowBits: COMPACT_WINDOW_BITS,
    });
  }

  gzip(): Buffer {
    if (this.gzipBytes === undefined) {
      // Level 1: several times faster than the default and within ~20% of its size on this data.
      this.gzipBytes = copyOut(gzipSync(this.plainBytes ?? this.inflate(), { level: 1 }));
    }
    return this.gzipBytes;
  }

  /**
   * Keeps only the gzip bytes from now on (small bodies stay plain: gzip would not shrink them),
   * and the plain ones again while hot, if `keeper` agrees.
   */
  makeCompact(keeper: PlainKeeper = () => false): void {
    if (!this.compressible || this.plainBytes === undefined || this.keeper !== undefined) return;
    const gzip = copyOut(
      gzipSync(this.plainBytes, {
        level: COMPACT_LEVEL,
        windowBits: COMPACT_WINDOW_BITS,
      }),
    );
    // Only a header without optional fields has the raw stream at a fixed offset.
    if (gzip[GZIP_FLAGS_OFFSET] !== 0) return;
    this.gzipBytes = gzip;
    this.plainBytes = undefined;
    this.keeper = keeper;
    // The gzip bytes changed; so did their Content-Length.
    this.gzipHeaderCache = undefined;
  }

  /** Response headers for the gzip body, built once (the hot path reuses the object). */
  gzipHeaders(): Headers {
    this.gzipHeaderCache ??= {
      'Content-Type': 'application/json',
      'Content-Length': this.gzip().length,
      'Content-Encoding': 'gzip',
      Vary: 'Accept-Encoding',
      ETag: this.etag,
    };
    return this.gzipHeaderCache;
  }

  /** Response headers for the plain body. */
  plainHeaders(): Headers {
    this.plainHeaderCache ??= {
      'Content-Type': 'application/json',
      'Content-Length': this.plainLength,
      ...(this.compressible ? { Vary: 'Accept-Encoding' } : {}),
      ETag: this.etag,
    };
    return this.plainHeaderCache;
  }
}

/** The raw deflate stream inside a gzip member with a plain 10-byte header. */
function deflateStream(gzip: Buffer): Buffer {
  return gzip.subarray(GZIP_HEADER_BYTES, gzip.length - GZIP_TRAILER_BYTES);
}

export function cachedJsonBody(json: string): CachedBody {
  return CachedBody.json(json);
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

// A pool of collectors sends one Accept-Encoding value over and over; remember the last answer.
let lastAcceptEncoding = '';
let lastAcceptsGzip = false;

/** True when Accept-Encoding allows gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === lastAcceptEncoding) return lastAcceptsGzip;
  lastAcceptsGzip = parseAcceptsGzip(value);
  lastAcceptEncoding = value;
  return lastAcceptsGzip;
}

function parseAcceptsGzip(value: string): boolean {
  if (!value.includes('gzip') && !value.includes('*')) return false;
  for (const part of value.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
