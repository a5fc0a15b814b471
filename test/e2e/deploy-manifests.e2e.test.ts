import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildOverlay, type KubeObject } from './harness/cluster-manifests.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

const OVERLAYS = ['standalone', 'with-upstream-operator', 'cert-manager'] as const;
const overlayDir = (name: string): string =>
  fileURLToPath(new URL(`../../deploy/overlays/${name}`, import.meta.url));

/**
 * cert-manager is not installed in the test cluster, so its two kinds the overlay uses get minimal
 * CRDs (no schema beyond "an object"): enough for the API server to accept Issuer and Certificate
 * objects in a server-side dry run, not a check of their fields.
 */
const CERT_MANAGER_CRDS = ['Issuer', 'Certificate'].map((kind) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.cert-manager.io` },
  spec: {
    group: 'cert-manager.io',
    scope: 'Namespaced',
    names: { kind, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase() },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
}));

interface Container {
  name: string;
  args: string[];
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

function deploymentOf(objects: KubeObject[]): {
  spec: {
    template: {
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
        containers: Container[];
      };
    };
  };
} {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  if (!deployment) throw new Error('the overlay has no Deployment');
  return deployment as unknown as ReturnType<typeof deploymentOf>;
}

function container(objects: KubeObject[], name: string): Container {
  const found = deploymentOf(objects).spec.template.spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

describe('deploy/ overlays on a real API server', () => {
  let cp: ControlPlane | undefined;
  const plane = (): ControlPlane => {
    if (!cp) throw new Error('control plane did not start');
    return cp;
  };
  const built = new Map<string, KubeObject[]>();
  const overlay = (name: string): KubeObject[] => {
    const objects = built.get(name);
    if (!objects) throw new Error(`overlay ${name} was not built`);
    return objects;
  };

  beforeAll(async () => {
    for (const name of OVERLAYS) built.set(name, await buildOverlay(overlayDir(name)));
    cp = await startControlPlane();
    // Namespaced objects cannot be dry-run into a namespace that does not exist yet.
    const setup = await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'otel-ta-system' } },
          ...CERT_MANAGER_CRDS,
        ],
      }),
    });
    expect(setup.stderr).toBe('');
    const established = await cp.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/issuers.cert-manager.io',
      'crd/certificates.cert-manager.io',
    ]);
    expect(established.stderr).toBe('');
  }, 900_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it.each(OVERLAYS)(
    'the %s overlay is accepted by kubectl apply --dry-run=server',
    async (name) => {
      const r = await plane().kubectl(['apply', '--dry-run=server', '-k', overlayDir(name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('deployment.apps/otel-ta-webhook created (server dry run)');
      expect(r.stdout).toContain(
        'mutatingwebhookconfiguration.admissionregistration.k8s.io/otel-ta-webhook created (server dry run)',
      );
    },
  );

  it('the standalone overlay serves both collector versions, stores v1beta1 and converts through the webhook', () => {
    const crd = overlay('standalone').find((o) => o.kind === 'CustomResourceDefinition');
    const spec = crd?.['spec'] as {
      versions: { name: string; served: boolean; storage: boolean }[];
      conversion: { strategy: string; webhook: { clientConfig: { service: { path: string } } } };
    };
    expect(spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ['v1alpha1', true, false],
      ['v1beta1', true, true],
    ]);
    expect(spec.conversion.strategy).toBe('Webhook');
    expect(spec.conversion.webhook.clientConfig.service.path).toBe('/convert');
    expect(container(overlay('standalone'), 'controller').args).toContain('--standalone');
  });

  it('the with-upstream-operator overlay installs no CRD, renders no collectors and only calls the webhook for opted-in collectors', () => {
    const objects = overlay('with-upstream-operator');
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(container(objects, 'controller').args).not.toContain('--standalone');
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = objects.find((o) => o.kind === kind);
      const webhooks = config?.['webhooks'] as { matchConditions: { expression: string }[] }[];
      expect(webhooks[0]?.matchConditions[0]?.expression).toContain("'otel-ta.dev/enable'");
    }
  });

  it('the cert-manager overlay has cert-manager inject every caBundle and the controller manage no certificates', () => {
    const objects = overlay('cert-manager');
    for (const kind of [
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
      'CustomResourceDefinition',
    ]) {
      expect(objects.find((o) => o.kind === kind)?.metadata.annotations).toEqual({
        'cert-manager.io/inject-ca-from': 'otel-ta-system/otel-ta-webhook',
      });
    }
    const certificate = objects.find(
      (o) => o.kind === 'Certificate' && o.metadata.name === 'otel-ta-webhook',
    );
    expect((certificate?.['spec'] as { secretName: string }).secretName).toBe(
      'otel-ta-webhook-tls',
    );
    expect(container(objects, 'controller').args).not.toContain('--manage-certificates');
    // cert-manager writes the Secret into the Certificate's namespace: the webhook pod's.
    const certManagerKinds = objects.filter((o) => o.kind === 'Issuer' || o.kind === 'Certificate');
    expect(certManagerKinds.map((o) => o.metadata.namespace)).toEqual(
      certManagerKinds.map(() => 'otel-ta-system'),
    );
  });

  it.each(OVERLAYS)(
    'in the %s overlay both containers run non-root, read-only, without capabilities, and only the controller holds an API token',
    (name) => {
      const pod = deploymentOf(overlay(name)).spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.seccompProfile?.type).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
      const tokenMounts = (c: Container): string[] =>
        (c.volumeMounts ?? [])
          .filter((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount')
          .map((m) => m.name);
      expect(tokenMounts(container(overlay(name), 'webhook'))).toEqual([]);
      expect(tokenMounts(container(overlay(name), 'controller'))).toEqual(['kube-api-access']);
    },
  );

  it("the deployed controller RBAC is exactly the controller's own src/controller/rbac.yaml", () => {
    const source = readFileSync(
      fileURLToPath(new URL('../../src/controller/rbac.yaml', import.meta.url)),
      'utf8',
    );
    const rules = (objects: unknown[]): unknown[] =>
      objects
        .filter((o): o is KubeObject => {
          const kind = (o as KubeObject).kind;
          return kind === 'ClusterRole' || kind === 'Role';
        })
        .map((o) => ({ kind: o.kind, name: o.metadata.name, rules: o['rules'] }))
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    const expected = rules(parseAllDocuments(source).map((d) => d.toJS() as unknown));
    for (const name of OVERLAYS) expect(rules(overlay(name))).toEqual(expected);
  });
});
