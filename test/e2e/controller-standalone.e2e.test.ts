import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { admitted, userCollector } from './controller-fixtures.js';
import {
  applyJson,
  collectorCrd,
  CONTROLLER_NAMESPACE,
  eventually,
  getJson,
  kubectlOk,
  prepareCluster,
  startController,
  type RunningController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { CertificateManager } from '../../src/controller/certificate-manager.js';
import { loadKubeConfig } from '../../src/k8s/client.js';
import { KubeRestClient } from '../../src/k8s/rest-client.js';
import { silentLogger } from '../../src/observability/logger.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const NS = 'standalone';
const OTC = 'collector-with-ta-collector';
const WEBHOOK = 'otel-ta-webhook';

interface Workload {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: { image: string; args: string[]; env: { name: string }[] }[];
        serviceAccountName: string;
      };
    };
  };
}

/** Webhook configurations whose caBundle the controller must fill; they match no object. */
function webhookConfiguration(kind: 'Mutating' | 'Validating'): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name: WEBHOOK },
    webhooks: [
      {
        name: `${kind.toLowerCase()}.otel-ta.dev`,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        objectSelector: { matchLabels: { 'e2e.otel-ta.dev/never': 'true' } },
        clientConfig: { service: { name: WEBHOOK, namespace: CONTROLLER_NAMESPACE, path: '/x' } },
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['configmaps'],
          },
        ],
      },
    ],
  };
}

describe('standalone mode and self-managed certificates', () => {
  let cp: ControlPlane;
  let controller: RunningController;
  let kubeconfig: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubeconfig = await prepareCluster(cp, [NS]);
    const crd = collectorCrd();
    await applyJson(cp, webhookConfiguration('Mutating'), webhookConfiguration('Validating'), {
      ...crd,
      spec: {
        ...crd.spec,
        conversion: {
          strategy: 'Webhook',
          webhook: {
            conversionReviewVersions: ['v1'],
            clientConfig: {
              service: { name: WEBHOOK, namespace: CONTROLLER_NAMESPACE, path: '/convert' },
            },
          },
        },
      },
    });
    controller = await startController(kubeconfig, {
      standalone: true,
      collectorImage: 'otel/opentelemetry-collector-contrib:e2e',
      manageCertificates: true,
      mutatingWebhookConfiguration: [WEBHOOK],
      validatingWebhookConfiguration: [WEBHOOK],
      crdName: 'opentelemetrycollectors.opentelemetry.io',
    });
  }, 900_000);

  afterAll(async () => {
    await controller?.app.stop();
    await cp?.stop();
  });

  it('creates the collector StatefulSet and its ConfigMap with the rewritten config', async () => {
    await applyJson(cp, admitted(userCollector((c) => (c.metadata.namespace = NS))));
    const sts = await eventually('the collector StatefulSet', () =>
      getJson<Workload>(cp, ['statefulset', OTC, '-n', NS]),
    );
    expect(sts.spec.replicas).toBe(3);
    const container = sts.spec.template.spec.containers[0]!;
    expect(container.image).toBe('otel/opentelemetry-collector-contrib:e2e');
    expect(container.args).toEqual(['--config=/conf/collector.yaml']);
    expect(container.env.map((e) => e.name)).toContain('POD_NAME');
    expect(sts.spec.template.spec.serviceAccountName).toBe(OTC);

    const cm = await eventually('the collector ConfigMap', () =>
      getJson<{ data: Record<string, string> }>(cp, ['configmap', OTC, '-n', NS]),
    );
    const config = parse(cm.data['collector.yaml']!) as {
      receivers: { prometheus: { config: { scrape_configs: Record<string, unknown>[] } } };
    };
    const job = config.receivers.prometheus.config.scrape_configs[0]!;
    expect(job.http_sd_configs).toEqual([
      {
        url: `http://collector-with-ta-targetallocator.${NS}.svc:80/jobs/otel-collector/targets?collector_id=\${env:POD_NAME}`,
        refresh_interval: '10s',
      },
    ]);
    expect(job.static_configs).toBeUndefined();
    // The collector unescapes its own config, so its copy keeps the `$$`.
    expect(job.metric_relabel_configs).toEqual([
      { action: 'labeldrop', regex: '(id|name)', replacement: '$$1' },
    ]);
    await eventually('the collector Service', () => getJson(cp, ['service', OTC, '-n', NS]));
    await eventually('the collector ServiceAccount', () =>
      getJson(cp, ['serviceaccount', OTC, '-n', NS]),
    );

    // In standalone mode the allocator selects the pods we run (managed-by otel-ta).
    const ta = await eventually('the allocator ConfigMap', () =>
      getJson<{ data: Record<string, string> }>(cp, [
        'configmap',
        'collector-with-ta-targetallocator',
        '-n',
        NS,
      ]),
    );
    expect(ta.data['targetallocator.yaml']).toContain('app.kubernetes.io/managed-by: otel-ta');
  });

  it('deleting the collector removes its workload and its allocator (no garbage collector here)', async () => {
    await kubectlOk(cp, ['delete', 'otelcol', 'collector-with-ta', '-n', NS]);
    const gone = [
      ['statefulset', OTC],
      ['configmap', OTC],
      ['service', OTC],
      ['serviceaccount', OTC],
      ['deployment', 'collector-with-ta-targetallocator'],
      ['configmap', 'collector-with-ta-targetallocator'],
    ];
    for (const [kind, name] of gone) {
      await eventually(
        `${kind} ${name} deleted`,
        async () => (await getJson(cp, [kind!, name!, '-n', NS])) === undefined,
      );
    }
  });

  it('issues a CA and serving certificate into the Secret and puts the CA in every caBundle', async () => {
    const secret = await eventually('the webhook TLS Secret', () =>
      getJson<{ type: string; data: Record<string, string> }>(cp, [
        'secret',
        'otel-ta-webhook-tls',
        '-n',
        CONTROLLER_NAMESPACE,
      ]),
    );
    expect(secret.type).toBe('kubernetes.io/tls');
    const pem = (key: string): string => Buffer.from(secret.data[key]!, 'base64').toString('utf8');
    const ca = new X509Certificate(pem('ca.crt'));
    const serving = new X509Certificate(pem('tls.crt'));
    expect(serving.checkIssued(ca)).toBe(true);
    expect(serving.subjectAltName).toContain(`DNS:${WEBHOOK}.${CONTROLLER_NAMESPACE}.svc`);

    const bundle = secret.data['ca.crt'];
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      await eventually(`${kind} caBundle`, async () => {
        const cfg = await getJson<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(cp, [
          kind,
          WEBHOOK,
        ]);
        return cfg?.webhooks[0]?.clientConfig.caBundle === bundle;
      });
    }
    await eventually('the CRD conversion caBundle', async () => {
      const crd = await getJson<{
        spec: { conversion: { webhook: { clientConfig: { caBundle?: string } } } };
      }>(cp, ['crd', 'opentelemetrycollectors.opentelemetry.io']);
      return crd?.spec.conversion.webhook.clientConfig.caBundle === bundle;
    });
  });

  it('rotates the serving certificate at 2/3 of its validity and the CA with an overlapping bundle', async () => {
    // A second manager on its own Secret with a clock the test moves; the API server is real.
    let now = Date.now();
    const manager = new CertificateManager(
      new KubeRestClient(loadKubeConfig({ kubeconfigPath: kubeconfig }, {})),
      {
        serviceName: WEBHOOK,
        serviceNamespace: CONTROLLER_NAMESPACE,
        secretName: 'rotation-e2e-tls',
        mutatingWebhookConfigurations: [],
        validatingWebhookConfigurations: [],
        crdName: undefined,
        caValidityDays: 30,
        servingValidityDays: 9,
        checkIntervalMs: 60_000,
      },
      { now: () => now },
      silentLogger(),
    );
    const read = async (): Promise<{ ca: string; serving: X509Certificate; bundle: string }> => {
      const s = await getJson<{ data: Record<string, string> }>(cp, [
        'secret',
        'rotation-e2e-tls',
        '-n',
        CONTROLLER_NAMESPACE,
      ]);
      const pem = (k: string): string => Buffer.from(s!.data[k]!, 'base64').toString('utf8');
      return {
        ca: s!.data['ca.crt']!,
        serving: new X509Certificate(pem('tls.crt')),
        bundle: pem('ca.crt'),
      };
    };

    const due = await manager.reconcile();
    const first = await read();
    // The next wake-up is the serving certificate's 2/3 point (9 days): about 6 days from now.
    expect((due! - now) / DAY_MS).toBeCloseTo(6, 1);
    now += 5 * DAY_MS; // before 2/3 of 9 days: nothing changes
    await manager.reconcile();
    expect((await read()).serving.serialNumber).toBe(first.serving.serialNumber);

    now += 1.5 * DAY_MS; // past 2/3 of the serving certificate: new leaf, same CA
    await manager.reconcile();
    const second = await read();
    expect(second.serving.serialNumber).not.toBe(first.serving.serialNumber);
    expect(second.ca).toBe(first.ca);

    now += 14 * DAY_MS; // past 2/3 of the CA: new CA, the old one stays trusted beside it
    await manager.reconcile();
    const third = await read();
    expect(third.ca).not.toBe(first.ca);
    expect(third.bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(third.serving.checkIssued(new X509Certificate(third.bundle))).toBe(true);
  });
});
