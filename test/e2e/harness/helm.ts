/**
 * The real helm CLI (test/e2e/support/helm-binary.ts) against the chart in deploy/helm/otel-ta.
 * Each call gets its own temporary HELM_*_HOME, so no machine-wide helm configuration, repository
 * or plugin takes part and parallel runs never share state.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../support/helm-binary.js';
import type { KubeObject } from './cluster-manifests.js';

export const CHART_DIR = fileURLToPath(new URL('../../../deploy/helm/otel-ta', import.meta.url));

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const HELM_TIMEOUT_MS = 180_000;
let helmHome: Promise<string> | undefined;

/** Runs helm; a non-zero exit is a result, not an error. `kubeconfig` for commands that reach a cluster. */
export async function helm(args: readonly string[], kubeconfig?: string): Promise<HelmResult> {
  const binary = await helmBinary();
  helmHome ??= mkdtemp(join(tmpdir(), 'otel-ta-helm-'));
  const home = await helmHome;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  if (kubeconfig !== undefined) env['KUBECONFIG'] = kubeconfig;
  return new Promise((resolve) => {
    execFile(
      binary,
      [...args],
      { env, timeout: HELM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `helm template` of the chart as release `otel-ta` in `namespace` with `--set` values; throws on failure. */
export async function renderChart(
  namespace: string,
  values: Readonly<Record<string, string>> = {},
): Promise<KubeObject[]> {
  const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const r = await helm(['template', 'otel-ta', CHART_DIR, '--namespace', namespace, ...sets]);
  if (r.code !== 0) throw new Error(`helm template failed (exit ${r.code}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
