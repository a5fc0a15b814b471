import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../harness/control-plane.js';

/** The prometheus-operator kinds the allocator reads, by the plural in the CRD's file name. */
export const PROMETHEUS_OPERATOR_KINDS = [
  'servicemonitors',
  'podmonitors',
  'scrapeconfigs',
  'probes',
] as const;

/**
 * prometheus-operator's own CRDs (v0.85.0, from the Go module proxy), fetched and cached outside
 * the repo by scripts/fetch-prometheus-operator-crds.sh. scripts/test-all.sh fetches them before
 * the tests and passes the directory in OTEL_TA_PROMETHEUS_OPERATOR_CRDS; run alone, a test
 * fetches them here. A failed fetch throws with the script's output: the tests fail, never skip.
 */
let located: Promise<string> | undefined;

export function prometheusOperatorCrdDir(): Promise<string> {
  located ??= locate();
  return located;
}

/**
 * Installs the four CRDs on a control plane and waits until they are served. Server-side apply:
 * the ScrapeConfig CRD (~690 kB) is larger than the last-applied annotation allows.
 */
export async function installPrometheusOperatorCrds(cp: ControlPlane): Promise<void> {
  const dir = await prometheusOperatorCrdDir();
  const files = PROMETHEUS_OPERATOR_KINDS.flatMap((kind) => [
    '-f',
    join(dir, `monitoring.coreos.com_${kind}.yaml`),
  ]);
  await kubectl(cp, ['apply', '--server-side', '--field-manager=otel-ta-tests', ...files]);
  await kubectl(cp, [
    'wait',
    '--for=condition=established',
    '--timeout=60s',
    ...PROMETHEUS_OPERATOR_KINDS.map((kind) => `crd/${kind}.monitoring.coreos.com`),
  ]);
}

async function kubectl(cp: ControlPlane, args: string[]): Promise<void> {
  const r = await cp.kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
}

async function locate(): Promise<string> {
  const fromEnv = process.env['OTEL_TA_PROMETHEUS_OPERATOR_CRDS'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) {
      throw new Error(`OTEL_TA_PROMETHEUS_OPERATOR_CRDS=${fromEnv} does not exist`);
    }
    return fromEnv;
  }
  const script = join(repoRoot(), 'scripts', 'fetch-prometheus-operator-crds.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const dir = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !existsSync(dir)) {
    throw new Error(
      `scripts/fetch-prometheus-operator-crds.sh exited ${code}; its output:\n${stderr.slice(-4000)}`,
    );
  }
  return dir;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'fetch-prometheus-operator-crds.sh'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('scripts/fetch-prometheus-operator-crds.sh not found');
    dir = parent;
  }
  return dir;
}
