import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Annotations } from './annotations.js';
import { encodeStash, readStash } from './stash.js';
import { mutateCollector, type MutationContext, type MutationOutcome } from './mutate.js';
import { computeJsonPatch } from './patch.js';
import { convertCollector } from './convert.js';
import type { JsonObject } from './json-value.js';

const IMAGE = 'ghcr.io/otel-ta/otel-ta:0.1.0';
const CONTEXT: MutationContext = {
  operation: 'CREATE',
  namespace: 'observability',
  name: 'collector-with-ta',
  settings: { allocatorImage: IMAGE },
};
const ALLOCATOR = 'http://collector-with-ta-targetallocator.observability.svc:80';
const POD_NAME_ENV = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
const TA_DEFAULTS = {
  enabled: true,
  replicas: 1,
  allocationStrategy: 'consistent-hashing',
  filterStrategy: 'relabel-config',
  image: IMAGE,
};

function fixture(version: 'v1alpha1' | 'v1beta1'): JsonObject {
  const path = new URL(
    `../../test/fixtures/collectors/collector-with-ta.${version}.yaml`,
    import.meta.url,
  );
  return parse(readFileSync(path, 'utf8')) as JsonObject;
}

function mutated(outcome: MutationOutcome): JsonObject {
  if (outcome.kind !== 'mutated')
    throw new Error(`expected a mutation, got ${JSON.stringify(outcome)}`);
  return outcome.object;
}

function spec(object: JsonObject): JsonObject {
  return object.spec as JsonObject;
}

function targetsUrl(job: string): string {
  return `${ALLOCATOR}/jobs/${job}/targets?collector_id=\${env:POD_NAME}`;
}

/** A v1beta1 collector with the allocator enabled and the given scrape configs. */
function beta(
  scrapeConfigs: unknown[],
  extra: { annotations?: Record<string, string>; ta?: JsonObject } = {},
): JsonObject {
  return {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: {
      name: 'collector-with-ta',
      namespace: 'observability',
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: {
      mode: 'statefulset',
      targetAllocator: { enabled: true, ...extra.ta },
      config: {
        receivers: { prometheus: { config: { scrape_configs: scrapeConfigs } } },
        exporters: { debug: {} },
        service: { pipelines: { metrics: { receivers: ['prometheus'], exporters: ['debug'] } } },
      },
    },
  };
}

function scrapeConfigsOf(object: JsonObject): JsonObject[] {
  const config = spec(object).config as JsonObject;
  const receivers = config.receivers as JsonObject;
  return ((receivers.prometheus as JsonObject).config as JsonObject).scrape_configs as JsonObject[];
}

function stashOf(object: JsonObject): readonly JsonObject[] {
  const stash = readStash(object);
  if (stash.status !== 'valid') throw new Error(`no valid stash: ${JSON.stringify(stash)}`);
  return stash.scrapeConfigs;
}

const STATIC_JOB = {
  job_name: 'otel-collector',
  scrape_interval: '10s',
  static_configs: [{ targets: ['0.0.0.0:8888'] }],
  metric_relabel_configs: [{ action: 'labeldrop', regex: '(id|name)', replacement: '$$1' }],
};
const EXPECTED_STASH = encodeStash([STATIC_JOB]);

describe('mutateCollector on the documentation manifest', () => {
  it('rewrites the v1alpha1 config string in place, keeping comments, quoting and $$1', () => {
    const original = fixture('v1alpha1');
    const result = mutated(mutateCollector(original, CONTEXT));
    const expectedConfig = (spec(original).config as string).replace(
      "        static_configs:\n        - targets: [ '0.0.0.0:8888' ]\n",
      `        http_sd_configs:\n        - url: ${targetsUrl('otel-collector')}\n          refresh_interval: 10s\n`,
    );
    expect(expectedConfig).not.toBe(spec(original).config);
    expect(result).toEqual({
      apiVersion: 'opentelemetry.io/v1alpha1',
      kind: 'OpenTelemetryCollector',
      metadata: {
        name: 'collector-with-ta',
        namespace: 'observability',
        annotations: {
          [Annotations.originalScrapeConfigs]: EXPECTED_STASH.json,
          [Annotations.originalScrapeConfigsHash]: EXPECTED_STASH.hash,
        },
      },
      spec: {
        mode: 'statefulset',
        replicas: 3,
        targetAllocator: TA_DEFAULTS,
        config: expectedConfig,
        env: [POD_NAME_ENV],
      },
    });
    const config = spec(result).config as string;
    expect(config).toContain("- job_name: 'otel-collector'\n");
    expect(config).toContain('replacement: $$1\n');
    expect(config).toContain(
      "# SigV4 signs the remote-write requests with the pod's AWS credentials.\n",
    );
  });

  it('rewrites the v1beta1 config object, keeping every other field as written', () => {
    const original = fixture('v1beta1');
    const result = mutated(mutateCollector(original, CONTEXT));
    const expected = structuredClone(original);
    spec(expected).targetAllocator = TA_DEFAULTS;
    spec(expected).env = [POD_NAME_ENV];
    scrapeConfigsOf(expected)[0] = {
      job_name: 'otel-collector',
      scrape_interval: '10s',
      http_sd_configs: [{ url: targetsUrl('otel-collector'), refresh_interval: '10s' }],
      metric_relabel_configs: [{ action: 'labeldrop', regex: '(id|name)', replacement: '$$1' }],
    };
    (expected.metadata as JsonObject).annotations = {
      [Annotations.originalScrapeConfigs]: EXPECTED_STASH.json,
      [Annotations.originalScrapeConfigsHash]: EXPECTED_STASH.hash,
    };
    expect(result).toEqual(expected);
  });

  it('stashes the same canonical JSON for both versions of the manifest', () => {
    const alpha = mutated(mutateCollector(fixture('v1alpha1'), CONTEXT));
    const beta1 = mutated(mutateCollector(fixture('v1beta1'), CONTEXT));
    expect((alpha.metadata as JsonObject).annotations).toEqual(
      (beta1.metadata as JsonObject).annotations,
    );
    expect(EXPECTED_STASH.json).toContain('"replacement":"$$1"');
  });

  it('explains the moved discovery in a warning', () => {
    const outcome = mutateCollector(fixture('v1alpha1'), CONTEXT);
    expect(outcome.kind === 'mutated' && outcome.warnings).toEqual([
      'scrape job "otel-collector": static_configs moved to the target allocator; each collector now scrapes its share of the targets over http_sd_configs',
    ]);
  });

  for (const version of ['v1alpha1', 'v1beta1'] as const) {
    it(`a second pass over the mutated ${version} object changes nothing`, () => {
      const once = mutated(mutateCollector(fixture(version), CONTEXT));
      expect(mutateCollector(once, { ...CONTEXT, operation: 'UPDATE' })).toEqual({
        kind: 'unchanged',
        warnings: [],
      });
    });

    it(`re-applying the original ${version} manifest over the mutated object yields the identical object`, () => {
      const original = fixture(version);
      const stored = mutated(mutateCollector(original, CONTEXT));
      const resubmitted = structuredClone(stored);
      spec(resubmitted).config = structuredClone(spec(original).config);
      const outcome = mutateCollector(resubmitted, { ...CONTEXT, operation: 'UPDATE' });
      expect(mutated(outcome)).toEqual(stored);
      expect(computeJsonPatch(stored, mutated(outcome))).toEqual([]);
    });
  }
});

describe('mutateCollector triggers', () => {
  const plain = (): JsonObject => {
    const object = beta([STATIC_JOB]);
    delete (spec(object).targetAllocator as JsonObject).enabled;
    return object;
  };

  it('leaves a collector without a trigger untouched', () => {
    expect(mutateCollector(plain(), CONTEXT)).toEqual({ kind: 'unchanged', warnings: [] });
  });

  it('leaves other kinds and groups untouched', () => {
    const other = { ...beta([STATIC_JOB]), kind: 'Deployment' };
    const otherGroup = { ...beta([STATIC_JOB]), apiVersion: 'example.com/v1beta1' };
    expect(mutateCollector(other, CONTEXT).kind).toBe('unchanged');
    expect(mutateCollector(otherGroup, CONTEXT).kind).toBe('unchanged');
    expect(mutateCollector('not an object', CONTEXT).kind).toBe('unchanged');
  });

  it('the enable annotation turns the allocator on and sets enabled: true', () => {
    const object = plain();
    (object.metadata as JsonObject).annotations = { [Annotations.enable]: 'true' };
    const result = mutated(mutateCollector(object, CONTEXT));
    expect(spec(result).targetAllocator).toEqual(TA_DEFAULTS);
    expect(scrapeConfigsOf(result)[0]?.http_sd_configs).toEqual([
      { url: targetsUrl('otel-collector'), refresh_interval: '10s' },
    ]);
  });

  it('policy forceEnable turns the allocator on unless the collector sets inject: "false"', () => {
    expect(
      spec(mutated(mutateCollector(plain(), { ...CONTEXT, forceEnable: true }))).targetAllocator,
    ).toEqual(TA_DEFAULTS);
    const optedOut = plain();
    (optedOut.metadata as JsonObject).annotations = { [Annotations.inject]: 'false' };
    expect(mutateCollector(optedOut, { ...CONTEXT, forceEnable: true })).toEqual({
      kind: 'unchanged',
      warnings: [],
    });
  });

  it('never flips an explicit enabled: false, and says why', () => {
    const object = beta([STATIC_JOB], {
      annotations: { [Annotations.enable]: 'true' },
      ta: { enabled: false },
    });
    const outcome = mutateCollector(object, CONTEXT);
    expect(outcome.kind).toBe('unchanged');
    expect(outcome.kind === 'unchanged' && outcome.warnings[0]).toContain(
      'remove "enabled: false"',
    );
  });

  it('uses the request name when metadata.name is not set yet', () => {
    const object = beta([STATIC_JOB]);
    delete (object.metadata as JsonObject).name;
    delete (object.metadata as JsonObject).namespace;
    const result = mutated(
      mutateCollector(object, { ...CONTEXT, name: 'pool', namespace: 'team-a' }),
    );
    expect(scrapeConfigsOf(result)[0]?.http_sd_configs).toEqual([
      {
        url: 'http://pool-targetallocator.team-a.svc:80/jobs/otel-collector/targets?collector_id=${env:POD_NAME}',
        refresh_interval: '10s',
      },
    ]);
  });
});

describe('mutateCollector defaults', () => {
  it('keeps every targetAllocator value the user set', () => {
    const ta = {
      enabled: true,
      replicas: 2,
      allocationStrategy: 'least-weighted',
      filterStrategy: 'none',
      image: 'mine:1',
    };
    const result = mutated(mutateCollector(beta([STATIC_JOB], { ta }), CONTEXT));
    expect(spec(result).targetAllocator).toEqual(ta);
  });

  it('defaults the allocation strategy to per-node for a daemonset', () => {
    const object = beta([STATIC_JOB]);
    spec(object).mode = 'daemonset';
    expect(
      (spec(mutated(mutateCollector(object, CONTEXT))).targetAllocator as JsonObject)
        .allocationStrategy,
    ).toBe('per-node');
  });

  it("fills the webhook's configured default strategy, except into a daemonset (per-node) or over the user's", () => {
    const leastWeighted: MutationContext = {
      ...CONTEXT,
      settings: { allocatorImage: IMAGE, defaultAllocationStrategy: 'least-weighted' },
    };
    const strategyOf = (object: JsonObject): unknown =>
      (spec(mutated(mutateCollector(object, leastWeighted))).targetAllocator as JsonObject)
        .allocationStrategy;
    expect(strategyOf(beta([STATIC_JOB]))).toBe('least-weighted');
    const daemonset = beta([STATIC_JOB]);
    spec(daemonset).mode = 'daemonset';
    expect(strategyOf(daemonset)).toBe('per-node');
    const own = beta([STATIC_JOB], {
      ta: { enabled: true, allocationStrategy: 'consistent-hashing' },
    });
    expect(strategyOf(own)).toBe('consistent-hashing');
  });

  it('appends POD_NAME to an existing env list and keeps a user-defined POD_NAME', () => {
    const withEnv = beta([STATIC_JOB]);
    spec(withEnv).env = [{ name: 'A', value: '1' }];
    expect(spec(mutated(mutateCollector(withEnv, CONTEXT))).env).toEqual([
      { name: 'A', value: '1' },
      POD_NAME_ENV,
    ]);
    const own = beta([STATIC_JOB]);
    spec(own).env = [{ name: 'POD_NAME', value: 'fixed' }];
    expect(spec(mutated(mutateCollector(own, CONTEXT))).env).toEqual([
      { name: 'POD_NAME', value: 'fixed' },
    ]);
  });
});

describe('mutateCollector http_sd rewrite', () => {
  const kube = {
    job_name: 'kube pods/x',
    kubernetes_sd_configs: [{ role: 'pod' }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_label_app'], regex: 'web', action: 'keep' },
    ],
    file_sd_configs: [{ files: ['/etc/targets.json'] }],
  };

  it('replaces static_configs and every *_sd_configs by one http_sd config at the same position', () => {
    const result = mutated(mutateCollector(beta([kube]), CONTEXT));
    expect(scrapeConfigsOf(result)).toEqual([
      {
        job_name: 'kube pods/x',
        http_sd_configs: [{ url: targetsUrl('kube+pods%2Fx'), refresh_interval: '10s' }],
        relabel_configs: kube.relabel_configs,
      },
    ]);
    expect(stashOf(result)).toEqual([kube]);
  });

  it('names a job with $$ in the URL as the collector and the allocator see it ($$ unescaped), idempotently', () => {
    // The collector turns $$ into $ in every string (job_name too), and the controller builds the
    // allocator from the unescaped stash, so the allocator serves the job "cost$usd".
    const job = { job_name: 'cost$$usd', static_configs: [{ targets: ['billing:9100'] }] };
    const result = mutated(mutateCollector(beta([job]), CONTEXT));
    expect(scrapeConfigsOf(result)[0]?.http_sd_configs).toEqual([
      { url: targetsUrl('cost%24usd'), refresh_interval: '10s' },
    ]);
    expect(stashOf(result)).toEqual([job]);
    expect(mutateCollector(result, { ...CONTEXT, operation: 'UPDATE' }).kind).toBe('unchanged');
    // Stored before the fix, the URL named the job as written: its discovery is still found.
    const older = structuredClone(result);
    scrapeConfigsOf(older)[0]!.http_sd_configs = [
      { url: targetsUrl('cost%24%24usd'), refresh_interval: '10s' },
    ];
    expect(scrapeConfigsOf(mutated(mutateCollector(older, CONTEXT)))).toEqual(
      scrapeConfigsOf(result),
    );
  });

  it('warns that a target_allocator block the user wrote is kept beside the http_sd rewrite', () => {
    const object = beta([STATIC_JOB]);
    const receiver = (((spec(object).config as JsonObject).receivers as JsonObject).prometheus ??
      {}) as JsonObject;
    receiver.target_allocator = { endpoint: 'http://old-allocator:80', interval: '30s' };
    const outcome = mutateCollector(object, CONTEXT);
    expect(outcome.kind === 'mutated' && outcome.warnings).toContain(
      'receivers.prometheus.target_allocator (endpoint http://old-allocator:80) is kept as written, so the receiver also takes scrape jobs from it beside the http_sd_configs the jobs now use; remove it, or set annotation otel-ta.dev/rewrite-mode: target_allocator to have otel-ta write it',
    );
  });

  it('a live edit that adds a job in original form rewrites it and adds it to the stash', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    const edited = structuredClone(stored);
    scrapeConfigsOf(edited).push(kube);
    const result = mutated(mutateCollector(edited, { ...CONTEXT, operation: 'UPDATE' }));
    expect(scrapeConfigsOf(result)[0]).toEqual(scrapeConfigsOf(stored)[0]);
    expect(scrapeConfigsOf(result)[1]?.http_sd_configs).toEqual([
      { url: targetsUrl('kube+pods%2Fx'), refresh_interval: '10s' },
    ]);
    expect(stashOf(result)).toEqual([STATIC_JOB, kube]);
  });

  it('changing a job’s discovery in the manifest updates the rewrite and the stash', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB, kube]), CONTEXT));
    const changed = { ...STATIC_JOB, static_configs: [{ targets: ['10.0.0.1:9100'] }] };
    const resubmitted = structuredClone(stored);
    spec(resubmitted).config = spec(beta([changed, kube])).config;
    const result = mutated(mutateCollector(resubmitted, { ...CONTEXT, operation: 'UPDATE' }));
    expect(scrapeConfigsOf(result)).toEqual(scrapeConfigsOf(stored));
    expect(stashOf(result)).toEqual([changed, kube]);
  });

  it('removing a job removes it from the stash', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB, kube]), CONTEXT));
    const edited = structuredClone(stored);
    scrapeConfigsOf(edited).splice(1, 1);
    expect(stashOf(mutated(mutateCollector(edited, CONTEXT)))).toEqual([STATIC_JOB]);
  });

  it('a live edit of a rewritten job’s other fields is kept in the stash with its stashed discovery', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    const edited = structuredClone(stored);
    scrapeConfigsOf(edited)[0]!.scrape_interval = '30s';
    expect(stashOf(mutated(mutateCollector(edited, CONTEXT)))).toEqual([
      { ...STATIC_JOB, scrape_interval: '30s' },
    ]);
  });

  it('renaming a rewritten job keeps the discovery stashed for its old name', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    const edited = structuredClone(stored);
    scrapeConfigsOf(edited)[0]!.job_name = 'renamed';
    const result = mutated(mutateCollector(edited, CONTEXT));
    expect(scrapeConfigsOf(result)[0]?.http_sd_configs).toEqual([
      { url: targetsUrl('renamed'), refresh_interval: '10s' },
    ]);
    expect(stashOf(result)).toEqual([{ ...STATIC_JOB, job_name: 'renamed' }]);
  });

  it('adds a job in original form to a rewritten v1alpha1 config string and keeps the rest of the text', () => {
    const stored = mutated(mutateCollector(fixture('v1alpha1'), CONTEXT));
    const text = spec(stored).config as string;
    const added = text.replace(
      '      scrape_configs:\n',
      "      scrape_configs:\n      - job_name: node # added live\n        static_configs:\n        - targets: ['n1:9100']\n",
    );
    const edited = structuredClone(stored);
    spec(edited).config = added;
    const result = mutated(mutateCollector(edited, CONTEXT));
    expect(spec(result).config).toBe(
      text.replace(
        '      scrape_configs:\n',
        `      scrape_configs:\n      - job_name: node # added live\n        http_sd_configs:\n        - url: ${targetsUrl('node')}\n          refresh_interval: 10s\n`,
      ),
    );
    expect(stashOf(result)).toEqual([
      { job_name: 'node', static_configs: [{ targets: ['n1:9100'] }] },
      STATIC_JOB,
    ]);
  });

  const alphaWith = (text: string): JsonObject => ({
    ...fixture('v1alpha1'),
    spec: { mode: 'statefulset', targetAllocator: { enabled: true }, config: text },
  });

  it('edits in place when an anchor and its aliases all go with the removed discovery', () => {
    const text = [
      'receivers:',
      '  prometheus:',
      '    config:',
      '      scrape_configs:',
      '      - job_name: a # first',
      '        static_configs: &targets',
      "        - targets: ['a:1']",
      '      - job_name: b',
      '        static_configs: *targets',
      '',
    ].join('\n');
    const outcome = mutateCollector(alphaWith(text), CONTEXT);
    expect(spec(mutated(outcome)).config).toBe(
      [
        'receivers:',
        '  prometheus:',
        '    config:',
        '      scrape_configs:',
        '      - job_name: a # first',
        '        http_sd_configs:',
        `        - url: ${targetsUrl('a')}`,
        '          refresh_interval: 10s',
        '      - job_name: b',
        '        http_sd_configs:',
        `        - url: ${targetsUrl('b')}`,
        '          refresh_interval: 10s',
        '',
      ].join('\n'),
    );
    expect(stashOf(mutated(outcome))).toEqual([
      { job_name: 'a', static_configs: [{ targets: ['a:1'] }] },
      { job_name: 'b', static_configs: [{ targets: ['a:1'] }] },
    ]);
  });

  it('re-serialises a config whose edit would cut an anchor still in use, with a warning, and loses no value', () => {
    const text = [
      '# comment that cannot survive',
      'receivers:',
      '  prometheus:',
      '    config:',
      '      scrape_configs:',
      '      - job_name: a',
      '        static_configs:',
      "        - targets: &targets ['a:1']",
      '      - job_name: b',
      '        params:',
      '          target: *targets',
      '',
    ].join('\n');
    const outcome = mutateCollector(alphaWith(text), CONTEXT);
    const result = mutated(outcome);
    expect(parse(spec(result).config as string)).toEqual({
      receivers: {
        prometheus: {
          config: {
            scrape_configs: [
              {
                job_name: 'a',
                http_sd_configs: [{ url: targetsUrl('a'), refresh_interval: '10s' }],
              },
              {
                job_name: 'b',
                params: { target: ['a:1'] },
                http_sd_configs: [{ url: targetsUrl('b'), refresh_interval: '10s' }],
              },
            ],
          },
        },
      },
    });
    expect(stashOf(result)).toEqual([
      { job_name: 'a', static_configs: [{ targets: ['a:1'] }] },
      { job_name: 'b', params: { target: ['a:1'] } },
    ]);
    expect(outcome.kind === 'mutated' && outcome.warnings.at(-1)).toContain(
      'its comments are gone',
    );
  });

  it('without a prometheus receiver only fills the defaults and drops a stale stash', () => {
    const object = beta([STATIC_JOB]);
    spec(object).config = { receivers: { otlp: {} } };
    (object.metadata as JsonObject).annotations = {
      [Annotations.originalScrapeConfigs]: EXPECTED_STASH.json,
      [Annotations.originalScrapeConfigsHash]: EXPECTED_STASH.hash,
    };
    const outcome = mutateCollector(object, CONTEXT);
    const result = mutated(outcome);
    expect(readStash(result)).toEqual({ status: 'absent' });
    expect(spec(result).config).toEqual({ receivers: { otlp: {} } });
    expect(outcome.kind === 'mutated' && outcome.warnings).toContain(
      'spec.config has no receiver named "prometheus": there is nothing to rewrite',
    );
  });
});

describe('mutateCollector target_allocator rewrite', () => {
  const block = {
    endpoint: ALLOCATOR,
    interval: '10s',
    collector_id: '${env:POD_NAME}',
    http_sd_config: { refresh_interval: '10s' },
  };
  const crEnabled = { prometheusCR: { enabled: true } };

  it('moves scrape_configs to the stash and adds the target_allocator block when prometheusCR is on', () => {
    const result = mutated(mutateCollector(beta([STATIC_JOB], { ta: crEnabled }), CONTEXT));
    const receivers = (spec(result).config as JsonObject).receivers as JsonObject;
    expect(receivers.prometheus).toEqual({ config: {}, target_allocator: block });
    expect(stashOf(result)).toEqual([STATIC_JOB]);
    expect(mutateCollector(result, CONTEXT)).toEqual({ kind: 'unchanged', warnings: [] });
  });

  it('is chosen by the rewrite-mode annotation, and re-applying the original manifest gives the same object', () => {
    const original = beta([STATIC_JOB], {
      annotations: { [Annotations.rewriteMode]: 'target_allocator' },
    });
    const stored = mutated(mutateCollector(original, CONTEXT));
    const resubmitted = structuredClone(stored);
    spec(resubmitted).config = spec(original).config;
    expect(mutated(mutateCollector(resubmitted, CONTEXT))).toEqual(stored);
  });

  it('keeps a user-supplied target_allocator block as written', () => {
    const own = {
      endpoint: 'http://elsewhere:80',
      interval: '10s',
      collector_id: '${env:POD_NAME}',
    };
    const object = beta([STATIC_JOB], { ta: crEnabled });
    const receivers = (spec(object).config as JsonObject).receivers as JsonObject;
    (receivers.prometheus as JsonObject).target_allocator = own;
    const result = mutated(mutateCollector(object, CONTEXT));
    const prometheus = ((spec(result).config as JsonObject).receivers as JsonObject)
      .prometheus as JsonObject;
    expect(prometheus.target_allocator).toEqual(own);
  });

  it('a job added live to a rewritten config joins the stashed jobs', () => {
    const stored = mutated(mutateCollector(beta([STATIC_JOB], { ta: crEnabled }), CONTEXT));
    const edited = structuredClone(stored);
    const receivers = (spec(edited).config as JsonObject).receivers as JsonObject;
    const node = { job_name: 'node', static_configs: [{ targets: ['n:9100'] }] };
    ((receivers.prometheus as JsonObject).config as JsonObject).scrape_configs = [node];
    expect(stashOf(mutated(mutateCollector(edited, CONTEXT)))).toEqual([STATIC_JOB, node]);
  });

  it('switching the rewrite mode back to http_sd restores the stashed jobs', () => {
    const stored = mutated(
      mutateCollector(
        beta([STATIC_JOB], { annotations: { [Annotations.rewriteMode]: 'target_allocator' } }),
        CONTEXT,
      ),
    );
    const switched = structuredClone(stored);
    (switched.metadata as JsonObject).annotations = {
      ...((stored.metadata as JsonObject).annotations as JsonObject),
      [Annotations.rewriteMode]: 'http_sd',
    };
    const result = mutated(mutateCollector(switched, CONTEXT));
    const direct = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    expect(spec(result).config).toEqual({ ...(spec(direct).config as JsonObject) });
    expect(stashOf(result)).toEqual([STATIC_JOB]);
  });
});

describe('mutateCollector denials', () => {
  const denied = (object: unknown): string => {
    const outcome = mutateCollector(object, CONTEXT);
    if (outcome.kind !== 'denied') throw new Error(`expected a denial, got ${outcome.kind}`);
    return outcome.message;
  };
  const alpha = (config: unknown): JsonObject => ({
    ...fixture('v1alpha1'),
    spec: { mode: 'statefulset', targetAllocator: { enabled: true }, config },
  });

  it('denies a config string that is not YAML', () => {
    expect(denied(alpha('receivers: [unclosed'))).toMatch(
      /^spec\.config is not valid YAML .*; fix the YAML syntax/,
    );
  });

  it('denies a config of the wrong type for its version', () => {
    expect(denied(alpha({ receivers: {} }))).toBe(
      'spec.config is an object; write it as a YAML string (v1alpha1) or an object (v1beta1)',
    );
    expect(
      denied({
        ...beta([]),
        spec: { targetAllocator: { enabled: true }, config: 'receivers: {}' },
      }),
    ).toContain('spec.config is a string');
    expect(denied(alpha('- a\n- b\n'))).toContain('spec.config holds a list');
  });

  it('denies an unknown rewrite mode', () => {
    expect(
      denied(beta([STATIC_JOB], { annotations: { [Annotations.rewriteMode]: 'sharded' } })),
    ).toBe(
      `annotation ${Annotations.rewriteMode} is "sharded"; set it to http_sd or target_allocator`,
    );
  });

  it('denies a prometheus receiver that is not a map, and malformed scrape configs', () => {
    const notMap = beta([]);
    spec(notMap).config = { receivers: { prometheus: 'yes' } };
    expect(denied(notMap)).toContain('receivers.prometheus is a string; it must be a map');
    expect(denied(beta([{ scrape_interval: '5s' }]))).toContain('[0] has no job_name');
    expect(denied(beta([STATIC_JOB, STATIC_JOB]))).toContain(
      '"otel-collector" appears more than once',
    );
    const notList = beta([]);
    spec(notList).config = { receivers: { prometheus: { config: { scrape_configs: { a: 1 } } } } };
    expect(denied(notList)).toContain('must be a list of scrape configs');
  });

  it('says a job_name that YAML reads as a number must be quoted, instead of calling it missing', () => {
    const config = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: 9100
        static_configs:
        - targets: ['node:9100']
`;
    expect(denied(alpha(config))).toBe(
      'receivers.prometheus.config.scrape_configs[0].job_name is the number 9100, not a string; quote it (job_name: "9100")',
    );
  });

  it('denies a static target written as a URL, as Prometheus refuses it, saying what to write', () => {
    const config = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: node
        static_configs:
        - targets: ['node:9100']
        - targets: ['node:9100', 'http://scraper:s3cret@node:9101/metrics']
`;
    expect(denied(alpha(config))).toBe(
      `receivers.prometheus.config.scrape_configs[0].static_configs[1].targets[1] "http://scraper:xxxxx@node:9101/metrics" is not a valid hostname (Prometheus refuses it); write host:port alone and set the job's scheme and metrics_path`,
    );
  });

  it('accepts a URL target in a job with relabel_configs, as Prometheus does (blackbox probes)', () => {
    const config = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: blackbox
        static_configs:
        - targets: ['https://example.com/health']
        relabel_configs:
        - source_labels: [__address__]
          target_label: __param_target
        - target_label: __address__
          replacement: blackbox:9115
`;
    expect(mutateCollector(alpha(config), CONTEXT).kind).not.toBe('denied');
  });

  it('denies a config whose aliases expand past the reading budget (billion laughs)', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(denied(alpha(`${levels.join('\n')}\n`))).toContain(
      'too large once its aliases are expanded',
    );
  });

  it('counts the config text the conversion keeps on the stored v1beta1 object, so an allowed v1alpha1 collector fits Kubernetes once stored', () => {
    let config = 'receivers:\n  prometheus:\n    config:\n      scrape_configs:\n';
    for (let i = 0; i < 400; i++) {
      config += `      # job ${i}\n      - job_name: job-${i}\n        scrape_interval: 30s\n        static_configs:\n        - targets: ['host-${i}-a.example.com:9100', 'host-${i}-b.example.com:9100', 'host-${i}-c.example.com:9100']\n          labels: {team: payments, env: production}\n`;
    }
    const manifest = alpha(config);
    // kubectl apply (client-side) keeps the manifest in an annotation too.
    manifest.metadata = {
      name: 'collector-with-ta',
      namespace: 'observability',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(manifest)}\n`,
      },
    };
    const outcome = mutateCollector(manifest, CONTEXT);
    if (outcome.kind === 'mutated') {
      const stored = convertCollector(outcome.object, 'opentelemetry.io/v1beta1');
      const annotations = (stored.metadata as JsonObject).annotations as Record<string, string>;
      const bytes = Object.entries(annotations).reduce(
        (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(262144);
    } else {
      expect(outcome.kind).toBe('denied');
      expect(outcome.kind === 'denied' && outcome.message).toContain(
        `${Annotations.v1alpha1ConfigText}`,
      );
    }
  });

  it('denies a config nested deeper than it can walk with a 400 that says so, not an internal error', () => {
    // The API server's JSON decoder accepts up to 10000 levels.
    let deep: unknown = [];
    for (let level = 0; level < 9000; level++) deep = [deep];
    const outcome = mutateCollector(beta([{ ...STATIC_JOB, params: { x: deep } }]), CONTEXT);
    expect(outcome).toMatchObject({ kind: 'denied', code: 400 });
    expect(outcome.kind === 'denied' && outcome.message).toBe(
      'spec nests maps and lists too deeply for otel-ta to read; flatten the deeply nested value in spec.config',
    );
  });

  it('keeps quoted number-like strings quoted when the config must be re-serialised whole', () => {
    // The anchor on job a's static_configs is aliased from another receiver: an edit in place
    // would cut it, so the whole config is written anew.
    const config = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: a
        static_configs: &t
        - targets: ['y:1']
          labels: {build: '1_000', flags: "0b1"}
  prometheus/self:
    config:
      scrape_configs:
      - job_name: self
        static_configs: *t
`;
    const outcome = mutateCollector(alpha(config), CONTEXT);
    const text = spec(mutated(outcome)).config as string;
    expect(text).toContain('build: "1_000"');
    expect(text).toContain('flags: "0b1"');
    expect(mutateCollector(mutated(outcome), CONTEXT).kind).toBe('unchanged');
  });

  it('denies a stash too large for annotations instead of truncating it', () => {
    const jobs = Array.from({ length: 400 }, (_, i) => ({
      job_name: `job-${i}`,
      static_configs: [
        { targets: Array.from({ length: 20 }, (_, t) => `host-${i}-${t}.example.com:9100`) },
      ],
    }));
    const outcome = mutateCollector(beta(jobs), CONTEXT);
    expect(outcome.kind).toBe('denied');
    expect(outcome.kind === 'denied' && outcome.code).toBe(422);
    expect(outcome.kind === 'denied' && outcome.message).toContain(
      'split the scrape jobs across several collectors',
    );
  });
});

describe('mutateCollector refresh interval', () => {
  const refreshOf = (object: JsonObject): unknown =>
    (scrapeConfigsOf(object)[0]?.http_sd_configs as JsonObject[])[0]?.refresh_interval;
  const taBlockOf = (object: JsonObject): unknown =>
    (((spec(object).config as JsonObject).receivers as JsonObject).prometheus as JsonObject)
      .target_allocator;
  const outcomeDenial = (object: JsonObject, context = CONTEXT): string => {
    const outcome = mutateCollector(object, context);
    if (outcome.kind !== 'denied') throw new Error(`expected a denial, got ${outcome.kind}`);
    return outcome.message;
  };

  it('takes the annotation, else collectorTargetReloadInterval, else the webhook setting, else 10s', () => {
    expect(refreshOf(mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT)))).toBe('10s');
    const webhook = { ...CONTEXT, settings: { ...CONTEXT.settings, refreshInterval: '15s' } };
    expect(refreshOf(mutated(mutateCollector(beta([STATIC_JOB]), webhook)))).toBe('15s');
    const field = beta([STATIC_JOB], { ta: { collectorTargetReloadInterval: '1m30s' } });
    expect(refreshOf(mutated(mutateCollector(field, webhook)))).toBe('1m30s');
    const annotated = beta([STATIC_JOB], {
      annotations: { [Annotations.refreshInterval]: '20s' },
      ta: { collectorTargetReloadInterval: '1m30s' },
    });
    expect(refreshOf(mutated(mutateCollector(annotated, webhook)))).toBe('20s');
  });

  it('target_allocator mode writes it as the block interval and its http_sd_config refresh_interval', () => {
    const object = beta([STATIC_JOB], {
      annotations: { [Annotations.refreshInterval]: '20s' },
      ta: { prometheusCR: { enabled: true } },
    });
    expect(taBlockOf(mutated(mutateCollector(object, CONTEXT)))).toEqual({
      endpoint: ALLOCATOR,
      interval: '20s',
      collector_id: '${env:POD_NAME}',
      http_sd_config: { refresh_interval: '20s' },
    });
  });

  it('keeps a value already in the config (never flips what is written) and re-mutation yields no patch', () => {
    const first = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    const annotated = structuredClone(first);
    (annotated.metadata as JsonObject).annotations = {
      ...((annotated.metadata as JsonObject).annotations as Record<string, string>),
      [Annotations.refreshInterval]: '30s',
    };
    // The config says 10s: kept. Re-applying the original manifest (no http_sd entry) takes 30s.
    expect(mutateCollector(annotated, CONTEXT)).toEqual({ kind: 'unchanged', warnings: [] });
    expect(mutateCollector(first, CONTEXT)).toEqual({ kind: 'unchanged', warnings: [] });
    const block = {
      endpoint: ALLOCATOR,
      interval: '45s',
      collector_id: '${env:POD_NAME}',
      http_sd_config: { refresh_interval: '45s' },
    };
    const withBlock = beta([], { ta: { prometheusCR: { enabled: true } } });
    (
      ((spec(withBlock).config as JsonObject).receivers as JsonObject).prometheus as JsonObject
    ).target_allocator = block;
    delete (
      ((spec(withBlock).config as JsonObject).receivers as JsonObject).prometheus as JsonObject
    ).config;
    expect(taBlockOf(mutated(mutateCollector(withBlock, CONTEXT)))).toEqual(block);
  });

  it('fills the refresh interval into an older rewrite (url only) and a block on this allocator that has none', () => {
    const older = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    (scrapeConfigsOf(older)[0]!.http_sd_configs as JsonObject[])[0] = {
      url: targetsUrl('otel-collector'),
    };
    const result = mutated(mutateCollector(older, CONTEXT));
    expect(refreshOf(result)).toBe('10s');
    expect(stashOf(result)).toEqual([STATIC_JOB]);
  });

  it.each([
    [
      { annotations: { [Annotations.refreshInterval]: 'often' } },
      'annotation otel-ta.dev/refresh-interval is "often", not a duration; write a duration between 1s and 5m, such as 10s',
    ],
    [
      { annotations: { [Annotations.refreshInterval]: '0s' } },
      'collectors would poll the allocator without pause',
    ],
    [{ annotations: { [Annotations.refreshInterval]: '500ms' } }, 'more than once a second'],
    [
      { annotations: { [Annotations.refreshInterval]: '10m' } },
      'targets moved between collectors would go unscraped for that long',
    ],
    [
      { ta: { collectorTargetReloadInterval: 'soon' } },
      'spec.targetAllocator.collectorTargetReloadInterval is "soon", not a duration',
    ],
  ])('denies an invalid refresh interval with what to write (%#)', (extra, message) => {
    expect(outcomeDenial(beta([STATIC_JOB], extra))).toContain(message);
  });

  it('denies an invalid refresh_interval kept in a rewritten job', () => {
    const first = mutated(mutateCollector(beta([STATIC_JOB]), CONTEXT));
    (scrapeConfigsOf(first)[0]!.http_sd_configs as JsonObject[])[0]!.refresh_interval = '0s';
    expect(outcomeDenial(first)).toContain(
      'scrape job "otel-collector" http_sd_configs[0].refresh_interval is 0s',
    );
  });
});
