import { describe, expect, it } from 'vitest';
import { endpointFields, type TranslationContext } from './endpoint-settings.js';
import { SpecReader } from './spec-reader.js';

const SECRETS: Record<string, string> = {
  'shop/auth/token': 's3cr3t',
  'shop/auth/user': 'scraper',
  'shop/auth/pass': 'hunter2',
  'shop/tls/ca.crt': 'CA PEM',
  'shop/tls/tls.crt': 'CERT PEM',
  'shop/tls/tls.key': 'KEY PEM',
};

function context(overrides: Partial<TranslationContext> = {}): TranslationContext {
  return {
    defaultScrapeInterval: '30s',
    denyFsAccess: false,
    secrets: (ns, name, key) => SECRETS[`${ns}/${name}/${key}`],
    secretNamespaces: ['obs', 'shop'],
    ...overrides,
  };
}

function fields(endpoint: Record<string, unknown>, ctx = context()): Record<string, unknown> {
  const result = endpointFields(SpecReader.of(endpoint, 'spec.endpoints[0]'), 'shop', ctx);
  if (result.kind !== 'ok') throw new Error(`endpoint left out: ${result.files.join(', ')}`);
  return result.fields;
}

describe('endpointFields', () => {
  it('defaults the interval to prometheus_cr.scrape_interval and honor_labels to false', () => {
    expect(fields({})).toEqual({ honor_labels: false, scrape_interval: '30s' });
  });

  it('bearerTokenSecret becomes an inline Bearer authorization read from the Secret', () => {
    expect(fields({ bearerTokenSecret: { name: 'auth', key: 'token' } }).authorization).toEqual({
      type: 'Bearer',
      credentials: 's3cr3t',
    });
  });

  it('an empty bearerTokenSecret ({name: "", key: ""}, a common default) means none', () => {
    expect(fields({ bearerTokenSecret: { name: '', key: '' } }).authorization).toBeUndefined();
  });

  it('authorization and basicAuth read their Secrets', () => {
    const out = fields({
      authorization: { type: 'Token', credentials: { name: 'auth', key: 'token' } },
      basicAuth: {
        username: { name: 'auth', key: 'user' },
        password: { name: 'auth', key: 'pass' },
      },
    });
    expect(out.authorization).toEqual({ type: 'Token', credentials: 's3cr3t' });
    expect(out.basic_auth).toEqual({ username: 'scraper', password: 'hunter2' });
  });

  it('tlsConfig inlines CA, certificate and key from Secrets and keeps the other settings', () => {
    const out = fields({
      tlsConfig: {
        ca: { secret: { name: 'tls', key: 'ca.crt' } },
        cert: { secret: { name: 'tls', key: 'tls.crt' } },
        keySecret: { name: 'tls', key: 'tls.key' },
        serverName: 'web.shop.svc',
        insecureSkipVerify: true,
      },
    });
    expect(out.tls_config).toEqual({
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY PEM',
      server_name: 'web.shop.svc',
      insecure_skip_verify: true,
    });
  });

  it('a missing Secret key makes the monitor invalid, saying how to fix it', () => {
    expect(() => fields({ bearerTokenSecret: { name: 'auth', key: 'nope' } })).toThrow(
      'spec.endpoints[0].bearerTokenSecret: key "nope" of Secret shop/auth is not available; create it or fix the reference',
    );
    expect(() =>
      fields(
        { bearerTokenSecret: { name: 'auth', key: 'token' } },
        // Secrets of namespaces outside secret_namespaces are never read.
        context({ secretNamespaces: ['obs'], secrets: () => undefined }),
      ),
    ).toThrow('add "shop" to prometheus_cr.secret_namespaces (Secrets are read in: obs)');
  });

  it('ConfigMap CAs and oauth2 are refused with what to use instead', () => {
    expect(() => fields({ tlsConfig: { ca: { configMap: { name: 'c', key: 'k' } } } })).toThrow(
      /ConfigMap references are not supported by otel-ta; put the data in a Secret/,
    );
    expect(() => fields({ oauth2: { clientId: {} } })).toThrow(/oauth2 is not supported/);
  });

  it('file references pass through, unless deny_fs_access_through_sms leaves the endpoint out', () => {
    const endpoint = {
      bearerTokenFile: '/var/run/secrets/token',
      tlsConfig: { caFile: '/etc/ca.crt', certFile: '/etc/tls.crt', keyFile: '/etc/tls.key' },
    };
    const out = fields(endpoint);
    expect(out.bearer_token_file).toBe('/var/run/secrets/token');
    expect(out.tls_config).toEqual({
      ca_file: '/etc/ca.crt',
      cert_file: '/etc/tls.crt',
      key_file: '/etc/tls.key',
    });
    expect(
      endpointFields(SpecReader.of(endpoint, 'e'), 'shop', context({ denyFsAccess: true })),
    ).toEqual({
      kind: 'fs-access-denied',
      files: ['/var/run/secrets/token', '/etc/ca.crt', '/etc/tls.crt', '/etc/tls.key'],
    });
  });
});
