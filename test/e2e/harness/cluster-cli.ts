/**
 * `npm run cluster:up` / `npm run cluster:down`: the local cluster of test/e2e/harness/cluster.ts,
 * left running after the command exits. State (pids, kubeconfig, logs) lives in .cluster/ at the
 * repository root (git-ignored), or in $OTEL_TA_CLUSTER_DIR; `up` prints the kubeconfig path on its
 * last line.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalClusterState } from './cluster.js';
import { isRunning, stopPid } from './cluster-processes.js';

const repoRoot = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
const stateDir = process.env['OTEL_TA_CLUSTER_DIR'] ?? join(repoRoot, '.cluster');
const stateFile = join(stateDir, 'state.json');
// Stopped in this order: our processes first, then the control plane they talk to.
const STOP_ORDER = ['controller', 'webhook', 'kube-apiserver', 'etcd'];

async function readState(): Promise<LocalClusterState | undefined> {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(await readFile(stateFile, 'utf8')) as LocalClusterState;
}

async function up(): Promise<void> {
  const previous = await readState();
  if (previous && Object.values(previous.pids).some(isRunning)) {
    console.error(
      `a local cluster is already running (${stateFile}); run npm run cluster:down first`,
    );
    process.exitCode = 2;
    return;
  }
  await rm(stateDir, { recursive: true, force: true });
  console.error('starting etcd, kube-apiserver, the otel-ta webhook and controller ...');
  const cluster = await startLocalCluster({ stateDir, detached: true });
  const state = cluster.state();
  await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n');
  console.error(`API server   ${state.serverUrl}`);
  console.error(`webhook      ${state.webhookUrl}`);
  console.error(`logs         ${join(stateDir, 'logs')}`);
  console.error(`policy file  ${cluster.policyFile} (edit it; the webhook reloads it)`);
  console.error(`try:         export KUBECONFIG=${state.kubeconfigPath}`);
  console.error('stop:        npm run cluster:down');
  console.log(state.kubeconfigPath);
}

async function down(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.error(`no local cluster recorded in ${stateFile}; nothing to stop`);
    return;
  }
  const names = [
    ...STOP_ORDER.filter((n) => n in state.pids),
    ...Object.keys(state.pids).filter((n) => !STOP_ORDER.includes(n)),
  ];
  for (const name of names) {
    const pid = state.pids[name];
    if (pid === undefined) continue;
    await stopPid(pid);
    console.error(`stopped ${name} (pid ${pid})`);
  }
  await rm(stateDir, { recursive: true, force: true });
}

const command = process.argv[2];
if (command === 'up') await up();
else if (command === 'down') await down();
else {
  console.error('usage: cluster-cli.ts up|down');
  process.exitCode = 2;
}
