import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  openRawConnection,
  type RawConnection,
} from '../../../test/e2e/support/raw-connection.js';
import { FastConnections, type FastConnectionsOptions } from './fast-connections.js';

// FastConnections on a real TCP server; the responder and the hand-off are small stand-ins here
// (the allocator's are tested in test/integration/allocator-fast-path.test.ts).

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Harness {
  connections: FastConnections;
  port: number;
  handedOff: { socket: Socket; unread: string }[];
}

async function serve(overrides: Partial<FastConnectionsOptions> = {}): Promise<Harness> {
  const handedOff: Harness['handedOff'] = [];
  const connections = new FastConnections({
    respond: (request) =>
      request.target.startsWith('/fast')
        ? {
            head: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${request.target.length}\r\n`),
            body: request.method === 'HEAD' ? undefined : Buffer.from(request.target),
          }
        : undefined,
    handOff: (socket, unread) => {
      handedOff.push({ socket, unread: unread.toString('latin1') });
      socket.end('handed off');
    },
    keepAliveTimeoutMs: 5_000,
    headersTimeoutMs: 5_000,
    maxHeadBytes: 1024,
    onError: () => undefined,
    now: () => Date.UTC(2026, 10, 25, 22, 0, 0),
    ...overrides,
  });
  const server: Server = createServer({ allowHalfOpen: true }, (s) => connections.adopt(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    connections.destroyAll();
    server.close();
  });
  return { connections, port: (server.address() as { port: number }).port, handedOff };
}

async function client(port: number): Promise<RawConnection> {
  const connection = await openRawConnection(port);
  cleanups.push(() => connection.socket.destroy());
  return connection;
}

const req = (path: string, method = 'GET'): string =>
  `${method} ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;

describe('FastConnections', () => {
  it('answers with the responder bytes plus the keep-alive lines node:http would add', async () => {
    const h = await serve();
    const c = await client(h.port);
    c.socket.write(req('/fast/a') + req('/fast/bb', 'HEAD'));
    const first =
      'HTTP/1.1 200 OK\r\nContent-Length: 7\r\nDate: Wed, 25 Nov 2026 22:00:00 GMT\r\n' +
      'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n/fast/a';
    const second =
      'HTTP/1.1 200 OK\r\nContent-Length: 8\r\nDate: Wed, 25 Nov 2026 22:00:00 GMT\r\n' +
      'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n';
    await eventually(() => c.received() === first + second);
    expect(h.connections.size()).toBe(1);
    expect(h.handedOff).toHaveLength(0);
  });

  it('hands the connection over with every byte from the first request it does not answer', async () => {
    const h = await serve();
    const c = await client(h.port);
    const rest = req('/other') + req('/fast/after') + 'POST /x HTTP/1.1\r\n';
    c.socket.write(req('/fast/a') + rest);
    await c.closed;
    expect(c.received()).toMatch(/\/fast\/ahanded off$/);
    expect(h.handedOff.map((x) => x.unread)).toEqual([rest]);
    expect(h.connections.size()).toBe(0);
  });

  it('hands over a head that is not HTTP/1.1 keep-alive simple, or too large to wait for', async () => {
    const h = await serve();
    const big = await client(h.port);
    big.socket.write(`GET /fast HTTP/1.1\r\nX: ${'y'.repeat(2000)}`);
    const old = await client(h.port);
    old.socket.write('GET /fast HTTP/1.0\r\n\r\n');
    await Promise.all([big.closed, old.closed]);
    expect(h.handedOff).toHaveLength(2);
  });

  it('closes a connection idle for the keep-alive timeout', async () => {
    const h = await serve({ keepAliveTimeoutMs: 100 });
    const c = await client(h.port);
    c.socket.write(req('/fast/a'));
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(c.received()).toContain('/fast/a');
  });

  it('closes a connection whose request head keeps trickling in past the headers timeout', async () => {
    let now = 0;
    const h = await serve({ headersTimeoutMs: 1000, now: () => now });
    const c = await client(h.port);
    c.socket.write('GET /fast HTTP/1.1\r\n');
    await new Promise((r) => setTimeout(r, 20));
    now = 1001;
    c.socket.write('Host: h\r\n');
    await c.closed;
    expect(c.received()).toBe('');
  });

  it('stops reading a client that pipelines faster than it reads, and catches up when it reads', async () => {
    const body = Buffer.alloc(256 * 1024, 'x');
    const h = await serve({
      respond: () => ({
        head: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n`),
        body,
      }),
    });
    const c = await client(h.port);
    c.socket.pause();
    const count = 64;
    c.socket.write(req('/fast').repeat(count));
    await new Promise((r) => setTimeout(r, 100));
    let received = 0;
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: string) => (received += d.length));
    c.socket.resume();
    await eventually(() => received >= count * body.length);
  });

  it('stops reading a client that sends requests one at a time but never reads the answers', async () => {
    // Each request arrives in its own chunk: answers must not pile up in memory without bound
    // (a 40-byte request buys a 256 KiB answer), as node:http also stops reading such a client.
    const body = Buffer.alloc(256 * 1024, 'x');
    let answered = 0;
    const h = await serve({
      respond: () => {
        answered++;
        return { head: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n`), body };
      },
    });
    const c = await client(h.port);
    c.socket.pause();
    c.socket.setNoDelay(true);
    const count = 64;
    for (let i = 0; i < count; i++) {
      c.socket.write(req('/fast'));
      await new Promise((r) => setTimeout(r, 3));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBeLessThan(count / 2);
    let received = 0;
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: string) => (received += d.length));
    c.socket.resume();
    await eventually(() => received >= count * body.length);
    expect(answered).toBe(count);
  });

  it('finishes the connection when the client half-closes', async () => {
    const h = await serve();
    const c = await client(h.port);
    c.socket.end(req('/fast/last'));
    await c.closed;
    expect(c.received()).toMatch(/\/fast\/last$/);
  });
});
