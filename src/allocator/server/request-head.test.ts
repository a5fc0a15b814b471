import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INCOMPLETE, NOT_SIMPLE, readSimpleRequestHead } from './request-head.js';

const MAX = 16 * 1024;
const read = (text: string, start = 0): ReturnType<typeof readSimpleRequestHead> =>
  readSimpleRequestHead(Buffer.from(text, 'latin1'), start, MAX);

const head = (lines: string[]): string => lines.join('\r\n') + '\r\n\r\n';
const TARGET = '/jobs/app/targets?collector_id=col-0';

describe('readSimpleRequestHead', () => {
  it('reads a keep-alive GET: target, the headers the route needs, and the head length', () => {
    const text = head([
      `GET ${TARGET} HTTP/1.1`,
      'Host: allocator:80',
      'User-Agent: Prometheus/3.0',
      'accept-encoding:   gzip  ',
      'If-None-Match: "a"',
      'if-none-match: "b"',
      'Connection: Keep-Alive',
    ]);
    expect(read(text)).toEqual({
      method: 'GET',
      target: TARGET,
      ifNoneMatch: '"a", "b"',
      acceptEncoding: 'gzip',
      length: text.length,
    });
  });

  it('reads HEAD, and a second pipelined head from its offset', () => {
    const first = head([`HEAD ${TARGET} HTTP/1.1`, 'Host: a']);
    const second = head([`GET /jobs/x/targets HTTP/1.1`, 'host: b']);
    expect(read(first + second)).toMatchObject({ method: 'HEAD', length: first.length });
    expect(read(first + second, first.length)).toMatchObject({
      method: 'GET',
      target: '/jobs/x/targets',
      length: second.length,
    });
  });

  it('waits for the rest of a head that is cut anywhere', () => {
    const text = head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Accept: */*']);
    for (let cut = 0; cut < text.length; cut++) {
      expect(read(text.slice(0, cut))).toBe(INCOMPLETE);
    }
  });

  it('leaves to node:http every head it does not fully understand', () => {
    const cases: string[] = [
      head([`POST ${TARGET} HTTP/1.1`, 'Host: a']),
      head([`get ${TARGET} HTTP/1.1`, 'Host: a']),
      head([`GET ${TARGET} HTTP/1.0`, 'Host: a']),
      head([`GET ${TARGET}  HTTP/1.1`, 'Host: a']),
      head([`GET http://a${TARGET} HTTP/1.1`, 'Host: a']),
      head([`GET * HTTP/1.1`, 'Host: a']),
      head([`GET ${TARGET}\u00e9 HTTP/1.1`, 'Host: a']),
      head([`GET ${TARGET} HTTP/1.1`]),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Content-Length: 0']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Transfer-Encoding: chunked']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Expect: 100-continue']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Upgrade: websocket', 'Connection: upgrade']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Connection: close']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'Connection: keep-alive, close']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'X-Folded: a', ' b']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host : a']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'X: \u0001']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', 'X: caf\u00e9']),
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', ': empty name']),
      `GET ${TARGET} HTTP/1.1\r\nHost: a\nX: y\r\n\r\n`,
      `GET ${TARGET} HTTP/1.1\nHost: a\n\n`,
      head([`GET ${TARGET} HTTP/1.1`, 'Host: a', `X: ${'y'.repeat(MAX)}`]),
    ];
    for (const text of cases) expect(read(text), JSON.stringify(text)).toBe(NOT_SIMPLE);
  });

  it('does not wait for a head with a bare LF or one already over the size limit', () => {
    expect(read(`GET ${TARGET} HTTP/1.1\nHost: a\n`)).toBe(NOT_SIMPLE);
    expect(read(`GET ${TARGET} HTTP/1.1\r\nX: ${'y'.repeat(MAX)}`)).toBe(NOT_SIMPLE);
  });

  it('reads back any simple head written from printable targets and header values', () => {
    const tokenChar = fc.constantFrom(...'abcXYZ019-_.!#$%&*+^`|~'.split(''));
    const name = fc
      .string({ unit: tokenChar, minLength: 1, maxLength: 12 })
      .filter(
        (n) =>
          ![
            'host',
            'connection',
            'content-length',
            'transfer-encoding',
            'expect',
            'upgrade',
            'if-none-match',
            'accept-encoding',
          ].includes(n.toLowerCase()),
      );
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    fc.assert(
      fc.property(
        printable,
        fc.array(fc.tuple(name, printable), { maxLength: 8 }),
        fc.option(printable, { nil: undefined }),
        (path, extra, encoding) => {
          const target = `/${path}`;
          const lines = [
            `GET ${target} HTTP/1.1`,
            'Host: h',
            ...extra.map(([n, v]) => `${n}: ${v}`),
          ];
          if (encoding !== undefined) lines.push(`Accept-Encoding: ${encoding}`);
          const text = head(lines);
          expect(read(text)).toEqual({
            method: 'GET',
            target,
            ifNoneMatch: undefined,
            // An empty value stays empty; surrounding whitespace is not part of a value.
            acceptEncoding: encoding,
            length: text.length,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
