import { join } from 'node:path';
import type { ControlPlane } from '../harness/control-plane.js';
import { cachedBuildOutput } from './cached-build.js';

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
 * the tests and passes the directory in OTEL_TA_PROMETHEUS_OPERATOR_CRDS (see cached-build.ts).
 */
export function prometheusOperatorCrdDir(): Promise<string> {
  return cachedBuildOutput('fetch-prometheus-operator-crds.sh', 'OTEL_TA_PROMETHEUS_OPERATOR_CRDS');
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
