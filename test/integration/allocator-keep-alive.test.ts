import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Allocator } from '../../src/allocator/allocator.js';
import { createAllocatorMetrics } from '../../src/allocator/metrics.js';
import type { AllocatorServer } from '../../src/allocator/server/allocator-server.js';
import { createStrategy } from '../../src/allocator/strategies/registry.js';
import { idleAllocatorServer } from '../e2e/support/idle-allocator-server.js';
import {
  eventually,
  openRawConnection,
  type RawConnection,
} from '../e2e/support/raw-connection.js';
import { makeTarget } from '../e2e/support/targets.js';

// The allocator's plain-HTTP listener over raw sockets, as collectors use it: keep-alive HTTP/1.1
// GETs of the targets route, pipelined or not, answered from cached bodies with ETags.

const running: AllocatorServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(): Promise<{
  port: number;
  metrics: ReturnType<typeof createAllocatorMetrics>;
}> {
  const view = new Allocator({ strategy: createStrategy('consistent-hashing') });
  view.setCollectors([{ id: 'col-0' }]);
  view.setJobTargets(
    'app',
    Array.from({ length: 30 }, (_, i) => makeTarget('app', `10.0.0.${i}:9100`, { zone: 'a' })),
  );
  const metrics = createAllocatorMetrics({ defaultMetrics: false });
  const server = idleAllocatorServer(undefined, { view, metrics });
  await server.start();
  running.push(server);
  return { port: server.httpAddress().port, metrics };
}

async function open(port: number): Promise<RawConnection> {
  const connection = await openRawConnection(port);
  sockets.push(connection.socket);
  return connection;
}

interface Parsed {
  status: string;
  headers: string[];
  body: string;
}

/** Splits a stream of responses (Content-Length framed; `bodiless` marks HEAD answers). */
function parseResponses(text: string, bodiless: readonly boolean[] = []): Parsed[] {
  const out: Parsed[] = [];
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const [status, ...headers] = text.slice(pos, end).split('\r\n');
    const length = Number(
      headers.find((h) => h.toLowerCase().startsWith('content-length:'))?.split(':')[1] ?? 0,
    );
    const bodyLength = bodiless[out.length] === true ? 0 : length;
    if (end + 4 + bodyLength > text.length) break;
    out.push({ status: status!, headers, body: text.slice(end + 4, end + 4 + bodyLength) });
    pos = end + 4 + bodyLength;
  }
  return out;
}

const GET = (path: string, extra: string[] = []): string =>
  [`GET ${path} HTTP/1.1`, 'Host: allocator', ...extra].join('\r\n') + '\r\n\r\n';
const TARGETS = '/jobs/app/targets?collector_id=col-0';

describe('allocator plain HTTP listener over keep-alive connections', () => {
  it('answers the targets route with the cached body, its ETag and a kept-alive connection', async () => {
    const { port } = await start();
    const c = await open(port);
    c.socket.write(GET(TARGETS) + GET(TARGETS));
    await eventually(() => parseResponses(c.received()).length === 2);
    const [first, second] = parseResponses(c.received());
    expect(first!.status).toBe('HTTP/1.1 200 OK');
    expect(first!.headers).toContain('Content-Type: application/json');
    expect(first!.headers).toContain('Connection: keep-alive');
    expect(first!.headers.some((h) => /^ETag: "[\w-]+"$/.test(h))).toBe(true);
    expect(second!.body).toBe(first!.body);
    expect(JSON.parse(first!.body)).toHaveLength(30);
  });

  it('answers pipelined requests for every route in order on one connection', async () => {
    const { port } = await start();
    const c = await open(port);
    c.socket.write(GET(TARGETS) + GET('/jobs/none/targets?collector_id=col-0') + GET('/livez'));
    c.socket.write(GET(TARGETS) + 'POST /jobs HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc');
    c.socket.write(GET('/jobs'));
    await eventually(() => parseResponses(c.received()).length === 6);
    const answers = parseResponses(c.received());
    expect(answers.map((a) => a.status.split(' ')[1])).toEqual([
      '200',
      '200',
      '200',
      '200',
      '404',
      '200',
    ]);
    expect(answers[0]!.body).toBe(answers[3]!.body);
    expect(answers[1]!.body).toBe('[]\n');
    expect(JSON.parse(answers[2]!.body)).toEqual({ status: 'ok' });
    expect(JSON.parse(answers[5]!.body)).toHaveProperty('app');
  });

  it('serves 304 for a matching If-None-Match, gzip when accepted, and HEAD without a body', async () => {
    const { port } = await start();
    const c = await open(port);
    c.socket.write(GET(TARGETS));
    await eventually(() => parseResponses(c.received()).length === 1);
    const etag = parseResponses(c.received())[0]!.headers.find((h) => h.startsWith('ETag: '))!;
    c.socket.write(
      GET(TARGETS, [`If-None-Match: W/"other", ${etag.slice(6)}`]) +
        GET(TARGETS, ['Accept-Encoding: gzip, deflate']) +
        `HEAD ${TARGETS} HTTP/1.1\r\nHost: a\r\n\r\n` +
        GET('/livez'),
    );
    await eventually(() => parseResponses(c.received(), [false, true, false, true]).length === 5);
    const [plain, notModified, gzip, headOnly, livez] = parseResponses(c.received(), [
      false,
      true,
      false,
      true,
    ]);
    expect(notModified!.status).toBe('HTTP/1.1 304 Not Modified');
    expect(notModified!.headers).toContain(etag);
    expect(notModified!.headers.some((h) => h.startsWith('Content-Length'))).toBe(false);
    expect(gzip!.headers).toContain('Content-Encoding: gzip');
    expect(Buffer.from(gzip!.body, 'latin1').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(headOnly!.headers.filter((h) => !h.startsWith('Date:'))).toEqual(
      plain!.headers.filter((h) => !h.startsWith('Date:')),
    );
    expect(headOnly!.body).toBe('');
    expect(livez!.status).toBe('HTTP/1.1 200 OK');
  });

  it('answers a bad escape with 400, and honours Connection: close and HTTP/1.0', async () => {
    const { port } = await start();
    const bad = await open(port);
    bad.socket.write(GET('/jobs/%zz/targets?collector_id=col-0'));
    await eventually(() => parseResponses(bad.received()).length === 1);
    expect(parseResponses(bad.received())[0]!.status).toBe('HTTP/1.1 400 Bad Request');

    const closing = await open(port);
    closing.socket.write(GET(TARGETS, ['Connection: close']));
    await closing.closed;
    const [answer] = parseResponses(closing.received());
    expect(answer!.headers).toContain('Connection: close');
    expect(JSON.parse(answer!.body)).toHaveLength(30);

    const old = await open(port);
    old.socket.write(`GET ${TARGETS} HTTP/1.0\r\n\r\n`);
    await old.closed;
    expect(JSON.parse(parseResponses(old.received())[0]!.body)).toHaveLength(30);
  });

  it('counts targets requests in the route duration histogram', async () => {
    const { port, metrics } = await start();
    const c = await open(port);
    c.socket.write(GET(TARGETS) + GET(TARGETS) + GET(TARGETS));
    await eventually(() => parseResponses(c.received()).length === 3);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /opentelemetry_allocator_http_duration_seconds_count\{path="\/jobs\/:job_id\/targets"\} 3/,
    );
  });

  it('stops while clients hold open keep-alive connections, closing them', async () => {
    const { port } = await start();
    const c = await open(port);
    c.socket.write(GET(TARGETS));
    await eventually(() => parseResponses(c.received()).length === 1);
    await running.pop()!.stop();
    await c.closed;
  });
});
