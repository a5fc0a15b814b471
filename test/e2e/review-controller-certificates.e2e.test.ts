/**
 * Self-managed certificates meddled with: a Secret deleted and a caBundle wiped by hand, and a CA
 * rotation interrupted because the controller lost the right to update the webhook configuration
 * (as an admin tightening RBAC would; also a stand-in for a controller that dies between its two
 * writes). The serving certificate in the Secret must verify against the caBundle the API server
 * uses, or every webhook call fails (with failurePolicy Fail, every collector change is refused).
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates } from '../../src/certs/index.js';
import { CertificateManager } from '../../src/controller/certificate-manager.js';
import { loadKubeConfig } from '../../src/k8s/client.js';
import { KubeRestClient } from '../../src/k8s/rest-client.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  applyJson,
  CONTROLLER_NAMESPACE,
  getJson,
  kubectlOk,
  eventually,
  prepareCluster,
  startController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEBHOOK = 'otel-ta-webhook';
const SECRET = 'review-rotation-tls';

const webhookConfiguration = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: WEBHOOK },
  webhooks: [
    {
      name: 'mutating.otel-ta.dev',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      objectSelector: { matchLabels: { 'e2e.otel-ta.dev/never': 'true' } },
      clientConfig: { service: { name: WEBHOOK, namespace: CONTROLLER_NAMESPACE, path: '/x' } },
      rules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
      ],
    },
  ],
};

describe('self-managed certificates meddled with', () => {
  let cp: ControlPlane;
  let kubeconfig: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubeconfig = await prepareCluster(cp, []);
    await applyJson(cp, webhookConfiguration);
  }, 900_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('a Secret deleted and a caBundle wiped by hand are repaired within a minute (default check interval)', async () => {
    const controller = await startController(kubeconfig, {
      manageCertificates: true,
      mutatingWebhookConfiguration: [WEBHOOK],
    });
    try {
      const caBundle = async (): Promise<string | undefined> =>
        (
          await getJson<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(cp, [
            'mutatingwebhookconfiguration',
            WEBHOOK,
          ])
        )?.webhooks[0]?.clientConfig.caBundle;
      await eventually('the caBundle', caBundle);
      // `kubectl replace` (Argo CD's Replace=true) of the configuration as written in Git, and a
      // hand-deleted Secret: until the controller notices, every webhook call fails.
      await kubectlOk(cp, ['replace', '-f', '-'], JSON.stringify(webhookConfiguration));
      await kubectlOk(cp, ['delete', 'secret', 'otel-ta-webhook-tls', '-n', CONTROLLER_NAMESPACE]);
      await eventually(
        'the Secret recreated and the caBundle restored',
        async () =>
          (await caBundle()) !== undefined &&
          (await getJson(cp, ['secret', 'otel-ta-webhook-tls', '-n', CONTROLLER_NAMESPACE])) !==
            undefined,
        75_000,
      );
    } finally {
      await controller.app.stop();
    }
  });

  /** Whether the Secret's serving certificate verifies against the configuration's caBundle. */
  const servingTrusted = async (): Promise<boolean> => {
    const secret = await getJson<{ data: Record<string, string> }>(cp, [
      'secret',
      SECRET,
      '-n',
      CONTROLLER_NAMESPACE,
    ]);
    const config = await getJson<{ webhooks: { clientConfig: { caBundle: string } }[] }>(cp, [
      'mutatingwebhookconfiguration',
      WEBHOOK,
    ]);
    const serving = new X509Certificate(Buffer.from(secret!.data['tls.crt']!, 'base64'));
    const bundle = Buffer.from(config!.webhooks[0]!.clientConfig.caBundle, 'base64').toString();
    const cas = pemCertificates(bundle);
    return cas.some((pem) => {
      const ca = new X509Certificate(pem);
      return serving.checkIssued(ca) && serving.verify(ca.publicKey);
    });
  };

  const secretCa = async (): Promise<string | undefined> =>
    (
      await getJson<{ data: Record<string, string> }>(cp, [
        'secret',
        SECRET,
        '-n',
        CONTROLLER_NAMESPACE,
      ])
    )?.data['ca.crt'];

  /** The controller's certificate manager for the test webhook, on the clock given. */
  const managerWithClock = (now: () => number): CertificateManager =>
    new CertificateManager(
      new KubeRestClient(loadKubeConfig({ kubeconfigPath: kubeconfig }, {})),
      {
        serviceName: WEBHOOK,
        serviceNamespace: CONTROLLER_NAMESPACE,
        secretName: SECRET,
        mutatingWebhookConfigurations: [WEBHOOK],
        validatingWebhookConfigurations: [],
        crdName: undefined,
        caValidityDays: 30,
        servingValidityDays: 9,
        checkIntervalMs: 60_000,
      },
      { now },
      silentLogger(),
    );

  it('a Secret deleted by hand gets a new CA while the caBundle keeps trusting the one the webhook still serves', async () => {
    const manager = managerWithClock(() => Date.now());
    await manager.reconcile();
    const before = await secretCa();
    // The webhook pods keep serving the certificate they loaded until the kubelet projects the
    // new Secret (about a minute): the API server must keep trusting its CA meanwhile.
    await kubectlOk(cp, ['delete', 'secret', SECRET, '-n', CONTROLLER_NAMESPACE]);
    await manager.reconcile();
    const config = await getJson<{ webhooks: { clientConfig: { caBundle: string } }[] }>(cp, [
      'mutatingwebhookconfiguration',
      WEBHOOK,
    ]);
    const fingerprints = (base64: string): string[] =>
      pemCertificates(Buffer.from(base64, 'base64').toString()).map(
        (pem) => new X509Certificate(pem).fingerprint256,
      );
    const trusted = fingerprints(config!.webhooks[0]!.clientConfig.caBundle);
    expect(trusted).toHaveLength(2);
    expect(trusted).toContain(fingerprints(before!)[0]);
    expect(await servingTrusted()).toBe(true);
    await kubectlOk(cp, ['delete', 'secret', SECRET, '-n', CONTROLLER_NAMESPACE]);
  });

  it('keeps serving a certificate the caBundle trusts, and finishes the rotation once it may', async () => {
    let now = Date.now();
    const manager = managerWithClock(() => now);
    await manager.reconcile();
    expect(await servingTrusted()).toBe(true);
    const caBefore = await secretCa();

    // The controller may no longer update webhook configurations.
    const role = await getJson<{ rules: { apiGroups: string[] }[] }>(cp, [
      'clusterrole',
      'otel-ta-controller',
    ]);
    const restricted = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'otel-ta-controller' },
      rules: role!.rules.filter((r) => !r.apiGroups.includes('admissionregistration.k8s.io')),
    };
    await kubectlOk(cp, ['replace', '-f', '-'], JSON.stringify(restricted));

    now += 21 * DAY_MS; // past 2/3 of the CA's 30 days
    await expect(manager.reconcile()).rejects.toThrow();
    expect(await servingTrusted()).toBe(true);

    await kubectlOk(
      cp,
      ['replace', '-f', '-'],
      JSON.stringify({ ...restricted, rules: role!.rules }),
    );
    await manager.reconcile();
    expect(await servingTrusted()).toBe(true);
    expect(await secretCa()).not.toBe(caBefore);
  });
});
