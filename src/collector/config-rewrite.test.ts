import { describe, expect, it } from 'vitest';
import { Annotations } from './annotations.js';
import { rewriteConfig, type ConfigRewrite } from './config-rewrite.js';
import type { JsonObject } from './json-value.js';

const TEXT = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: app # the app
        static_configs:
        - targets: ['app:8080']
`;

function rewrite(
  allocatorUrl: string,
  annotations?: Record<string, unknown>,
  refreshInterval = '10s',
): ConfigRewrite {
  const object: JsonObject = { metadata: annotations === undefined ? {} : { annotations } };
  return rewriteConfig({
    source: { kind: 'string', text: TEXT },
    mode: 'http_sd',
    allocatorUrl,
    object,
    refreshInterval,
  });
}

describe('rewriteConfig on a YAML text', () => {
  it('gives a re-sent request the same outcome as the first one', () => {
    const first = rewrite('http://a-targetallocator.ns.svc:80');
    expect(rewrite('http://a-targetallocator.ns.svc:80')).toEqual(first);
    expect(first.kind === 'rewritten' && first.config).toContain(
      'http://a-targetallocator.ns.svc:80/jobs/app/targets',
    );
  });

  it('keeps outcomes apart for another allocator, and for each state of the stash annotations', () => {
    const other = rewrite('http://b-targetallocator.ns.svc:80');
    expect(other.kind === 'rewritten' && other.config).toContain('http://b-targetallocator');
    const absent = rewrite('http://a-targetallocator.ns.svc:80', {});
    const broken = rewrite('http://a-targetallocator.ns.svc:80', {
      [Annotations.originalScrapeConfigs]: 'undefined',
    });
    const notString = rewrite('http://a-targetallocator.ns.svc:80', {
      [Annotations.originalScrapeConfigs]: 7,
    });
    expect(absent.warnings.some((w) => w.includes('rebuilt'))).toBe(false);
    expect(broken.warnings.some((w) => w.includes('is not JSON'))).toBe(true);
    expect(notString.warnings.some((w) => w.includes('is not a string'))).toBe(true);
  });

  it('keeps outcomes apart for each refresh interval', () => {
    const ten = rewrite('http://a-targetallocator.ns.svc:80');
    const twenty = rewrite('http://a-targetallocator.ns.svc:80', undefined, '20s');
    expect(ten.kind === 'rewritten' && ten.config).toContain('refresh_interval: 10s');
    expect(twenty.kind === 'rewritten' && twenty.config).toContain('refresh_interval: 20s');
  });
});
