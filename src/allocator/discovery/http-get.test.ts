import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHttpGet, type HttpGetRequest } from './http-get.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const get = (url: string, over: Partial<HttpGetRequest> = {}): ReturnType<typeof nodeHttpGet> =>
  nodeHttpGet({ url, headers: {}, timeoutMs: 300, tls: undefined, followRedirects: true, ...over });

describe('nodeHttpGet', () => {
  it('gives up on a server that trickles its body for longer than the timeout', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    await expect(get(url)).rejects.toThrow(/300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a server that sends headers and then nothing', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    await expect(get(url)).rejects.toThrow(/300 ms/);
  });

  it('does not send the Authorization header along a redirect to another host', async () => {
    const seen: (string | undefined)[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    // 127.0.0.1 and localhost are different hosts to a client, as in Go's redirect rule.
    const otherHost = other.replace('127.0.0.1', 'localhost');
    const first = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(302, { location: `${otherHost}/sd` });
      res.end();
    });
    const answer = await get(first, { headers: { authorization: 'Bearer tok' } });
    expect(answer.body).toBe('[]');
    expect(seen).toEqual(['Bearer tok', undefined]);
  });

  it('keeps the Authorization header along a redirect on the same host', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/') {
        res.writeHead(301, { location: '/moved' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await get(url, { headers: { authorization: 'Bearer tok' } });
    expect(seen).toEqual(['Bearer tok', 'Bearer tok']);
  });
});
