import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dump, load } from 'js-yaml';
import { parse, stringify } from 'yaml';
import { Annotations } from './annotations.js';
import { convertCollector } from './convert.js';
import { cloneJson, jsonEqual, type JsonObject } from './json-value.js';
import { mutateCollector, type MutationContext } from './mutate.js';
import { computeJsonPatch } from './patch.js';
import { readStash } from './stash.js';
import { validateCollector } from './validate.js';

/**
 * The main property checks 10k generated collectors per run, in chunks: one synchronous
 * `fc.assert` of that size would block the test worker long enough on a busy machine for the
 * runner's RPC to time out.
 */
const CHUNKS = 10;
const RUNS_PER_CHUNK = 1_000;

const jobNameArb = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('serviceMonitor/ns/app/0', 'a b', 'é$$x', '100%', 'kube+pods'),
);

const discoveryArb = fc.record(
  {
    static_configs: fc.array(
      fc.record({
        targets: fc.array(fc.constantFrom('a:1', '10.0.0.1:9100', 'x.y:80'), { maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
    kubernetes_sd_configs: fc.constant([{ role: 'pod', namespaces: { names: ['default'] } }]),
    file_sd_configs: fc.constant([{ files: ['/etc/targets/*.json'] }]),
    dns_sd_configs: fc.constant([{ names: ['_metrics._tcp.example.com'] }]),
    http_sd_configs: fc.constant([{ url: 'http://sd.example.com/targets' }]),
  },
  { requiredKeys: [] },
);

const otherFieldsArb = fc.record(
  {
    scrape_interval: fc.constantFrom('5s', '10s', '1m'),
    metrics_path: fc.constantFrom('/metrics', '/probe'),
    honor_labels: fc.boolean(),
    params: fc.constant({ module: ['http_2xx'] }),
    relabel_configs: fc.array(
      fc.record({
        source_labels: fc.constant(['__address__']),
        regex: fc.constantFrom('(.*):.*', '(.+)', 'x$$y'),
        target_label: fc.constantFrom('instance', 'host'),
        replacement: fc.constantFrom('$$1', '$${1}', 'literal', '${env:REGION}'),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

/** A scrape job whose keys come in a random order, discovery mixed in among the other fields. */
function jobArb(name: string): fc.Arbitrary<JsonObject> {
  return fc
    .tuple(discoveryArb, otherFieldsArb, fc.integer({ min: 0, max: 1_000 }))
    .map(([discovery, other, seed]) => {
      const entries = [...Object.entries(discovery), ...Object.entries(other)];
      const shuffled = entries
        .map((entry, i) => ({ entry, key: (seed * 31 + i * 17) % 97 }))
        .sort((a, b) => a.key - b.key)
        .map(({ entry }) => entry);
      return Object.fromEntries([['job_name', name], ...shuffled]) as JsonObject;
    });
}

const scrapeConfigsArb = fc
  .uniqueArray(jobNameArb, { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map(jobArb)));

interface Generated {
  readonly object: JsonObject;
  readonly context: MutationContext;
  readonly scrapeConfigs: JsonObject[];
}

const collectorArb: fc.Arbitrary<Generated> = fc
  .record({
    version: fc.constantFrom('v1alpha1', 'v1beta1'),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,70}[a-z0-9]$/),
    namespace: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    mode: fc.constantFrom('statefulset', 'daemonset'),
    trigger: fc.constantFrom('spec', 'annotation', 'policy'),
    prometheusCR: fc.boolean(),
    rewriteMode: fc.constantFrom(undefined, 'http_sd', 'target_allocator'),
    ta: fc.record(
      {
        replicas: fc.integer({ min: 1, max: 5 }),
        image: fc.constant('registry.example.com/ta:1'),
        filterStrategy: fc.constantFrom('relabel-config', 'none'),
        strategy: fc.constantFrom('consistent-hashing', 'least-weighted'),
      },
      { requiredKeys: [] },
    ),
    env: fc.option(
      fc.array(fc.constantFrom({ name: 'A', value: '1' }, { name: 'POD_NAME', value: 'mine' }), {
        maxLength: 2,
      }),
      { nil: undefined },
    ),
    scrapeConfigs: scrapeConfigsArb,
    layout: fc.record({
      noArrayIndent: fc.boolean(),
      indent: fc.constantFrom(2, 4),
      flowLevel: fc.constantFrom(-1, 5, 7),
      quotingType: fc.constantFrom<"'" | '"'>("'", '"'),
    }),
    comment: fc.boolean(),
  })
  .map((g) => {
    const config = {
      receivers: {
        prometheus: { config: { scrape_configs: g.scrapeConfigs } },
        otlp: { protocols: { grpc: {} } },
      },
      exporters: { debug: { verbosity: 'basic' } },
      service: {
        pipelines: { metrics: { receivers: ['prometheus', 'otlp'], exporters: ['debug'] } },
      },
    };
    // js-yaml writes the text: a different emitter than the one that edits it, and a fast one. Its
    // flow style can emit invalid YAML for odd strings; those texts are written by `yaml` instead.
    let body = dump(config, { ...g.layout, lineWidth: -1 });
    if (!readsBackAs(body, config)) body = stringify(config, { lineWidth: 0 });
    const text = (g.comment ? '# managed by the platform team\n' : '') + body;
    const targetAllocator: JsonObject = {};
    if (g.trigger === 'spec') targetAllocator.enabled = true;
    if (g.ta.replicas !== undefined) targetAllocator.replicas = g.ta.replicas;
    if (g.ta.image !== undefined) targetAllocator.image = g.ta.image;
    if (g.ta.filterStrategy !== undefined) targetAllocator.filterStrategy = g.ta.filterStrategy;
    // Only strategies compatible with the mode, so that the mutated object must pass validation.
    if (g.ta.strategy !== undefined && g.mode === 'statefulset')
      targetAllocator.allocationStrategy = g.ta.strategy;
    if (g.prometheusCR) targetAllocator.prometheusCR = { enabled: true };
    const annotations: Record<string, string> = {};
    if (g.trigger === 'annotation') annotations[Annotations.enable] = 'true';
    if (g.rewriteMode !== undefined) annotations[Annotations.rewriteMode] = g.rewriteMode;
    const spec: JsonObject = {
      mode: g.mode,
      targetAllocator,
      config: g.version === 'v1alpha1' ? text : config,
    };
    if (g.env !== undefined) spec.env = g.env;
    const object: JsonObject = {
      apiVersion: `opentelemetry.io/${g.version}`,
      kind: 'OpenTelemetryCollector',
      metadata: {
        name: g.name,
        namespace: g.namespace,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec,
    };
    const context: MutationContext = {
      operation: 'CREATE',
      namespace: g.namespace,
      name: g.name,
      settings: { allocatorImage: 'ghcr.io/otel-ta/otel-ta:0.1.0' },
      forceEnable: g.trigger === 'policy',
    };
    return { object, context, scrapeConfigs: structuredClone(g.scrapeConfigs) };
  });

function readsBackAs(text: string, value: unknown): boolean {
  try {
    return jsonEqual(load(text), value);
  } catch {
    return false;
  }
}

function otherVersion(object: JsonObject): string {
  return object.apiVersion === 'opentelemetry.io/v1alpha1'
    ? 'opentelemetry.io/v1beta1'
    : 'opentelemetry.io/v1alpha1';
}

describe('mutateCollector properties', () => {
  it.each(Array.from({ length: CHUNKS }, (_, i) => i + 1))(
    'over generated collectors (chunk %i of 10): mutates, patches apply, a second pass and a re-apply change nothing, the result validates, the stash keeps every job',
    async () => {
      await fc.assert(
        fc.asyncProperty(collectorArb, async ({ object, context, scrapeConfigs }) => {
          // Lets the test runner's messages through between runs on a busy machine.
          await new Promise((resolve) => setImmediate(resolve));
          const before = cloneJson(object);
          const outcome = mutateCollector(object, context);
          // jsonEqual rather than toEqual on whole objects: 10k runs, and fast-check prints the counterexample.
          expect(jsonEqual(object, before)).toBe(true);
          if (outcome.kind !== 'mutated') {
            throw new Error(`expected a mutation: ${JSON.stringify(outcome)}`);
          }
          const result = outcome.object;

          // Throws unless the patch applies to the request object and reproduces the result.
          computeJsonPatch(object, result);

          const second = mutateCollector(result, { ...context, operation: 'UPDATE' });
          expect(second.kind).toBe('unchanged');
          // Only a standing configuration warning may repeat; nothing about a rewrite.
          expect(
            second.kind === 'unchanged' &&
              second.warnings.filter((w) => !w.startsWith('prometheusCR is enabled')),
          ).toEqual([]);

          const resubmitted = cloneJson(result);
          (resubmitted.spec as JsonObject).config = cloneJson((object.spec as JsonObject).config);
          const again = mutateCollector(resubmitted, { ...context, operation: 'UPDATE' });
          expect(jsonEqual(again.kind === 'mutated' ? again.object : resubmitted, result)).toBe(
            true,
          );

          expect(validateCollector(result)).toEqual({ allowed: true, warnings: [] });

          const stash = readStash(result);
          expect(stash.status === 'valid' && jsonEqual(stash.scrapeConfigs, scrapeConfigs)).toBe(
            true,
          );
        }),
        { numRuns: RUNS_PER_CHUNK },
      );
    },
  );

  it('over generated collectors: conversion to the other version and back keeps every value', () => {
    fc.assert(
      fc.property(collectorArb, ({ object, context }) => {
        const outcome = mutateCollector(object, context);
        const result = outcome.kind === 'mutated' ? outcome.object : object;
        const back = convertCollector(
          convertCollector(result, otherVersion(result)),
          String(result.apiVersion),
        );
        if (result.apiVersion === 'opentelemetry.io/v1beta1') {
          expect(back).toEqual(result);
        } else {
          const { config, ...rest } = back.spec as JsonObject;
          const { config: expectedConfig, ...expectedRest } = result.spec as JsonObject;
          expect(rest).toEqual(expectedRest);
          expect(parse(config as string)).toEqual(parse(expectedConfig as string));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('over arbitrary values in a collector’s shape: never throws, and every mutation’s patch applies', () => {
    const wild = fc.record({
      apiVersion: fc.constantFrom('opentelemetry.io/v1alpha1', 'opentelemetry.io/v1beta1'),
      kind: fc.constant('OpenTelemetryCollector'),
      metadata: fc.record(
        {
          name: fc.string(),
          annotations: fc.dictionary(fc.constantFrom(...Object.values(Annotations)), fc.string()),
        },
        { requiredKeys: [] },
      ),
      spec: fc.record(
        {
          mode: fc.oneof(fc.constantFrom('statefulset', 'daemonset', 'deployment'), fc.jsonValue()),
          targetAllocator: fc.oneof(fc.constant({ enabled: true }), fc.jsonValue()),
          env: fc.jsonValue(),
          config: fc.oneof(
            fc.string(),
            fc.jsonValue(),
            fc.jsonValue().map((receiver) => ({ receivers: { prometheus: receiver } })),
            fc
              .jsonValue()
              .map((list) => ({ receivers: { prometheus: { config: { scrape_configs: list } } } })),
          ),
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(wild, fc.boolean(), (object, forceEnable) => {
        const outcome = mutateCollector(object, {
          operation: 'UPDATE',
          namespace: 'ns',
          name: 'n',
          settings: { allocatorImage: 'i' },
          forceEnable,
        });
        expect(['unchanged', 'mutated', 'denied']).toContain(outcome.kind);
        if (outcome.kind === 'denied') expect(outcome.code).not.toBe(500);
        if (outcome.kind === 'mutated') {
          computeJsonPatch(object, outcome.object);
          expect(
            mutateCollector(outcome.object, {
              operation: 'UPDATE',
              namespace: 'ns',
              name: 'n',
              settings: { allocatorImage: 'i' },
              forceEnable,
            }).kind,
          ).toBe('unchanged');
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
