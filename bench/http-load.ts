import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive load generator on raw sockets (one request in flight per
 * connection, like a pool of collectors). A Node HTTP client would spend more CPU than the server
 * under test on these 2 cores; this one only writes a request and counts the response's bytes.
 */
export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  /** Request paths, used round-robin across all connections. */
  readonly paths: readonly string[];
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Send `Accept-Encoding: gzip` (Prometheus's http_sd client does not). */
  readonly gzip: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly reqPerS: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

// Latency histogram in 10 µs buckets up to 2 s; anything slower lands in the last bucket.
const BUCKET_US = 10;
const BUCKETS = 200_000;

class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;
  maxUs = 0;

  record(us: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.floor(us / BUCKET_US))]! += 1;
    this.total++;
    if (us > this.maxUs) this.maxUs = us;
  }

  quantileMs(q: number): number {
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return ((i + 1) * BUCKET_US) / 1000;
    }
    return (BUCKETS * BUCKET_US) / 1000;
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Stats {
  recording: boolean;
  stopped: boolean;
  requests: number;
  errors: number;
  non2xx: number;
  bytes: number;
  histogram: Histogram;
}

function runConnection(options: LoadOptions, offset: number, stats: Stats): Promise<void> {
  return new Promise((resolve) => {
    let next = offset;
    let socket: Socket;
    let header: Buffer = Buffer.alloc(0);
    let bodyRemaining = -1;
    let status = 0;
    let started = 0n;
    const encoding = options.gzip ? 'Accept-Encoding: gzip\r\n' : '';

    const send = (): void => {
      if (stats.stopped) {
        socket.end();
        resolve();
        return;
      }
      const path = options.paths[next % options.paths.length]!;
      next += options.connections;
      header = Buffer.alloc(0);
      bodyRemaining = -1;
      started = process.hrtime.bigint();
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${options.host}\r\n${encoding}Connection: keep-alive\r\n\r\n`,
      );
    };

    const complete = (): void => {
      const us = Number(process.hrtime.bigint() - started) / 1000;
      if (stats.recording) {
        stats.requests++;
        if (status < 200 || status > 299) stats.non2xx++;
        stats.histogram.record(us);
      }
      send();
    };

    const onData = (chunk: Buffer): void => {
      if (stats.recording) stats.bytes += chunk.length;
      if (bodyRemaining < 0) {
        header = header.length === 0 ? chunk : Buffer.concat([header, chunk]);
        const end = header.indexOf(HEADER_END);
        if (end < 0) return;
        const head = header.toString('latin1', 0, end);
        status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        bodyRemaining = (length ? Number(length[1]) : 0) - (header.length - end - 4);
      } else {
        bodyRemaining -= chunk.length;
      }
      if (bodyRemaining <= 0) complete();
    };

    const open = (): void => {
      socket = connect({ host: options.host, port: options.port, noDelay: true }, send);
      socket.on('data', onData);
      socket.on('error', () => {
        if (stats.recording) stats.errors++;
      });
      socket.on('close', () => {
        if (stats.stopped) resolve();
        else setImmediate(open);
      });
    };
    open();
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const stats: Stats = {
    recording: false,
    stopped: false,
    requests: 0,
    errors: 0,
    non2xx: 0,
    bytes: 0,
    histogram: new Histogram(),
  };
  const connections = Array.from({ length: options.connections }, (_, i) =>
    runConnection(options, i, stats),
  );
  await new Promise((r) => setTimeout(r, options.warmupMs));
  stats.recording = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, options.durationMs));
  stats.recording = false;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  stats.stopped = true;
  // A connection waiting on a response ends after it; do not wait forever on a stuck one.
  await Promise.race([Promise.all(connections), new Promise((r) => setTimeout(r, 3000))]);
  const h = stats.histogram;
  return {
    requests: stats.requests,
    errors: stats.errors,
    non2xx: stats.non2xx,
    bytes: stats.bytes,
    seconds,
    reqPerS: stats.requests / seconds,
    p50Ms: h.quantileMs(0.5),
    p90Ms: h.quantileMs(0.9),
    p99Ms: h.quantileMs(0.99),
    maxMs: h.maxUs / 1000,
  };
}
