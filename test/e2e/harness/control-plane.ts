/**
 * A real Kubernetes control plane (etcd + kube-apiserver, no controller-manager, no scheduler, no
 * kubelet) on loopback ports, for end-to-end tests and the local cluster CLI.
 *
 * Binaries come from scripts/build-control-plane.sh (cached outside the repo) unless
 * OTEL_TA_CONTROLPLANE_BIN names a directory holding `etcd`, `kube-apiserver` and `kubectl`; that
 * directory goes first on PATH, so the tests drive the kubectl built at the API server's version.
 *
 * Without a controller-manager nothing garbage-collects, no ServiceAccount "default" is created in
 * new namespaces (so Pods need an explicit ServiceAccount object) and no Pod ever runs: tests create
 * Pods, EndpointSlices and Nodes themselves and patch their status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ControlPlaneOptions {
  /** Certificates, kubeconfigs and etcd data go here. Default: a fresh directory under the OS tmp. */
  workDir?: string;
  /** One log file per component; kept after stop() so a failed run can be read. Default: <workDir>/logs. */
  logDir?: string;
  /**
   * Run the components in their own process groups and let them outlive this Node process (for
   * `npm run cluster:up`); stop them later by their recorded pids. Default false: they share our
   * process group (a Ctrl-C reaches them) and are killed when this process exits.
   */
  detached?: boolean;
  /**
   * Route the API server's calls to webhook Services through their EndpointSlices
   * (`--enable-aggregator-routing`) instead of their ClusterIPs, which nothing routes here (no
   * kube-proxy): a test can then serve a Service from a process on this machine by writing an
   * EndpointSlice with a non-loopback address of it (the API refuses loopback endpoints).
   * Default false.
   */
  routeServicesThroughEndpoints?: boolean;
}

export interface KubectlOptions {
  /** Written to kubectl's standard input (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Run as another identity, e.g. a path returned by makeKubeconfig(). Default: the admin kubeconfig. */
  kubeconfig?: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  /** Admin kubeconfig (client certificate in group system:masters), self-contained. */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  readonly serverUrl: string;
  /** CA that signed the apiserver's serving certificate and every client certificate. */
  readonly caPem: string;
  readonly logDir: string;
  readonly workDir: string;
  /** Versions from test/controlplane/versions.env, i.e. what the binaries were built as. */
  readonly versions: { readonly kubernetes: string; readonly etcd: string };
  /** Process ids of the components, so tests can check that stop() left nothing behind. */
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  /** Runs kubectl against this control plane; a non-zero exit is a result, not an error. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Writes a kubeconfig for a client-certificate identity (CN=user, O=groups) for RBAC tests. */
  makeKubeconfig(user: string, groups: string[]): Promise<string>;
  /** Stops the components (SIGTERM, then SIGKILL after 10 s), deletes etcd's data. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const ETCD_HEALTH_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const KUBECTL_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 250;
const LOG_TAIL_LINES = 30;
const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
const CLUSTER_NAME = 'otel-ta-e2e';

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const repoRoot = findRepoRoot();
  const versions = await readVersions(repoRoot);
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'otel-ta-controlplane-')));
  const logDir = options.logDir ?? join(workDir, 'logs');
  await mkdir(workDir, { recursive: true });
  await mkdir(logDir, { recursive: true });

  const binDir = await locateBinaries(repoRoot, logDir);
  const { etcdClientPort, etcdPeerPort, apiserverPort } = await freeLoopbackPorts();
  const serverUrl = `https://127.0.0.1:${apiserverPort}`;
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const etcdDataDir = join(workDir, 'etcd-data');
  const kubeconfigPath = join(workDir, 'admin.kubeconfig');
  const kubectlCacheDir = join(workDir, 'kubectl-cache');
  const detached = options.detached ?? false;

  const started: Component[] = [];
  const stopAll = async (): Promise<void> => {
    for (const component of [...started].reverse()) await stopComponent(component);
    // The bulky, useless-after-the-fact parts; certificates, kubeconfigs and logs stay.
    await rm(etcdDataDir, { recursive: true, force: true });
    await rm(kubectlCacheDir, { recursive: true, force: true });
  };
  try {
    // etcd needs no certificates, so it boots while the keys are generated (~1 s of CPU).
    const etcd = startComponent(
      'etcd',
      join(binDir, 'etcd'),
      logDir,
      etcdArgs(etcdDataDir, etcdUrl, `http://127.0.0.1:${etcdPeerPort}`),
      detached,
    );
    started.push(etcd);
    const pki = await createPki();
    const files = await writePkiFiles(workDir, pki);
    const admin = pki.admin;
    await writeFile(kubeconfigPath, renderKubeconfig(serverUrl, pki.caPem, 'admin', admin), {
      mode: 0o600,
    });
    await waitUntil(etcd, ETCD_HEALTH_TIMEOUT_MS, 'etcd /health', () =>
      probe(() => httpGet(`${etcdUrl}/health`)).then((r) => r?.body.includes('"true"') === true),
    );

    const apiserver = startComponent(
      'kube-apiserver',
      join(binDir, 'kube-apiserver'),
      logDir,
      [
        ...apiserverArgs(apiserverPort, etcdUrl, files),
        ...(options.routeServicesThroughEndpoints === true
          ? ['--enable-aggregator-routing=true']
          : []),
      ],
      detached,
    );
    started.push(apiserver);
    const tls = { ca: pki.caPem, cert: admin.certPem, key: admin.keyPem };
    await waitUntil(apiserver, READY_TIMEOUT_MS, 'kube-apiserver /readyz', () =>
      probe(() => httpsGet(`${serverUrl}/readyz`, tls)).then((r) => r?.status === 200),
    );

    let stopped: Promise<void> | undefined;
    return {
      kubeconfigPath,
      serverUrl,
      caPem: pki.caPem,
      logDir,
      workDir,
      versions,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      kubectl: (args, opts = {}) =>
        runKubectl(
          [
            '--kubeconfig',
            opts.kubeconfig ?? kubeconfigPath,
            '--cache-dir',
            kubectlCacheDir,
            ...args,
          ],
          opts.input,
        ),
      makeKubeconfig: async (user, groups) => {
        const identity = await pki.issueClientCertificate(user, groups);
        const path = join(workDir, `${user.replace(/[^A-Za-z0-9_.-]/g, '_')}.kubeconfig`);
        await writeFile(path, renderKubeconfig(serverUrl, pki.caPem, user, identity), {
          mode: 0o600,
        });
        return path;
      },
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function etcdArgs(dataDir: string, clientUrl: string, peerUrl: string): string[] {
  return [
    '--name=e2e',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=e2e=${peerUrl}`,
    // Test data is disposable; fsync on every write is most of etcd's latency on a shared disk.
    '--unsafe-no-fsync',
  ];
}

function apiserverArgs(port: number, etcdUrl: string, files: PkiFiles): string[] {
  return [
    '--bind-address=127.0.0.1',
    // Without it the apiserver looks for a default route to pick its address, and fails on
    // machines that have none.
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--etcd-servers=${etcdUrl}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${files.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${files.serviceAccountPrivateKey}`,
    '--authorization-mode=RBAC',
    `--client-ca-file=${files.ca}`,
    `--tls-cert-file=${files.servingCert}`,
    `--tls-private-key-file=${files.servingKey}`,
    // APF bootstraps its own objects and adds queuing; one test client does not need it.
    '--enable-priority-and-fairness=false',
    '--profiling=false',
  ];
}

// ---------------------------------------------------------------------------------------------
// Binaries and versions

/** Walks up from this file, so it works both from test/ (tsx, vitest) and from dist/test/. */
/** `kubectl ... -o json` on `cp`, parsed; throws with kubectl's stderr on failure. */
export async function kubectlJson<T>(cp: ControlPlane, args: string[]): Promise<T> {
  const r = await cp.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The repository root, walking up from this file (works from test/ and from a build of it). */
export function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'build-control-plane.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error('control plane: scripts/build-control-plane.sh not found above ' + dir);
    }
    dir = parent;
  }
}

async function readVersions(repoRoot: string): Promise<ControlPlane['versions']> {
  const text = await readFile(join(repoRoot, 'test', 'controlplane', 'versions.env'), 'utf8');
  const value = (key: string): string => {
    const match = new RegExp(`^${key}=(\\S+)$`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`control plane: ${key} missing in versions.env`);
    return match[1];
  };
  return { kubernetes: value('K8S_VERSION'), etcd: value('ETCD_VERSION') };
}

async function locateBinaries(repoRoot: string, logDir: string): Promise<string> {
  const fromEnv = process.env['OTEL_TA_CONTROLPLANE_BIN'];
  const binDir = fromEnv ?? (await runBuildScript(repoRoot, logDir));
  for (const name of ['etcd', 'kube-apiserver', 'kubectl']) {
    if (!existsSync(join(binDir, name))) {
      throw new Error(
        `control plane: ${join(binDir, name)} not found` +
          (fromEnv ? ' (from OTEL_TA_CONTROLPLANE_BIN)' : ''),
      );
    }
  }
  // Every `kubectl` the tests run (the harness's, `kubectl kustomize`, the cluster CLI's) is the
  // one built with the API server, not whatever a machine happens to have on PATH.
  if (!(process.env['PATH'] ?? '').split(delimiter).includes(binDir)) {
    process.env['PATH'] = `${binDir}${delimiter}${process.env['PATH'] ?? ''}`;
  }
  return binDir;
}

/**
 * The kubectl built with the control plane (building it when cold), without starting anything;
 * its directory goes first on PATH like startControlPlane's, so `kubectl kustomize` runs it too.
 */
export async function controlPlaneKubectl(): Promise<string> {
  const repoRoot = findRepoRoot();
  const logDir = await mkdtemp(join(tmpdir(), 'otel-ta-controlplane-build-'));
  return join(await locateBinaries(repoRoot, logDir), 'kubectl');
}

/** A warm run takes well under a second; a cold one builds for minutes (log in build.log). */
async function runBuildScript(repoRoot: string, logDir: string): Promise<string> {
  const logPath = join(logDir, 'build-control-plane.log');
  const log = openSync(logPath, 'w');
  try {
    const child = spawn('bash', [join(repoRoot, 'scripts', 'build-control-plane.sh')], {
      stdio: ['ignore', 'pipe', log],
    });
    let stdout = '';
    // 'pipe' above guarantees the stream; the type of spawn() with a mixed stdio array does not.
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await exitOf(child);
    const lines = stdout.trim().split('\n');
    if (code !== 0 || lines.length === 0) {
      throw new Error(
        `control plane: scripts/build-control-plane.sh exited ${code}:\n${await tail(logPath)}`,
      );
    }
    return lines[lines.length - 1]!;
  } finally {
    closeSync(log);
  }
}

// ---------------------------------------------------------------------------------------------
// Certificates. Keys come from node:crypto (native, ~0.2-0.4 s each for RSA 2048); node-forge only
// builds and signs the X.509 certificates, which node:crypto cannot do.

interface Identity {
  certPem: string;
  keyPem: string;
}

interface Pki {
  caPem: string;
  serving: Identity;
  serviceAccount: KeyPair;
  /** CN=otel-ta-admin, O=system:masters: everything is allowed, RBAC is not consulted. */
  admin: Identity;
  issueClientCertificate(user: string, groups: string[]): Promise<Identity>;
}

async function createPki(): Promise<Pki> {
  // RSA generation is the slow part of startup on a busy machine; these run in parallel.
  const [caKey, servingKey, adminKey] = await Promise.all([
    rsaKeyPair(),
    rsaKeyPair(),
    rsaKeyPair(),
  ]);
  const caSubject = [attribute('commonName', `${CLUSTER_NAME}-ca`)];
  const caCert = newCertificate(caKey.publicKeyPem, caSubject, caSubject, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const caPrivateKey = forge.pki.privateKeyFromPem(caKey.privateKeyPem);
  caCert.sign(caPrivateKey, forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);

  const issue = (
    key: KeyPair,
    subject: ForgeAttribute[],
    extensions: ForgeExtension[],
  ): Identity => {
    const cert = newCertificate(key.publicKeyPem, subject, caCert.subject.attributes, [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      ...extensions,
    ]);
    cert.sign(caPrivateKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: key.privateKeyPem };
  };

  const serving = issue(
    servingKey,
    [attribute('commonName', 'kube-apiserver')],
    [
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: SAN_IP, ip: '127.0.0.1' },
          { type: SAN_DNS, value: 'localhost' },
          // The in-cluster names, for clients that are handed the kubernetes Service's address.
          { type: SAN_IP, ip: '10.0.0.1' },
          { type: SAN_DNS, value: 'kubernetes.default.svc' },
        ],
      },
    ],
  );
  // The apiserver maps a client certificate's CN to the user name and each O to a group.
  const clientIdentity = (key: KeyPair, user: string, groups: string[]): Identity =>
    issue(
      key,
      [attribute('commonName', user), ...groups.map((g) => attribute('organizationName', g))],
      [{ name: 'extKeyUsage', clientAuth: true }],
    );
  return {
    caPem,
    serving,
    // ECDSA: generated natively in microseconds, and the apiserver signs tokens with ES256.
    serviceAccount: ecKeyPair(),
    admin: clientIdentity(adminKey, 'otel-ta-admin', ['system:masters']),
    issueClientCertificate: async (user, groups) =>
      clientIdentity(await rsaKeyPair(), user, groups),
  };
}

function newCertificate(
  publicKeyPem: string,
  subject: ForgeAttribute[],
  issuer: ForgeAttribute[],
  extensions: ForgeExtension[],
): ForgeCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = positiveSerial();
  // Backdated so a clock a little behind ours still accepts it; long enough for a kept dev cluster.
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

/** Go's x509 parser rejects negative serials, so the top bit of the first byte stays clear. */
function positiveSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** UTF8String rather than forge's default PrintableString, which cannot hold '@' or '_'. */
function attribute(name: 'commonName' | 'organizationName', value: string): ForgeAttribute {
  return { name, value, valueTagClass: ASN1_UTF8 };
}

interface KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

function ecKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** Asynchronous: generation runs on libuv's thread pool, so several keys use both cores. */
function rsaKeyPair(): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, publicKeyPem, privateKeyPem) =>
        err ? reject(err) : resolve({ publicKeyPem, privateKeyPem }),
    );
  });
}

interface PkiFiles {
  ca: string;
  servingCert: string;
  servingKey: string;
  serviceAccountPublicKey: string;
  serviceAccountPrivateKey: string;
}

async function writePkiFiles(workDir: string, pki: Pki): Promise<PkiFiles> {
  const dir = join(workDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: PkiFiles = {
    ca: join(dir, 'ca.crt'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
    serviceAccountPrivateKey: join(dir, 'sa.key'),
  };
  await writeFile(files.ca, pki.caPem);
  await writeFile(files.servingCert, pki.serving.certPem);
  await writeFile(files.servingKey, pki.serving.keyPem, { mode: 0o600 });
  await writeFile(files.serviceAccountPublicKey, pki.serviceAccount.publicKeyPem);
  await writeFile(files.serviceAccountPrivateKey, pki.serviceAccount.privateKeyPem, {
    mode: 0o600,
  });
  return files;
}

/** JSON is YAML, and kubectl reads either; data is inlined so the file can be copied anywhere. */
function renderKubeconfig(
  serverUrl: string,
  caPem: string,
  user: string,
  identity: Identity,
): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: CLUSTER_NAME,
        cluster: { server: serverUrl, 'certificate-authority-data': b64(caPem) },
      },
    ],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(identity.certPem),
          'client-key-data': b64(identity.keyPem),
        },
      },
    ],
    contexts: [{ name: CLUSTER_NAME, context: { cluster: CLUSTER_NAME, user } }],
    'current-context': CLUSTER_NAME,
  };
  return JSON.stringify(config, null, 2) + '\n';
}

// node-forge ships no type declarations and @types/node-forge is not a dependency, so the few calls
// used here are typed by hand and the module is loaded through require (it is CommonJS anyway).
const SAN_DNS = 2;
const SAN_IP = 7;
const ASN1_UTF8 = 12;

interface ForgeAttribute {
  name: string;
  value: string;
  valueTagClass?: number;
}
type ForgeExtension = { name: string } & Record<string, unknown>;
interface ForgeCertificate {
  publicKey: unknown;
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  subject: { attributes: ForgeAttribute[] };
  setSubject(attrs: ForgeAttribute[]): void;
  setIssuer(attrs: ForgeAttribute[]): void;
  setExtensions(exts: ForgeExtension[]): void;
  sign(key: unknown, md: unknown): void;
}
interface Forge {
  pki: {
    createCertificate(): ForgeCertificate;
    publicKeyFromPem(pem: string): unknown;
    privateKeyFromPem(pem: string): unknown;
    certificateToPem(cert: ForgeCertificate): string;
  };
  md: { sha256: { create(): unknown } };
}
const forge = createRequire(import.meta.url)('node-forge') as Forge;

// ---------------------------------------------------------------------------------------------
// Processes

interface Component {
  name: string;
  pid: number;
  child: ChildProcess;
  logPath: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<string>;
  exitStatus: string | undefined;
}

function startComponent(
  name: string,
  binary: string,
  logDir: string,
  args: string[],
  detached: boolean,
): Component {
  const logPath = join(logDir, `${name}.log`);
  const log = openSync(logPath, 'w');
  // Attached: same process group as us, so a Ctrl-C in the terminal reaches the components too.
  const child = spawn(binary, args, { stdio: ['ignore', log, log], detached });
  closeSync(log);
  if (detached) child.unref();
  // Attached before anything can throw: an unhandled 'error' (e.g. ENOENT) would crash the runner.
  const exited = exitOf(child).then(
    (status) => String(status),
    (err: unknown) => `spawn failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  if (child.pid === undefined) {
    throw new Error(`control plane: could not start ${binary}`);
  }
  const component: Component = {
    name,
    pid: child.pid,
    child,
    logPath,
    exited: exited.then((status) => {
      component.exitStatus = status;
      liveComponents.delete(component);
      return status;
    }),
    exitStatus: undefined,
  };
  if (!detached) {
    liveComponents.add(component);
    installExitHandler();
  }
  return component;
}

async function stopComponent(component: Component): Promise<void> {
  if (component.exitStatus !== undefined) return;
  component.child.kill('SIGTERM');
  const graceful = await Promise.race([component.exited.then(() => true), delay(STOP_GRACE_MS)]);
  if (graceful !== true) {
    component.child.kill('SIGKILL');
    await component.exited;
  }
}

/** Resolves with the exit code, or the signal name when killed by one; rejects if spawn failed. */
function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
}

// A test run that ends without stop() (a crash, a forgotten afterAll) must not leave an apiserver
// running on the machine. 'exit' handlers must be synchronous, so this is SIGKILL.
const liveComponents = new Set<Component>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once('exit', () => {
    for (const c of liveComponents) c.child.kill('SIGKILL');
  });
}

async function waitUntil(
  component: Component,
  timeoutMs: number,
  what: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (component.exitStatus !== undefined) {
      throw new Error(
        `control plane: ${component.name} exited (${component.exitStatus}) before ${what} was ok; ` +
          `last lines of ${component.logPath}:\n${await tail(component.logPath)}`,
      );
    }
    if (await ready()) return;
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(
    `control plane: ${what} not ok after ${timeoutMs / 1000}s; ` +
      `last lines of ${component.logPath}:\n${await tail(component.logPath)}`,
  );
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Ports are held open together so the three are distinct, then released for the components. Another
 * process could take one in between; on a test machine that has not been seen to matter.
 */
async function freeLoopbackPorts(): Promise<{
  etcdClientPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
}> {
  const servers = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const [etcdClientPort, etcdPeerPort, apiserverPort] = servers.map(
    (s) => (s.address() as AddressInfo).port,
  ) as [number, number, number];
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return { etcdClientPort, etcdPeerPort, apiserverPort };
}

// ---------------------------------------------------------------------------------------------
// HTTP probes and kubectl

interface HttpResult {
  status: number;
  body: string;
}

/** A probe that cannot connect yet is "not ready", not an error. */
async function probe(get: () => Promise<HttpResult>): Promise<HttpResult | undefined> {
  try {
    return await get();
  } catch {
    return undefined;
  }
}

function httpGet(url: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 5_000 }, (res) => collect(res, resolve, reject));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function httpsGet(
  url: string,
  tls: { ca: string; cert: string; key: string },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...tls, agent: false, timeout: 5_000 }, (res) =>
      collect(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function collect(
  res: IncomingMessage,
  resolve: (r: HttpResult) => void,
  reject: (err: Error) => void,
): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
  res.on('error', reject);
}

/** KUBECONFIG is dropped from the environment so the caller's own cluster can never be touched. */
async function runKubectl(args: string[], input: string | undefined): Promise<KubectlResult> {
  const env = { ...process.env };
  delete env['KUBECONFIG'];
  const child = spawn('kubectl', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // kubectl may exit without reading its input (or fail to start): EPIPE is not our error.
  child.stdin.on('error', () => undefined);
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), KUBECTL_TIMEOUT_MS);
  try {
    const status = await exitOf(child);
    if (typeof status !== 'number') {
      throw new Error(
        `kubectl ${args.join(' ')} ended by ${status}` +
          (status === 'SIGKILL' ? ` (timeout ${KUBECTL_TIMEOUT_MS / 1000}s)` : '') +
          `; stderr: ${stderr}`,
      );
    }
    return { code: status, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
