import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { UsageError } from '../../errors.js';
import type { Target, TargetGroup } from '../model.js';
import { DiscoveryManager } from './discovery-manager.js';
import { planJob, type JobPlan } from './job-plan.js';
import { ManualClock } from './manual-clock.js';
import type { DiscoveryProvider, TargetGroupSink } from './provider.js';
import { DiscoveryRegistry } from './registry.js';
import { staticProviderFactory } from './static-provider.js';

/** A provider the test drives by hand: `emit` stands for whatever the mechanism discovered. */
class HandProvider implements DiscoveryProvider {
  sink: TargetGroupSink | undefined;
  stopped = false;
  start(sink: TargetGroupSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  emit(source: string, ...addresses: string[]): void {
    this.sink?.([{ source, targets: addresses.map((a) => ({ __address__: a })), labels: {} }]);
  }
  /** Everything the provider has now, one group per address, sources in the order given. */
  emitComplete(groups: Record<string, string>): void {
    this.sink?.(
      Object.entries(groups).map(([source, address]) => ({
        source,
        targets: [{ __address__: address }],
        labels: {},
      })),
      true,
    );
  }
}

function toTargets(job: string, groups: readonly TargetGroup[]): Target[] {
  return groups.flatMap((g) =>
    g.targets.map((t) => {
      const address = t.__address__ ?? '';
      return { id: `${job}/${address}`, job, address, labels: t, nodeName: undefined };
    }),
  );
}

function handJob(
  name: string,
  providers: Record<string, HandProvider>,
  fingerprint = 'v1',
): JobPlan {
  return {
    name,
    discoveryFingerprint: fingerprint,
    providers: Object.entries(providers).map(([key, provider]) => ({
      key,
      mechanism: 'hand',
      provider,
    })),
    buildTargets: (groups) => toTargets(name, groups),
  };
}

function setup() {
  const clock = new ManualClock();
  const writes: { job: string; addresses: string[] }[] = [];
  const manager = new DiscoveryManager({
    writer: {
      setJobTargets: (job, targets) =>
        writes.push({ job, addresses: targets.map((t) => t.address).sort() }),
    },
    logger: silentLogger(),
    clock,
    coalesceMs: 50,
  });
  return { clock, writes, manager };
}

describe('DiscoveryManager', () => {
  it('coalesces a burst of events into one recompute, 50 ms after the first event', async () => {
    const { clock, writes, manager } = setup();
    const p = new HandProvider();
    await manager.apply([handJob('a', { 'x/0': p })]);
    clock.advance(50);
    writes.length = 0;
    for (let i = 0; i < 100; i++) p.emit(`s${i}`, `10.0.0.${i}:80`);
    clock.advance(49);
    expect(writes).toEqual([]);
    clock.advance(1);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.addresses).toHaveLength(100);
  });

  it('recomputes only the jobs whose groups changed', async () => {
    const { clock, writes, manager } = setup();
    const a = new HandProvider();
    const b = new HandProvider();
    await manager.apply([handJob('a', { 'x/0': a }), handJob('b', { 'x/0': b })]);
    clock.advance(50);
    writes.length = 0;
    b.emit('s', 'b:1');
    clock.advance(50);
    expect(writes).toEqual([{ job: 'b', addresses: ['b:1'] }]);
  });

  it('merges groups by provider and source; an empty group clears its source', async () => {
    const { clock, writes, manager } = setup();
    const p1 = new HandProvider();
    const p2 = new HandProvider();
    await manager.apply([handJob('a', { 'x/0': p1, 'x/1': p2 })]);
    p1.emit('same', 'one:1');
    p2.emit('same', 'two:1');
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['one:1', 'two:1']);
    p1.emit('same');
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['two:1']);
  });

  it('takes a complete list as all a provider has: groups not sent again are gone, updates after it merge by source', async () => {
    const { clock, writes, manager } = setup();
    const p = new HandProvider();
    const ids: string[][] = [];
    const plan = handJob('a', { 'x/0': p });
    // Groups with one identity: the duplicate rule (the lowest address first) picks the one kept.
    const job: JobPlan = {
      ...plan,
      buildTargets: (groups) => {
        const targets = toTargets('a', groups).map((t) => ({ ...t, id: 'same' }));
        ids.push(targets.map((t) => t.address));
        return targets;
      },
    };
    await manager.apply([job]);
    p.emitComplete({ 'f:1': 'one:1', 'f:0': 'zero:1', 'f:2': 'two:1' });
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['one:1']);
    p.emitComplete({ 'f:0': 'zero:1', 'f:2': 'two:1' });
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['two:1']);
    p.emit('f:2');
    p.emit('f:3', 'three:1');
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['three:1']);
    expect(ids.flat()).toEqual(expect.arrayContaining(['three:1']));
  });

  it('keeps the providers of a job whose discovery did not change, replaces those of one that did, and empties a removed job', async () => {
    const { clock, writes, manager } = setup();
    const keep = new HandProvider();
    const old = new HandProvider();
    const gone = new HandProvider();
    await manager.apply([
      handJob('keep', { 'x/0': keep }),
      handJob('change', { 'x/0': old }),
      handJob('gone', { 'x/0': gone }),
    ]);
    old.emit('s', 'old:1');
    gone.emit('s', 'gone:1');
    clock.advance(50);
    const replacement = new HandProvider();
    await manager.apply([
      handJob('keep', { 'x/0': new HandProvider() }),
      handJob('change', { 'x/0': replacement }, 'v2'),
    ]);
    expect(keep.stopped).toBe(false);
    expect(old.stopped).toBe(true);
    expect(gone.stopped).toBe(true);
    expect(writes).toContainEqual({ job: 'gone', addresses: [] });
    clock.advance(50);
    // The old groups serve until the new provider reports, so a reload does not flap to empty.
    const lastFor = (job: string) => writes.filter((w) => w.job === job).at(-1)?.addresses;
    expect(lastFor('change')).toEqual(['old:1']);
    old.emit('s', 'stale:1');
    replacement.emit('other', 'new:1');
    clock.advance(50);
    expect(lastFor('change')).toEqual(['new:1']);
    expect(manager.jobNames()).toEqual(['change', 'keep']);
  });

  it('rebuilds the targets of changed groups only, and deduplicates across groups by id', async () => {
    const { clock, writes, manager } = setup();
    const p = new HandProvider();
    const built: string[] = [];
    const plan = handJob('a', { 'x/0': p });
    await manager.apply([
      {
        ...plan,
        buildTargets: (groups) => {
          built.push(...groups.map((g) => g.source));
          return toTargets('a', groups);
        },
      },
    ]);
    p.emit('s1', 'one:1');
    p.emit('s2', 'two:1', 'one:1');
    clock.advance(50);
    expect(writes.at(-1)?.addresses).toEqual(['one:1', 'two:1']);
    built.length = 0;
    p.emit('s2', 'three:1');
    clock.advance(50);
    expect(built).toEqual(['s2']);
    expect(writes.at(-1)?.addresses).toEqual(['one:1', 'three:1']);
  });

  it('ignores providers after stop', async () => {
    const { clock, writes, manager } = setup();
    const p = new HandProvider();
    await manager.apply([handJob('a', { 'x/0': p })]);
    clock.advance(50);
    writes.length = 0;
    await manager.stop();
    p.emit('s', 'late:1');
    clock.advance(100);
    expect(writes).toEqual([]);
  });
});

describe('planJob', () => {
  const registry = new DiscoveryRegistry().register('static_configs', staticProviderFactory);
  const context = { registry, logger: silentLogger(), baseDir: '/etc' };

  it('names the job and the kind of an unknown service discovery', () => {
    const plan = (): unknown =>
      planJob({ job_name: 'api', consul_sd_configs: [{ server: 'x' }] }, () => [], context);
    expect(plan).toThrow(UsageError);
    expect(plan).toThrow(
      'job "api": consul_sd_configs is not a supported service discovery (supported: static_configs)',
    );
  });

  it('lets another mechanism plug in under its scrape-config key', async () => {
    const seen: unknown[] = [];
    const withK8s = new DiscoveryRegistry().register('kubernetes_sd_configs', (config, ctx) => {
      seen.push({ config, index: ctx.index, job: ctx.job });
      return new HandProvider();
    });
    const plan = planJob(
      { job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod' }, { role: 'node' }] },
      () => [],
      { ...context, registry: withK8s },
    );
    expect(plan.providers.map((p) => p.key)).toEqual([
      'kubernetes_sd_configs/0',
      'kubernetes_sd_configs/1',
    ]);
    expect(seen).toEqual([
      { config: { role: 'pod' }, index: 0, job: 'pods' },
      { config: { role: 'node' }, index: 1, job: 'pods' },
    ]);
    await Promise.resolve();
  });

  it('turns static_configs into one provider with index sources', async () => {
    const plan = planJob(
      {
        job_name: 'web',
        static_configs: [
          { targets: ['a:1'], labels: { env: 'prod' } },
          { targets: ['b:1', 'c:1'] },
        ],
      },
      () => [],
      context,
    );
    const groups: TargetGroup[] = [];
    await plan.providers[0]?.provider.start((g) => groups.push(...g));
    expect(groups).toEqual([
      { source: '0', targets: [{ __address__: 'a:1' }], labels: { env: 'prod' } },
      { source: '1', targets: [{ __address__: 'b:1' }, { __address__: 'c:1' }], labels: {} },
    ]);
  });

  it('rejects a malformed static_configs entry at load', () => {
    const plan = (): unknown =>
      planJob({ job_name: 'web', static_configs: [{ targets: 'a:1' }] }, () => [], context);
    expect(plan).toThrow('job "web": static_configs: group 0: targets must be a list of strings');
  });

  it('rejects a static target given as a URL at load, as Prometheus does, saying what to write', () => {
    const plan = (): unknown =>
      planJob(
        {
          job_name: 'web',
          static_configs: [{ targets: ['a:1'] }, { targets: ['http://u:s3cret@b:1/x'] }],
        },
        () => [],
        context,
      );
    expect(plan).toThrow(
      'job "web": static_configs: group 1: "http://u:xxxxx@b:1/x" is not a valid hostname: give host:port alone and set the job\'s scheme and metrics_path (Prometheus accepts it only in a job with relabel_configs)',
    );
  });

  it('accepts a static target with a / in a job with relabel_configs, as Prometheus does (Probe jobs)', async () => {
    const plan = planJob(
      {
        job_name: 'probe',
        static_configs: [{ targets: ['https://example.com/health'] }],
        relabel_configs: [{ source_labels: ['__address__'], target_label: '__param_target' }],
      },
      () => [],
      context,
    );
    const provider = plan.providers[0]?.provider;
    const seen: unknown[] = [];
    await provider?.start((groups) => seen.push(...groups));
    expect(seen).toEqual([
      { source: '0', targets: [{ __address__: 'https://example.com/health' }], labels: {} },
    ]);
  });

  it('still refuses a URL target when relabel_configs is an empty list', () => {
    const plan = (): unknown =>
      planJob(
        { job_name: 'web', static_configs: [{ targets: ['a:1/x'] }], relabel_configs: [] },
        () => [],
        context,
      );
    expect(plan).toThrow('"a:1/x" is not a valid hostname');
  });
});
