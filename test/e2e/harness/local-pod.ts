/**
 * A stand-in for the kubelet and kube-proxy, which this control plane does not have: runs one pod of
 * an installed Deployment (here the otel-ta webhook + controller pod a Helm release or overlay
 * installed) as local processes, from the Deployment's own container args and volumes, with the
 * downward API's POD_NAMESPACE and POD_NAME in their environment.
 *
 * - volumes: each Secret and ConfigMap a container mounts is written into a local directory, and
 *   every argument under the mount path is pointed there (as the kubelet projects them);
 * - `--listen-addr=:PORT` listens on `hostAddress` on a free port, `--health-addr` on loopback;
 * - the API server reaches the pod through the Service as in a cluster: an EndpointSlice for the
 *   Service names `hostAddress` and that port, and the control plane routes Service calls through
 *   EndpointSlices (startControlPlane({ routeServicesThroughEndpoints: true })), so webhook calls
 *   go through the installed webhook configurations, Service and certificates unchanged;
 * - the controller runs as the Deployment's ServiceAccount, so the installed RBAC is what it holds.
 *
 * What the kubelet would also do and this does not: probes, restarts, resource limits, the
 * securityContext, projected token volumes (the controller gets a kubeconfig for the same
 * ServiceAccount instead). The containers run from the working tree (tsx), not from the image.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtelTaProcess, waitForProcess, type OtelTaProcess } from './cluster-processes.js';
import { freePort } from '../support/processes.js';
import { findRepoRoot, kubectlJson, type ControlPlane } from './control-plane.js';

interface Container {
  name: string;
  args?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string };
}
interface DeploymentSpec {
  spec: {
    template: {
      spec: { serviceAccountName?: string; containers: Container[]; volumes?: Volume[] };
    };
  };
}

export interface LocalPodOptions {
  readonly namespace: string;
  readonly deployment: string;
  /** The Service the webhook container serves behind, and its port's name. */
  readonly service: { readonly name: string; readonly portName: string };
  /** A Secret the webhook container needs that another container (the controller) creates. */
  readonly awaitSecret?: string;
  readonly logDir: string;
  /** Distinguishes the processes of successive rollouts in logs and leader election. */
  readonly podName: string;
}

export interface LocalPod {
  /** `https://<host address>:<port>`, reachable by the API server. */
  readonly webhookUrl: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

/**
 * The machine's first non-loopback IPv4 address: the API server refuses loopback endpoints in an
 * EndpointSlice, so a local process can stand behind a Service only on such an address.
 */
export function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error(
    'local pod: this machine has no non-loopback IPv4 address, and the API server refuses ' +
      'loopback addresses in EndpointSlices; give it one (any interface) to run this test',
  );
}

export async function startLocalPod(cp: ControlPlane, options: LocalPodOptions): Promise<LocalPod> {
  const { namespace } = options;
  const deployment = await kubectlJson<DeploymentSpec>(cp, [
    'get',
    'deployment',
    options.deployment,
    '-n',
    namespace,
  ]);
  const pod = deployment.spec.template.spec;
  const container = (name: string): Container => {
    const found = pod.containers.find((c) => c.name === name);
    if (!found) throw new Error(`local pod: ${options.deployment} has no container ${name}`);
    return found;
  };
  const stateDir = await mkdtemp(join(tmpdir(), `otel-ta-pod-${options.podName}-`));
  const env = { POD_NAMESPACE: namespace, POD_NAME: options.podName };
  const started: OtelTaProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of started.splice(0).reverse()) await p.stop();
    // The projected Secret holds the CA's key; the logs stay in logDir.
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const controller = container('controller');
    const identity = `system:serviceaccount:${namespace}:${pod.serviceAccountName ?? 'default'}`;
    const kubeconfig = await cp.makeKubeconfig(identity, [
      'system:serviceaccounts',
      `system:serviceaccounts:${namespace}`,
    ]);
    const healthPort = await freePort();
    const controllerArgs = (controller.args ?? []).map((a) =>
      a.startsWith('--health-addr=') ? `--health-addr=127.0.0.1:${healthPort}` : a,
    );
    const controllerProcess = startOtelTaProcess(
      findRepoRoot(),
      `${options.podName}-controller`,
      [...controllerArgs, `--kubeconfig=${kubeconfig}`],
      { logDir: options.logDir, detached: false, env },
    );
    started.push(controllerProcess);

    if (options.awaitSecret !== undefined) {
      const secret = options.awaitSecret;
      await waitForProcess(controllerProcess, `Secret ${secret}`, READY_TIMEOUT_MS, async () => {
        const r = await cp.kubectl(['get', 'secret', secret, '-n', namespace]);
        return r.code === 0;
      });
    }

    const webhook = container('webhook');
    const mounts = await projectVolumes(cp, namespace, webhook, pod.volumes ?? [], stateDir);
    const address = hostAddress();
    const port = await freePort(address);
    const webhookArgs = (webhook.args ?? []).map((arg) => {
      if (/^--listen-addr=:\d+$/.test(arg)) return `--listen-addr=${address}:${port}`;
      const mount = mounts.find((m) => arg.includes(`=${m.mountPath}/`));
      return mount ? arg.replace(`=${mount.mountPath}/`, `=${mount.localDir}/`) : arg;
    });
    const webhookProcess = startOtelTaProcess(
      findRepoRoot(),
      `${options.podName}-webhook`,
      webhookArgs,
      { logDir: options.logDir, detached: false, env },
    );
    started.push(webhookProcess);
    const tls = mounts.find((m) => m.files['ca.crt'] !== undefined);
    const ca = tls?.files['ca.crt'];
    if (ca === undefined) throw new Error('local pod: the webhook mounts no Secret with ca.crt');
    const serverName = `${options.service.name}.${namespace}.svc`;
    await waitForProcess(webhookProcess, 'webhook /readyz', READY_TIMEOUT_MS, async () => {
      return (await httpsStatusAs(`https://${address}:${port}/readyz`, ca, serverName)) === 200;
    });

    await applyEndpointSlice(cp, namespace, options.service, address, port);
    return { webhookUrl: `https://${address}:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface ProjectedMount {
  readonly mountPath: string;
  readonly localDir: string;
  readonly files: Readonly<Record<string, string>>;
}

/** Writes each Secret and ConfigMap the container mounts into a local directory, as the kubelet would. */
async function projectVolumes(
  cp: ControlPlane,
  namespace: string,
  container: Container,
  volumes: readonly Volume[],
  stateDir: string,
): Promise<ProjectedMount[]> {
  const mounts: ProjectedMount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((v) => v.name === mount.name);
    let files: Record<string, string> | undefined;
    if (volume?.secret) {
      const secret = await kubectlJson<{ data?: Record<string, string> }>(cp, [
        'get',
        'secret',
        volume.secret.secretName,
        '-n',
        namespace,
      ]);
      files = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      );
    } else if (volume?.configMap) {
      const configMap = await kubectlJson<{ data?: Record<string, string> }>(cp, [
        'get',
        'configmap',
        volume.configMap.name,
        '-n',
        namespace,
      ]);
      files = configMap.data ?? {};
    }
    if (files === undefined) continue;
    const localDir = join(stateDir, mount.name);
    await mkdir(localDir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(localDir, name), content, { mode: 0o600 });
    }
    mounts.push({ mountPath: mount.mountPath, localDir, files });
  }
  return mounts;
}

async function applyEndpointSlice(
  cp: ControlPlane,
  namespace: string,
  service: { readonly name: string; readonly portName: string },
  address: string,
  port: number,
): Promise<void> {
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.name}-local`,
      namespace,
      labels: { 'kubernetes.io/service-name': service.name },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: service.portName, port, protocol: 'TCP' }],
  };
  const r = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(slice) });
  if (r.code !== 0) throw new Error(`local pod: EndpointSlice not applied: ${r.stderr}`);
}

/** GET over HTTPS trusting only `ca`, checking the certificate for `serverName` (the Service's DNS name). */
function httpsStatusAs(url: string, ca: string, serverName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { ca, servername: serverName, agent: false, timeout: 3_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
