import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demonstrateMutation } from './demo.js';
import { DOCUMENTATION_MANIFEST_YAML } from './documentation-manifest.js';

describe('demonstrateMutation', () => {
  it("prints the documentation's collector as mutated over TLS, and its patch", async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await demonstrateMutation(out);
    expect(text).toMatch(/webhook listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain('allocationStrategy: consistent-hashing');
    expect(text).toContain(
      'collector-with-ta-targetallocator.observability.svc:80/jobs/otel-collector/targets',
    );
    expect(text).toMatch(/the JSON patch \(\d+ operations\)/);
    expect(text).toContain('{"op":"add","path":"/spec/targetAllocator/replicas","value":1}');
  });

  it('embeds exactly the fixture the tests use', () => {
    const fixture = new URL(
      '../../test/fixtures/collectors/collector-with-ta.v1alpha1.yaml',
      import.meta.url,
    );
    expect(DOCUMENTATION_MANIFEST_YAML).toBe(readFileSync(fixture, 'utf8'));
  });
});
