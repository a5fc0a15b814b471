import { describe, expect, it } from 'vitest';
import { allocatorName, allocatorServiceUrl, jobTargetsUrl } from './naming.js';
import { queryEscape, queryUnescape } from './query-escape.js';

describe('allocatorName', () => {
  it('appends -targetallocator to a short name', () => {
    expect(allocatorName('collector-with-ta')).toBe('collector-with-ta-targetallocator');
  });

  it('cuts the collector name, never the suffix, to fit a 63-character DNS label', () => {
    const name = allocatorName('a'.repeat(80));
    expect(name).toBe(`${'a'.repeat(47)}-targetallocator`);
    expect(name).toHaveLength(63);
  });

  it('turns characters a DNS label cannot hold into dashes and trims leading ones', () => {
    expect(allocatorName('My.Collector')).toBe('my-collector-targetallocator');
    expect(allocatorName('-x')).toBe('x-targetallocator');
  });
});

describe('allocator URLs', () => {
  it('addresses the allocator Service on port 80 inside the collector namespace', () => {
    expect(allocatorServiceUrl('pool', 'team-a')).toBe('http://pool-targetallocator.team-a.svc:80');
  });

  it('query-escapes the job name in the http_sd URL and names the collector by POD_NAME', () => {
    expect(jobTargetsUrl('http://ta:80', 'serviceMonitor/ns/app/0')).toBe(
      'http://ta:80/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=${env:POD_NAME}',
    );
  });
});

describe('queryEscape', () => {
  it('matches Go url.QueryEscape', () => {
    expect(queryEscape("a b/c?d=e&f!'()*~._-")).toBe('a+b%2Fc%3Fd%3De%26f%21%27%28%29%2A~._-');
    expect(queryEscape('é')).toBe('%C3%A9');
  });

  it('is undone by queryUnescape', () => {
    for (const value of ['a b/c', 'x+y', '100%', 'é$$1']) {
      expect(queryUnescape(queryEscape(value))).toBe(value);
    }
    expect(queryUnescape('%zz')).toBeUndefined();
  });
});
