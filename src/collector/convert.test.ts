import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OtelTaError } from '../errors.js';
import { convertCollector } from './convert.js';
import type { JsonObject } from './json-value.js';

function fixture(version: 'v1alpha1' | 'v1beta1'): JsonObject {
  const path = new URL(
    `../../test/fixtures/collectors/collector-with-ta.${version}.yaml`,
    import.meta.url,
  );
  return parse(readFileSync(path, 'utf8')) as JsonObject;
}

const V1ALPHA1 = 'opentelemetry.io/v1alpha1';
const V1BETA1 = 'opentelemetry.io/v1beta1';

function withCR(object: JsonObject, prometheusCR: JsonObject): JsonObject {
  const spec = object.spec as JsonObject;
  return { ...object, spec: { ...spec, targetAllocator: { enabled: true, prometheusCR } } };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtelTaError) return err.code;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('convertCollector', () => {
  it('turns the documentation v1alpha1 manifest into its v1beta1 equivalent, keeping the text aside', () => {
    const alpha = fixture('v1alpha1');
    const beta = convertCollector(alpha, V1BETA1);
    const annotations = (beta.metadata as JsonObject).annotations as JsonObject;
    expect(annotations['otel-ta.dev/v1alpha1-config']).toBe((alpha.spec as JsonObject).config);
    delete (beta.metadata as JsonObject).annotations;
    expect(beta).toEqual(fixture('v1beta1'));
  });

  it('reads a collector written as v1alpha1 back with the exact config text, comments included', () => {
    const alpha = fixture('v1alpha1');
    const back = convertCollector(convertCollector(alpha, V1BETA1), V1ALPHA1);
    expect(back).toEqual(alpha);
    expect((back.spec as JsonObject).config).toContain('# SigV4 signs');
  });

  it('serialises afresh once the config was changed through v1beta1', () => {
    const beta = convertCollector(fixture('v1alpha1'), V1BETA1);
    const config = (beta.spec as JsonObject).config as JsonObject;
    (config.processors as JsonObject).memory_limiter = { check_interval: '1s' };
    const alpha = convertCollector(beta, V1ALPHA1);
    expect(parse((alpha.spec as JsonObject).config as string)).toEqual(config);
    expect((alpha.spec as JsonObject).config).not.toContain('# SigV4 signs');
    expect((alpha.metadata as JsonObject).annotations).toBeUndefined();
  });

  it('turns the v1beta1 manifest into a v1alpha1 one whose config string parses to the same config', () => {
    const converted = convertCollector(fixture('v1beta1'), V1ALPHA1);
    const spec = converted.spec as JsonObject;
    expect(converted.apiVersion).toBe(V1ALPHA1);
    expect(typeof spec.config).toBe('string');
    expect(parse(spec.config as string)).toEqual((fixture('v1beta1').spec as JsonObject).config);
    expect(spec.config).toContain('replacement: $$1');
  });

  it('round-trips v1beta1 -> v1alpha1 -> v1beta1 without losing anything', () => {
    const original = withCR(fixture('v1beta1'), {
      enabled: true,
      scrapeInterval: '30s',
      serviceMonitorSelector: { matchLabels: { team: 'a' } },
      podMonitorSelector: {},
    });
    expect(convertCollector(convertCollector(original, V1ALPHA1), V1BETA1)).toEqual(original);
  });

  it('quotes strings that the collector and otel-ta read as numbers when written plain (1_000, 0b1), so they stay strings', () => {
    const original = fixture('v1beta1');
    const labels = { build: '1_000', flags: '0b1', ratio: '1_0.5', tenth: '._1', octal: '0o1_7' };
    (original.spec as JsonObject).config = {
      receivers: {
        prometheus: {
          config: {
            scrape_configs: [
              { job_name: 'app', static_configs: [{ targets: ['app:8080'], labels }] },
            ],
          },
        },
      },
      processors: { '1_000': {} },
    };
    const alpha = convertCollector(original, V1ALPHA1);
    const text = (alpha.spec as JsonObject).config as string;
    expect(text).toContain('build: "1_000"');
    expect(text).toContain('"1_000": {}');
    expect(convertCollector(alpha, V1BETA1)).toEqual(original);
  });

  it('maps plain v1alpha1 selectors to LabelSelectors and back', () => {
    const alpha = withCR(fixture('v1alpha1'), {
      enabled: true,
      serviceMonitorSelector: { team: 'a' },
      podMonitorSelector: {},
    });
    const beta = convertCollector(alpha, V1BETA1);
    expect(((beta.spec as JsonObject).targetAllocator as JsonObject).prometheusCR).toEqual({
      enabled: true,
      serviceMonitorSelector: { matchLabels: { team: 'a' } },
      podMonitorSelector: {},
    });
    const back = convertCollector(beta, V1ALPHA1);
    expect((back.spec as JsonObject).targetAllocator).toEqual(
      (alpha.spec as JsonObject).targetAllocator,
    );
  });

  it('refuses a matchExpressions selector that v1alpha1 cannot hold', () => {
    const beta = withCR(fixture('v1beta1'), {
      enabled: true,
      serviceMonitorSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] },
    });
    expect(codeOf(() => convertCollector(beta, V1ALPHA1))).toBe('COLLECTOR_CONVERSION_LOSSY');
  });

  it('refuses unserved versions, other kinds and config strings that are not YAML', () => {
    expect(codeOf(() => convertCollector(fixture('v1beta1'), 'opentelemetry.io/v2'))).toBe(
      'COLLECTOR_CONVERSION_UNSUPPORTED',
    );
    expect(codeOf(() => convertCollector({ apiVersion: 'v1', kind: 'Pod' }, V1BETA1))).toBe(
      'COLLECTOR_CONVERSION_UNSUPPORTED',
    );
    const broken = { ...fixture('v1alpha1'), spec: { config: 'a: [' } };
    expect(codeOf(() => convertCollector(broken, V1BETA1))).toBe('COLLECTOR_CONFIG_YAML');
  });

  it('gives a repeated conversion (the API server converts on every read) the same answer', () => {
    for (const [object, target] of [
      [fixture('v1alpha1'), V1BETA1],
      [fixture('v1beta1'), V1ALPHA1],
      [convertCollector(fixture('v1alpha1'), V1BETA1), V1ALPHA1],
    ] as const) {
      const first = convertCollector(structuredClone(object), target);
      expect(convertCollector(structuredClone(object), target)).toEqual(first);
    }
    const reordered = convertCollector(
      {
        ...fixture('v1beta1'),
        spec: { ...(fixture('v1beta1').spec as JsonObject), config: { b: 1, a: 2 } },
      },
      V1ALPHA1,
    );
    const original = convertCollector(
      {
        ...fixture('v1beta1'),
        spec: { ...(fixture('v1beta1').spec as JsonObject), config: { a: 2, b: 1 } },
      },
      V1ALPHA1,
    );
    expect((reordered.spec as JsonObject).config).toBe('b: 1\na: 2\n');
    expect((original.spec as JsonObject).config).toBe('a: 2\nb: 1\n');
  });

  it('returns an equal copy when the version already matches', () => {
    const beta = fixture('v1beta1');
    const same = convertCollector(beta, V1BETA1);
    expect(same).toEqual(beta);
    expect(same).not.toBe(beta);
  });
});
