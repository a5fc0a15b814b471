import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/allocator/discovery/clock.js';
import { systemDnsResolver } from '../../src/allocator/discovery/dns-resolver.js';
import { nodeHttpGet } from '../../src/allocator/discovery/http-get.js';
import { createDiscoveryRegistry } from '../../src/allocator/discovery/registry.js';
import { createAllocatorMetrics, type AllocatorMetrics } from '../../src/allocator/metrics.js';
import { AllocatorService } from '../../src/allocator/service.js';
import { loadAllocatorConfig } from '../../src/config/allocator-config.js';
import { silentLogger } from '../../src/observability/logger.js';

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function configYaml(jobs: string): string {
  return `listen_addr: 127.0.0.1:0
collectors: [c-0, c-1, c-2]
config:
  global: {scrape_interval: 15s}
  scrape_configs:
${jobs}`;
}

const FILE_JOB = `    - job_name: files
      file_sd_configs: [{files: [targets/*.json]}]
      relabel_configs:
        - {source_labels: [drop], regex: "yes", action: drop}
`;
const STATIC_JOB = `    - job_name: static
      static_configs: [{targets: ["10.1.0.1:9100", "10.1.0.2:9100"]}]
`;

type Groups = Record<string, { targets: { targets: string[] }[] }>;

describe('allocator service (in-process, real files and HTTP)', () => {
  let dir: string;
  let service: AllocatorService | undefined;
  let metrics: AllocatorMetrics;
  let base: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'allocator-service-'));
    mkdirSync(join(dir, 'targets'));
    writeFileSync(
      join(dir, 'targets', 'a.json'),
      JSON.stringify([
        { targets: ['10.0.0.1:8080', '10.0.0.2:8080'] },
        { targets: ['10.0.0.9:8080'], labels: { drop: 'yes' } },
      ]),
    );
    writeFileSync(join(dir, 'ta.yaml'), configYaml(FILE_JOB + STATIC_JOB));
    metrics = createAllocatorMetrics({ defaultMetrics: false });
    const flags = { configFile: join(dir, 'ta.yaml') };
    const load = () => loadAllocatorConfig(flags, {});
    service = new AllocatorService({
      config: await load(),
      loadConfig: load,
      registry: createDiscoveryRegistry({
        clock: systemClock,
        httpGet: nodeHttpGet,
        resolver: systemDnsResolver(),
        metrics,
      }),
      logger: silentLogger(),
      metrics,
      clock: systemClock,
    });
    await service.start();
    base = `http://127.0.0.1:${service.httpAddress()?.port}`;
  });

  afterEach(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function addressesOf(job: string): Promise<string[]> {
    const res = await fetch(`${base}/jobs/${job}/targets`);
    const body = (await res.json()) as Groups;
    return Object.values(body)
      .flatMap((c) => c.targets.flatMap((g) => g.targets))
      .sort();
  }

  async function jobs(): Promise<string[]> {
    return Object.keys((await (await fetch(`${base}/jobs`)).json()) as object).sort();
  }

  async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<number> {
    const started = performance.now();
    while (!(await check())) {
      if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - started;
  }

  it('serves the file_sd and static targets, filtered by relabel_configs, and is ready', async () => {
    await waitFor(async () => (await jobs()).length === 2);
    expect(await addressesOf('files')).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(await addressesOf('static')).toEqual(['10.1.0.1:9100', '10.1.0.2:9100']);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves a changed file_sd target within 1 second of the file change', async () => {
    await waitFor(async () => (await addressesOf('files')).length === 2);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const address = `10.0.1.${i}:8080`;
      const changedAt = performance.now();
      writeAtomically(join(dir, 'targets', 'a.json'), JSON.stringify([{ targets: [address] }]));
      await waitFor(async () => (await addressesOf('files')).join() === address, 2000);
      samples.push(performance.now() - changedAt);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        file_sd_change_to_served_ms: {
          samples: samples.map(Math.round),
          max: Math.round(sorted.at(-1) ?? 0),
        },
      }),
    );
    expect(sorted.at(-1)).toBeLessThan(1000);
  });

  it('keeps serving the old jobs when the config file becomes invalid, then applies a good one', async () => {
    await waitFor(async () => (await jobs()).length === 2);
    writeAtomically(
      join(dir, 'ta.yaml'),
      configYaml(FILE_JOB + STATIC_JOB) + 'colectors: [typo]\n',
    );
    await waitFor(async () =>
      (await metrics.configReloads.get()).values.some((v) => v.labels.result === 'failure'),
    );
    expect(await jobs()).toEqual(['files', 'static']);
    expect(await addressesOf('static')).toEqual(['10.1.0.1:9100', '10.1.0.2:9100']);

    writeAtomically(join(dir, 'ta.yaml'), configYaml(STATIC_JOB));
    await waitFor(async () => (await jobs()).join() === 'static');
    expect((await metrics.configReloads.get()).values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { result: 'success' }, value: 1 }),
      ]),
    );
  });

  it('reload (SIGHUP path) applies a changed static pool', async () => {
    await waitFor(async () => (await jobs()).length === 2);
    writeFileSync(
      join(dir, 'ta.yaml'),
      configYaml(STATIC_JOB).replace('[c-0, c-1, c-2]', '[solo]'),
    );
    expect(await service?.reload()).toBe(true);
    const body = (await (await fetch(`${base}/jobs/static/targets`)).json()) as Groups;
    expect(Object.keys(body)).toEqual(['solo']);
  });
});
