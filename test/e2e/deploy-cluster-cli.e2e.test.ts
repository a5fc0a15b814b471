import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalClusterState } from './harness/cluster.js';
import { isRunning, stopPid } from './harness/cluster-processes.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What `npm run cluster:up|down` runs, with the state in a directory of the test's own. */
function clusterCli(command: 'up' | 'down', stateDir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, OTEL_TA_CLUSTER_DIR: stateDir };
  delete env['KUBECONFIG'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/e2e/harness/cluster-cli.ts', command],
      { cwd: repoRoot, env, timeout: 600_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function kubectl(kubeconfig: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : 1, stdout, stderr });
    });
  });
}

describe('npm run cluster:up / cluster:down', () => {
  let stateDir = '';
  let pids: number[] = [];

  afterAll(async () => {
    // Only if the test failed half-way: nothing may outlive it.
    for (const pid of pids) await stopPid(pid);
    if (stateDir !== '') await rm(stateDir, { recursive: true, force: true });
  });

  it('up leaves the control plane, webhook and controller running after it exits and prints the kubeconfig last; down stops them all', async () => {
    stateDir = join(await mkdtemp(join(tmpdir(), 'otel-ta-cluster-cli-')), 'state');
    const up = await clusterCli('up', stateDir);
    expect(up.stderr).toContain('npm run cluster:down');
    expect(up.code).toBe(0);
    const state = JSON.parse(
      await readFile(join(stateDir, 'state.json'), 'utf8'),
    ) as LocalClusterState;
    pids = Object.values(state.pids);
    expect(Object.keys(state.pids).sort()).toEqual([
      'controller',
      'etcd',
      'kube-apiserver',
      'webhook',
    ]);
    expect(up.stdout.trimEnd().split('\n').at(-1)).toBe(state.kubeconfigPath);

    // The command has exited; everything it started still serves.
    for (const pid of pids) expect(isRunning(pid)).toBe(true);
    const crd = await kubectl(state.kubeconfigPath, [
      'get',
      'crd',
      'opentelemetrycollectors.opentelemetry.io',
      '-o',
      'jsonpath={.spec.conversion.webhook.clientConfig.url}',
    ]);
    expect(crd.stdout).toBe(`${state.webhookUrl}/convert`);
    const lease = await kubectl(state.kubeconfigPath, [
      'get',
      'lease',
      'otel-ta-controller',
      '-n',
      'otel-ta-system',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    expect(lease.stdout).not.toBe('');

    const again = await clusterCli('up', stateDir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already running');

    const down = await clusterCli('down', stateDir);
    expect(down.code).toBe(0);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });
});
