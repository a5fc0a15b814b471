import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; text: () => string; sink: Writable } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    sink,
    text: () => chunks.join(''),
    lines: () => chunks.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('log lines never carry secrets', () => {
  it('redacts secret fields at the top of a line and at any depth', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test' }, out.sink);
    logger.info({ password: 'top-pw', token: 'top-token' }, 'top');
    logger.info(
      { config: { basic_auth: { password: 'deep-pw' }, oauth2: { client_secret: 'cs' } } },
      'deep',
    );
    logger.info(
      { settings: { secret_key: 'aws-sk', token: 'consul-token', bearer_token: 'bt' } },
      'sd',
    );
    expect(out.text()).not.toMatch(/top-pw|top-token|deep-pw|"cs"|aws-sk|consul-token|"bt"/);
    expect(out.lines()[1]).toMatchObject({
      config: { basic_auth: { password: '<secret>' }, oauth2: { client_secret: '<secret>' } },
    });
  });

  it('redacts Authorization and Cookie headers however they are spelled', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test' }, out.sink);
    logger.info(
      {
        req: {
          headers: {
            Authorization: 'Bearer upper',
            'Proxy-Authorization': 'Basic p',
            Cookie: 'c=1',
          },
        },
      },
      'request',
    );
    expect(out.text()).not.toMatch(/upper|Basic p|c=1/);
    expect(out.lines()[0]).toMatchObject({
      req: {
        headers: {
          Authorization: '<secret>',
          'Proxy-Authorization': '<secret>',
          Cookie: '<secret>',
        },
      },
    });
  });

  it("redacts secrets among an error's own properties and its cause, keeping message and type", () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test' }, out.sink);
    const cause = Object.assign(new Error('inner'), {
      config: { authorization: { credentials: 'c1' } },
    });
    const err = Object.assign(new Error('request failed', { cause }), {
      options: { headers: { Authorization: 'Bearer sa-token' }, key: 'k' },
    });
    logger.error({ err }, 'failed');
    expect(out.text()).not.toMatch(/sa-token|"c1"|"k"/);
    expect(out.lines()[0]).toMatchObject({
      err: { type: 'Error', message: expect.stringContaining('request failed') as unknown },
    });
  });

  it('redacts a PEM private key under any field name', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test' }, out.sink);
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n';
    logger.info({ files: [{ content: pem }] }, 'files');
    expect(out.text()).not.toContain('MIIEow');
  });

  it('keeps ordinary fields, a top-level work-queue key, the name of a Secret, and does not change the caller objects', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test' }, out.sink);
    const fields = {
      key: 'observability/collector',
      secret: 'otel-ta-webhook-tls',
      uid: 'u1',
      nested: { password: 'pw' },
    };
    logger.info(fields, 'reconcile');
    expect(out.lines()[0]).toMatchObject({
      key: 'observability/collector',
      secret: 'otel-ta-webhook-tls',
      uid: 'u1',
      nested: { password: '<secret>' },
    });
    expect(fields.nested.password).toBe('pw');
  });
});
