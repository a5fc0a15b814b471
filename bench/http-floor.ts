/**
 * The floor of `bench/http.ts`, in its own process so its memory stays out of the allocator's
 * figures: bare node:http, no routing framework, no cache logic, no metrics. It serves, by exact
 * URL, one distinct body per path of the real body's size (the same working set the allocator's
 * cache holds, so memory traffic is comparable), and on `/one` one fixed body of the mean size (the
 * cache-hot best case).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FloorBodies {
  readonly type: 'bodies';
  /** [path, body size in bytes] for every path the load will request. */
  readonly entries: readonly (readonly [string, number])[];
}

export interface FloorReady {
  readonly type: 'ready';
  readonly port: number;
}

const bodies = new Map<string, Buffer>();
let one: Buffer = Buffer.alloc(0);

// JSON-looking bytes, different per body, so nothing is shared or deduplicated by accident.
function syntheticBody(size: number, seed: number): Buffer {
  const body = Buffer.allocUnsafeSlow(size);
  const text = Buffer.from(`{"targets":["10.0.${seed >> 8}.${seed & 255}:9100"],"labels":{}},`);
  for (let i = 0; i < size; i += text.length)
    text.copy(body, i, 0, Math.min(text.length, size - i));
  return body;
}

const server = createServer((req, res) => {
  const body = req.url === '/one' ? one : (bodies.get(req.url ?? '') ?? one);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    ETag: '"floor"',
  });
  res.end(body);
});

process.on('message', (message: unknown) => {
  if (message === 'cpu') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'cpu', userUs: cpu.user, systemUs: cpu.system });
  } else if (message === 'stop') {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  } else if ((message as { type?: string }).type === 'bodies') {
    const { entries } = message as FloorBodies;
    let total = 0;
    entries.forEach(([path, size], i) => {
      bodies.set(path, syntheticBody(size, i));
      total += size;
    });
    one = syntheticBody(Math.round(total / Math.max(1, entries.length)), 0);
    server.listen(0, '127.0.0.1', () => {
      const ready: FloorReady = { type: 'ready', port: (server.address() as AddressInfo).port };
      process.send?.(ready);
    });
  }
});
