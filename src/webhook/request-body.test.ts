import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnLoopback, type LoopbackHttp } from '../../test/e2e/support/loopback-http.js';
import { readRequestBody, type BodyRead } from './request-body.js';

/** Plain HTTP in-process: each request's read outcome is handed to the test that sent it. */
describe('readRequestBody', () => {
  let http: LoopbackHttp;
  let port: number;
  const outcomes: ((read: BodyRead) => void)[] = [];

  beforeAll(async () => {
    http = await serveOnLoopback((req, res) => {
      void readRequestBody(req, 16).then((read) => {
        outcomes.shift()?.(read);
        res.end();
      });
    });
    port = http.port;
  });

  afterAll(() => http.close());

  function send(
    chunks: string[],
    options: { contentLength?: number; abort?: boolean } = {},
  ): Promise<BodyRead> {
    const outcome = new Promise<BodyRead>((resolve) => outcomes.push(resolve));
    const headers =
      options.contentLength === undefined ? {} : { 'content-length': options.contentLength };
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    for (const chunk of chunks) req.write(chunk);
    if (options.abort === true) setTimeout(() => req.destroy(), 20);
    else req.end();
    return outcome;
  }

  it('returns the body, whole, in one buffer', async () => {
    const read = await send(['{"a":', '1}']);
    expect(read.ok && read.body.toString()).toBe('{"a":1}');
  });

  it('refuses a body over the limit, announced or found while reading', async () => {
    expect(await send(['x'.repeat(17)], { contentLength: 17 })).toMatchObject({
      ok: false,
      status: 413,
    });
    expect(await send(['x'.repeat(10), 'x'.repeat(10)])).toMatchObject({ ok: false, status: 413 });
  });

  it('reports a connection closed before the body ended', async () => {
    expect(await send(['12345'], { contentLength: 10, abort: true })).toMatchObject({
      ok: false,
      status: 400,
    });
  });
});
