// `otel-ta allocator` as a pod runs it: signals while the collector pod watch has not synced. The
// API server is an address where nothing listens (no control plane runs in this test).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/support/processes.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface RunningAllocator {
  readonly stdout: () => string;
  readonly exited: Promise<Exit>;
  readonly kill: () => void;
}

/**
 * Starts the real CLI from source with `configText` and the unreachable API server, and returns
 * once a list or watch has failed at least once: the service is up and waiting for the API server.
 */
async function startUntilListFails(dir: string, configText: string): Promise<RunningAllocator> {
  writeFileSync(join(dir, 'kubeconfig'), KUBECONFIG);
  writeFileSync(join(dir, 'ta.yaml'), configText);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      'allocator',
      '--config-file',
      join(dir, 'ta.yaml'),
      '--kubeconfig-path',
      join(dir, 'kubeconfig'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(
    'a failed list/watch in the log',
    () => Promise.resolve(stdout.includes('list/watch failed') ? true : undefined),
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return { stdout: () => stdout, exited, kill: () => child.kill('SIGTERM') };
}

describe('otel-ta allocator signals', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-runtime-signals-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on SIGTERM while still waiting for the first collector pod list', async () => {
    const allocator = await startUntilListFails(
      dir,
      'listen_addr: 127.0.0.1:0\ncollector_namespace: obs\nconfig:\n  scrape_configs:\n    - job_name: app\n      static_configs: [{targets: ["10.0.0.1:8080"]}]\n',
    );
    expect(allocator.stdout()).toContain('list/watch failed');
    allocator.kill();
    expect(await allocator.exited).toEqual({ code: 0, signal: null });
    expect(allocator.stdout()).toContain('allocator stopped');
  }, 30_000);
});

describe('otel-ta allocator shutdown with a kubernetes_sd job whose API server never answered', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-runtime-signals-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on SIGTERM and logs that it stopped, within the pod grace period', async () => {
    const allocator = await startUntilListFails(
      dir,
      'listen_addr: 127.0.0.1:0\ncollectors: [a]\ncollector_namespace: obs\nconfig:\n  scrape_configs:\n    - job_name: ep\n      kubernetes_sd_configs: [{role: endpoints}]\n',
    );
    expect(allocator.stdout()).toContain('allocator started');
    const killedAt = Date.now();
    allocator.kill();
    expect(await allocator.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    expect(allocator.stdout()).toContain('allocator stopped');
  }, 60_000);
});
