/**
 * A local otel-ta cluster: the real control plane (etcd + kube-apiserver), the deploy/ overlay's CRD,
 * RBAC and webhook configurations pointed at a webhook on 127.0.0.1, and the webhook and controller
 * running from the working tree as separate processes. `npm run cluster:up` and the kubectl e2e
 * scenarios both start it through startLocalCluster(), so what people try is what is tested.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caBundle,
  createCertificateAuthority,
  issueServingCertificate,
  writeCertificateFiles,
  type CertificateFilePaths,
  type CertificateKeyPair,
} from '../../../src/certs/index.js';
import { buildOverlay, localObjects, policyOf } from './cluster-manifests.js';
import {
  freeLoopbackPort,
  httpsStatus,
  startOtelTa,
  waitForProcess,
  type OtelTaProcess,
} from './cluster-processes.js';
import {
  findRepoRoot,
  startControlPlane,
  type ControlPlane,
  type KubectlResult,
} from './control-plane.js';

export const SYSTEM_NAMESPACE = 'otel-ta-system';
/** The identity the controller runs as: its deployed ServiceAccount, bound by the overlay's RBAC. */
export const CONTROLLER_IDENTITY = `system:serviceaccount:${SYSTEM_NAMESPACE}:otel-ta-controller`;

export interface LocalClusterOptions {
  /** Certificates, kubeconfigs, policy and logs. Default: a fresh directory under the OS tmp. */
  stateDir?: string;
  /** Let every process outlive this one (cluster:up); stop them later by pid. Default false. */
  detached?: boolean;
  /** A directory under deploy/overlays. Default `standalone`. */
  overlay?: string;
  /** The webhook's policy file content. Default: the overlay's otel-ta-policy ConfigMap. */
  policy?: string;
  /** Run the controller too. Default true. */
  controller?: boolean;
}

/** Everything cluster:down needs to find again. */
export interface LocalClusterState {
  readonly kubeconfigPath: string;
  readonly serverUrl: string;
  readonly webhookUrl: string;
  readonly stateDir: string;
  readonly pids: Readonly<Record<string, number>>;
}

export interface LocalCluster {
  readonly controlPlane: ControlPlane;
  readonly kubeconfigPath: string;
  /** `https://127.0.0.1:<port>`; the webhook configurations call `<url>/mutate` etc. */
  readonly webhookUrl: string;
  readonly stateDir: string;
  readonly certificates: CertificateFilePaths;
  readonly policyFile: string;
  readonly logDir: string;
  kubectl(args: string[], opts?: { input?: string; kubeconfig?: string }): Promise<KubectlResult>;
  /** Replaces the policy file and waits until the webhook has reloaded it. */
  setPolicy(yaml: string): Promise<void>;
  /** Replaces the serving certificate with a new one from the same CA; waits for the reload. */
  rotateServingCertificate(): Promise<void>;
  stopWebhook(): Promise<void>;
  /** Starts the webhook again on the same address with the current files. */
  startWebhook(): Promise<void>;
  state(): LocalClusterState;
  stop(): Promise<void>;
}

const WEBHOOK_READY_TIMEOUT_MS = 60_000;
const CONTROLLER_READY_TIMEOUT_MS = 60_000;
const RELOAD_TIMEOUT_MS = 30_000;

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const repoRoot = findRepoRoot();
  const detached = options.detached ?? false;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'otel-ta-cluster-')));
  const logDir = join(stateDir, 'logs');
  await mkdir(logDir, { recursive: true });

  // Built before anything starts: a broken overlay fails in a second, not after the apiserver.
  const overlay = await buildOverlay(
    join(repoRoot, 'deploy', 'overlays', options.overlay ?? 'standalone'),
  );
  const controlPlane = await startControlPlane({
    workDir: join(stateDir, 'control-plane'),
    logDir,
    detached,
  });
  const processes: OtelTaProcess[] = [];
  const stopProcesses = async (): Promise<void> => {
    for (const p of processes.splice(0).reverse()) await p.stop();
  };
  try {
    const ca = createCertificateAuthority({ commonName: 'otel-ta-local-ca', validityDays: 30 });
    const certificates = await writeServingCertificate(join(stateDir, 'certs'), ca);
    const policyFile = join(stateDir, 'policy.yaml');
    await writeFile(policyFile, options.policy ?? policyOf(overlay) ?? '');

    const port = await freeLoopbackPort();
    const webhookUrl = `https://127.0.0.1:${port}`;
    const launch: WebhookLaunch = { repoRoot, port, certificates, policyFile, logDir, detached };
    let webhook = await startWebhook(launch);
    processes.push(webhook);

    const objects = localObjects(overlay, webhookUrl, caBundle(ca.certPem));
    await kubectlOk(controlPlane, ['apply', '-f', '-'], listOf(objects));
    // with-upstream-operator has no CRD: the upstream operator's is installed by the caller.
    if (objects.some((o) => o.kind === 'CustomResourceDefinition')) {
      await kubectlOk(controlPlane, [
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/opentelemetrycollectors.opentelemetry.io',
      ]);
    }

    if (options.controller ?? true) {
      const kubeconfig = await controlPlane.makeKubeconfig(CONTROLLER_IDENTITY, [
        'system:serviceaccounts',
        `system:serviceaccounts:${SYSTEM_NAMESPACE}`,
      ]);
      processes.push(await startController(repoRoot, controlPlane, kubeconfig, logDir, detached));
    }

    const metric = async (name: string): Promise<number> =>
      sumMetric(await httpsText(`${webhookUrl}/metrics`, ca.certPem), name);
    const waitForReload = async (name: string, before: number): Promise<void> => {
      await waitForProcess(webhook, `${name} to increase`, RELOAD_TIMEOUT_MS, async () => {
        return (await metric(name)) > before;
      });
    };
    let stopped: Promise<void> | undefined;
    return {
      controlPlane,
      kubeconfigPath: controlPlane.kubeconfigPath,
      webhookUrl,
      stateDir,
      certificates,
      policyFile,
      logDir,
      kubectl: (args, opts) => controlPlane.kubectl(args, opts),
      setPolicy: async (yaml) => {
        const before = await metric('otel_ta_policy_reloads_total');
        await writeFile(policyFile, yaml);
        await waitForReload('otel_ta_policy_reloads_total', before);
      },
      rotateServingCertificate: async () => {
        const before = await metric('otel_ta_webhook_tls_reloads_total');
        await writeServingCertificate(join(stateDir, 'certs'), ca);
        await waitForReload('otel_ta_webhook_tls_reloads_total', before);
      },
      stopWebhook: async () => {
        await webhook.stop();
      },
      startWebhook: async () => {
        if (webhook.exitStatus() === undefined) return;
        const index = processes.indexOf(webhook);
        webhook = await startWebhook(launch);
        processes[index] = webhook;
      },
      state: () => ({
        kubeconfigPath: controlPlane.kubeconfigPath,
        serverUrl: controlPlane.serverUrl,
        webhookUrl,
        stateDir,
        pids: {
          ...Object.fromEntries(processes.map((p) => [p.name, p.pid])),
          etcd: controlPlane.pids.etcd,
          'kube-apiserver': controlPlane.pids.apiserver,
        },
      }),
      stop: () => {
        stopped ??= stopProcesses().then(() => controlPlane.stop());
        return stopped;
      },
    };
  } catch (err) {
    await stopProcesses();
    await controlPlane.stop();
    throw err;
  }
}

async function writeServingCertificate(
  directory: string,
  ca: CertificateKeyPair,
): Promise<CertificateFilePaths> {
  const serving = issueServingCertificate(ca, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityDays: 30,
  });
  return writeCertificateFiles(directory, ca, serving);
}

interface WebhookLaunch {
  readonly repoRoot: string;
  readonly port: number;
  readonly certificates: CertificateFilePaths;
  readonly policyFile: string;
  readonly logDir: string;
  readonly detached: boolean;
}

async function startWebhook(launch: WebhookLaunch): Promise<OtelTaProcess> {
  const { repoRoot, port, certificates, policyFile, logDir, detached } = launch;
  const webhook = startOtelTa(
    repoRoot,
    'webhook',
    [
      'webhook',
      `--tls-cert-file=${certificates.tlsCert}`,
      `--tls-key-file=${certificates.tlsKey}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--policy-file=${policyFile}`,
    ],
    logDir,
    detached,
  );
  const ca = await readFile(certificates.caCert, 'utf8');
  await waitForProcess(webhook, 'webhook /readyz', WEBHOOK_READY_TIMEOUT_MS, async () => {
    return (await httpsStatus(`https://127.0.0.1:${port}/readyz`, ca)) === 200;
  });
  return webhook;
}

async function startController(
  repoRoot: string,
  controlPlane: ControlPlane,
  kubeconfig: string,
  logDir: string,
  detached: boolean,
): Promise<OtelTaProcess> {
  const controller = startOtelTa(
    repoRoot,
    'controller',
    [
      'controller',
      `--kubeconfig=${kubeconfig}`,
      '--standalone',
      '--leader-elect',
      `--leader-election-namespace=${SYSTEM_NAMESPACE}`,
      '--retry-period=1s',
    ],
    logDir,
    detached,
  );
  // Holding the Lease means it has passed its start-up and reconciles.
  await waitForProcess(controller, 'controller lease', CONTROLLER_READY_TIMEOUT_MS, async () => {
    const r = await controlPlane.kubectl([
      'get',
      'lease',
      'otel-ta-controller',
      '-n',
      SYSTEM_NAMESPACE,
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    return r.code === 0 && r.stdout !== '';
  });
  return controller;
}

function listOf(items: readonly unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

async function kubectlOk(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function httpsText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Sum of a counter over all its label sets in Prometheus text format. */
function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
