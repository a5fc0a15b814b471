import { describe, expect, it } from 'vitest';
import { redactScrapeConfigs, SECRET_PLACEHOLDER as S } from './redact-secrets.js';

describe('redactScrapeConfigs', () => {
  it('replaces every Secret-typed field and keeps the rest', () => {
    const input = {
      app: {
        job_name: 'app',
        basic_auth: { username: 'u', password: 'p', password_file: '/etc/pw' },
        authorization: { type: 'Bearer', credentials: 'tok' },
        bearer_token: 'legacy',
        oauth2: { client_id: 'id', client_secret: 'cs', token_url: 'https://x' },
        tls_config: { cert_file: '/c', key: 'PEM', key_file: '/k', insecure_skip_verify: false },
        proxy_connect_header: { 'X-Auth': ['a', 'b'] },
        http_headers: { 'X-Api': { values: ['v'], secrets: ['s1'], files: ['/f'] } },
        consul_sd_configs: [{ server: 'c:8500', token: 'ct' }],
        ec2_sd_configs: [{ access_key: 'AK', secret_key: 'SK' }],
        static_configs: [{ targets: ['a:1'], labels: { key: 'not a secret' } }],
      },
    };
    expect(redactScrapeConfigs(input)).toEqual({
      app: {
        job_name: 'app',
        basic_auth: { username: 'u', password: S, password_file: '/etc/pw' },
        authorization: { type: 'Bearer', credentials: S },
        bearer_token: S,
        oauth2: { client_id: 'id', client_secret: S, token_url: 'https://x' },
        tls_config: { cert_file: '/c', key: S, key_file: '/k', insecure_skip_verify: false },
        proxy_connect_header: { 'X-Auth': [S, S] },
        http_headers: { 'X-Api': { values: ['v'], secrets: [S], files: ['/f'] } },
        consul_sd_configs: [{ server: 'c:8500', token: S }],
        ec2_sd_configs: [{ access_key: 'AK', secret_key: S }],
        static_configs: [{ targets: ['a:1'], labels: { key: 'not a secret' } }],
      },
    });
  });

  it('keeps the shape of what it redacts, so a collector can still parse every job', () => {
    // params is map[string][]string in Prometheus: a string there fails the collector's parse of
    // the whole /scrape_configs answer, losing every job, not only this one.
    const input = { j: { params: { token: ['t1', 't2'], module: ['http_2xx'] } } };
    expect(redactScrapeConfigs(input)).toEqual({
      j: { params: { token: [S, S], module: ['http_2xx'] } },
    });
  });

  it('leaves target labels alone: label values are exported on every series, never secrets', () => {
    const input = {
      j: { static_configs: [{ targets: ['a:1'], labels: { password: 'none', token: 'team-a' } }] },
    };
    expect(redactScrapeConfigs(input)).toEqual(input);
  });

  it('redacts the oauth2 client_certificate_key of the jwt-bearer grant', () => {
    const input = {
      j: {
        oauth2: {
          client_id: 'id',
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          client_certificate_key: 'PEM',
          token_url: 'https://x',
        },
      },
    };
    expect(redactScrapeConfigs(input)).toEqual({
      j: {
        oauth2: {
          client_id: 'id',
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          client_certificate_key: S,
          token_url: 'https://x',
        },
      },
    });
  });

  it('leaves empty secrets empty and does not touch the input', () => {
    const input = { j: { basic_auth: { username: 'u', password: '' } } };
    expect(redactScrapeConfigs(input)).toEqual(input);
    const withSecret = { j: { basic_auth: { password: 'p' } } };
    redactScrapeConfigs(withSecret);
    expect(withSecret.j.basic_auth.password).toBe('p');
  });
});

describe('redactScrapeConfigs and proxy URLs', () => {
  it('replaces the password of a proxy_url as Prometheus marshals its URL type (xxxxx), at any depth', () => {
    const input = {
      j: {
        proxy_url: 'http://squid:p%40ss@proxy.corp:3128',
        oauth2: { client_id: 'id', proxy_url: 'https://u:secret@oauth-proxy:8443/path?q=1' },
        kubernetes_sd_configs: [{ role: 'pod', proxy_url: 'http://user:@proxy:3128' }],
      },
    };
    expect(redactScrapeConfigs(input)).toEqual({
      j: {
        proxy_url: 'http://squid:xxxxx@proxy.corp:3128',
        oauth2: { client_id: 'id', proxy_url: 'https://u:xxxxx@oauth-proxy:8443/path?q=1' },
        kubernetes_sd_configs: [{ role: 'pod', proxy_url: 'http://user:xxxxx@proxy:3128' }],
      },
    });
  });

  it('keeps a proxy_url without a password as written', () => {
    const input = {
      j: { proxy_url: 'http://proxy:3128', oauth2: { proxy_url: 'http://user@proxy:3128/a@b' } },
    };
    expect(redactScrapeConfigs(input)).toEqual(input);
  });
});
