import { describe, expect, it } from 'vitest';
import { endpointFields, type TranslationContext } from './endpoint-settings.js';
import { scrapeClassOf } from './scrape-classes.js';
import { SpecReader } from './spec-reader.js';
import { testTranslationContext } from './test-support.js';

const SECRETS: Record<string, string> = {
  'shop/auth/token': 's3cr3t',
  'shop/auth/user': 'scraper',
  'shop/auth/pass': 'hunter2',
  'shop/tls/ca.crt': 'CA PEM',
  'shop/tls/tls.crt': 'CERT PEM',
  'shop/tls/tls.key': 'KEY PEM',
};

const CONFIG_MAPS: Record<string, string> = {
  'shop/ca/ca.crt': 'CM CA PEM',
  'shop/oauth/id': 'client-1',
};

function context(overrides: Partial<TranslationContext> = {}): TranslationContext {
  return testTranslationContext(
    { secrets: SECRETS, configMaps: CONFIG_MAPS },
    { secretNamespaces: ['obs', 'shop'], ...overrides },
  );
}

function fields(
  endpoint: Record<string, unknown>,
  ctx = context(),
  monitorSpec: Record<string, unknown> = {},
): Record<string, unknown> {
  const scrapeClass = scrapeClassOf(SpecReader.of(monitorSpec, 'spec'), ctx.scrapeClasses);
  const result = endpointFields(
    SpecReader.of(endpoint, 'spec.endpoints[0]'),
    'shop',
    ctx,
    scrapeClass,
  );
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
    expect(
      fields({ authorization: { type: 'Token', credentials: { name: 'auth', key: 'token' } } })
        .authorization,
    ).toEqual({ type: 'Token', credentials: 's3cr3t' });
    expect(
      fields({
        basicAuth: {
          username: { name: 'auth', key: 'user' },
          password: { name: 'auth', key: 'pass' },
        },
      }).basic_auth,
    ).toEqual({ username: 'scraper', password: 'hunter2' });
  });

  it.each([
    [
      'two ways to authenticate',
      {
        authorization: { credentials: { name: 'auth', key: 'token' } },
        basicAuth: { username: { name: 'auth', key: 'user' } },
      },
      'spec.endpoints[0] sets basic_auth and authorization (from basicAuth, oauth2, authorization, bearerTokenSecret, bearerTokenFile); Prometheus accepts one way to authenticate a scrape: keep one',
    ],
    [
      'a CA both inline and as a file',
      { tlsConfig: { ca: { secret: { name: 'tls', key: 'ca.crt' } }, caFile: '/etc/ca.crt' } },
      'spec.endpoints[0].tlsConfig sets both ca and caFile; keep one',
    ],
    [
      'a client certificate without its key',
      { tlsConfig: { cert: { secret: { name: 'tls', key: 'tls.crt' } } } },
      'spec.endpoints[0].tlsConfig: a client certificate needs both a certificate (cert or certFile) and its key (keySecret or keyFile)',
    ],
  ])(
    'refuses %s, which the collector would refuse for every job at once',
    (_what, endpoint, message) => {
      expect(() => fields(endpoint)).toThrow(message);
    },
  );

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
    ).toThrow(
      'add "shop" to prometheus_cr.secret_namespaces (Secrets and ConfigMaps are read in: obs)',
    );
  });

  it('tlsConfig reads a CA from a ConfigMap, and min/max TLS versions', () => {
    const out = fields({
      tlsConfig: {
        ca: { configMap: { name: 'ca', key: 'ca.crt' } },
        minVersion: 'TLS12',
        maxVersion: 'TLS13',
      },
    });
    expect(out.tls_config).toEqual({ ca: 'CM CA PEM', min_version: 'TLS12', max_version: 'TLS13' });
    expect(() => fields({ tlsConfig: { ca: { configMap: { name: 'ca', key: 'nope' } } } })).toThrow(
      'spec.endpoints[0].tlsConfig.ca.configMap: key "nope" of ConfigMap shop/ca is not available; create it or fix the reference',
    );
  });

  it('oauth2 inlines client id (ConfigMap or Secret), client secret, token URL, scopes, params', () => {
    const out = fields({
      oauth2: {
        clientId: { configMap: { name: 'oauth', key: 'id' } },
        clientSecret: { name: 'auth', key: 'token' },
        tokenUrl: 'https://idp.example/token',
        scopes: ['metrics'],
        endpointParams: { audience: 'shop' },
        tlsConfig: { insecureSkipVerify: false },
      },
    });
    expect(out.oauth2).toEqual({
      client_id: 'client-1',
      client_secret: 's3cr3t',
      token_url: 'https://idp.example/token',
      scopes: ['metrics'],
      endpoint_params: { audience: 'shop' },
      tls_config: { insecure_skip_verify: false },
    });
  });

  const CLASSES = [
    {
      name: 'mtls',
      default: true,
      tlsConfig: {
        caFile: '/etc/class/ca.crt',
        certFile: '/etc/class/tls.crt',
        keyFile: '/etc/class/tls.key',
      },
      authorization: { credentials: { name: 'auth', key: 'token' } },
      metricRelabelings: [{ action: 'labeldrop', regex: 'tmp_.*' }],
    },
    { name: 'plain' },
  ];

  it.each([
    {
      name: 'the default class gives its TLS files, authorization and metric relabelings',
      endpoint: {},
      spec: {},
      expected: {
        tls_config: {
          ca_file: '/etc/class/ca.crt',
          cert_file: '/etc/class/tls.crt',
          key_file: '/etc/class/tls.key',
        },
        authorization: { type: 'Bearer', credentials: 's3cr3t' },
        metric_relabel_configs: [{ action: 'labeldrop', regex: 'tmp_.*' }],
      },
    },
    {
      name: 'an own CA keeps it; the class fills only certificate and key files',
      endpoint: { tlsConfig: { ca: { secret: { name: 'tls', key: 'ca.crt' } } } },
      spec: {},
      expected: {
        tls_config: {
          ca: 'CA PEM',
          cert_file: '/etc/class/tls.crt',
          key_file: '/etc/class/tls.key',
        },
      },
    },
    {
      name: 'basicAuth of its own: the class authorization is not added beside it',
      endpoint: { basicAuth: { username: { name: 'auth', key: 'user' } } },
      spec: {},
      expected: { basic_auth: { username: 'scraper' } },
      absent: ['authorization'],
    },
    {
      name: 'a monitor naming another class inherits nothing from the default',
      endpoint: {},
      spec: { scrapeClass: 'plain' },
      expected: {},
      absent: ['tls_config', 'authorization', 'metric_relabel_configs'],
    },
  ])('scrape classes: $name', ({ endpoint, spec, expected, absent = [] }) => {
    const out = fields(endpoint, context({ scrapeClasses: CLASSES }), spec);
    expect(out).toMatchObject(expected);
    for (const key of absent) expect(out).not.toHaveProperty(key);
  });

  it('a scrapeClass that is not configured makes the monitor invalid, naming the classes', () => {
    expect(() => fields({}, context({ scrapeClasses: CLASSES }), { scrapeClass: 'gold' })).toThrow(
      'spec.scrapeClass "gold" is not defined in prometheus_cr.scrape_classes (defined: mtls, plain); use one of those or add it',
    );
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
      endpointFields(
        SpecReader.of(endpoint, 'e'),
        'shop',
        context({ denyFsAccess: true }),
        scrapeClassOf(SpecReader.of({}, 'spec'), []),
      ),
    ).toEqual({
      kind: 'fs-access-denied',
      files: ['/var/run/secrets/token', '/etc/ca.crt', '/etc/tls.crt', '/etc/tls.key'],
    });
  });
});
