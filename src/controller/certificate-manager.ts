import type { Logger } from 'pino';
import {
  caBundle,
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
} from '../certs/index.js';
import { isRecord, type JsonObject } from '../collector/json-value.js';
import { isConflict, isNotFound } from '../k8s/api-error.js';
import { BackgroundLoop } from '../k8s/background-loop.js';
import { realDelay, type Delay } from '../k8s/backoff.js';
import type { Clock } from '../k8s/clock.js';
import type { KubeObject } from '../k8s/object.js';
import {
  collectionPath,
  objectPath,
  ResourceTypes,
  type ResourceType,
} from '../k8s/resource-path.js';
import type { KubeApi } from '../k8s/rest-client.js';
import { MANAGED_BY } from './labels.js';
import {
  nextRenewal,
  rotationNeed,
  trustBundle,
  type CertificateState,
} from './certificate-rotation.js';

export interface CertificateManagerConfig {
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly secretName: string;
  readonly mutatingWebhookConfigurations: readonly string[];
  readonly validatingWebhookConfigurations: readonly string[];
  /** The CRD whose conversion webhook points at our service; undefined: none. */
  readonly crdName?: string | undefined;
  readonly caValidityDays: number;
  readonly servingValidityDays: number;
  /** How often the Secret and the caBundles are checked (and repaired if someone changed them). */
  readonly checkIntervalMs: number;
}

const KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt', caKey: 'ca.key' } as const;

/**
 * Self-managed webhook certificates: a CA and a serving certificate for the webhook Service in a
 * `kubernetes.io/tls` Secret (which the webhook container mounts and hot-reloads), renewed at 2/3
 * of their validity, and the CA bundle kept current in the webhook configurations and the CRD's
 * conversion webhook (a new CA reaches them before the Secret does). Runs on the leader only;
 * writes use resourceVersion preconditions.
 */
export class CertificateManager {
  private readonly loop = new BackgroundLoop((signal) => this.run(signal));
  private readonly delay: Delay;

  constructor(
    private readonly api: KubeApi,
    private readonly config: CertificateManagerConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    deps: { delay?: Delay } = {},
  ) {
    this.delay = deps.delay ?? realDelay;
  }

  start(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * One pass: ensure the Secret holds valid certificates, then that every caBundle matches.
   * Returns when the next renewal falls due (ms since the epoch).
   */
  async reconcile(): Promise<number | undefined> {
    const { bundle, state } = await this.ensureSecret();
    await this.ensureCaBundles(bundle);
    return nextRenewal(firstCa(state));
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let waitMs = this.config.checkIntervalMs;
      try {
        const due = await this.reconcile();
        // Wake up for a renewal that falls due before the next regular check.
        if (due !== undefined) waitMs = Math.min(waitMs, Math.max(1_000, due - this.clock.now()));
      } catch (err) {
        this.logger.warn({ err, secret: this.config.secretName }, 'certificate reconcile failed');
      }
      await this.delay(waitMs, signal);
    }
  }

  /** Returns the PEM trust bundle the webhook clients must use and the certificates now stored. */
  private async ensureSecret(): Promise<{ bundle: string; state: CertificateState }> {
    const { secretName: name, serviceNamespace: namespace } = this.config;
    const path = objectPath(ResourceTypes.secrets, name, namespace);
    let secret: KubeObject | undefined;
    try {
      secret = await this.api.request<KubeObject>({ method: 'GET', path });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const data = isRecord(secret?.data) ? (secret.data as Record<string, string>) : {};
    const state: CertificateState = {
      caCertPem: decode(data[KEYS.ca]),
      caKeyPem: decode(data[KEYS.caKey]),
      servingCertPem: decode(data[KEYS.cert]),
      servingKeyPem: decode(data[KEYS.key]),
    };
    const dnsNames = serviceDnsNames(this.config.serviceName, this.config.serviceNamespace);
    const now = this.clock.now();
    const need = rotationNeed(firstCa(state), dnsNames, now);
    if (need === 'none') return { bundle: state.caCertPem ?? '', state };
    const ca =
      need === 'ca'
        ? createCertificateAuthority({
            commonName: `${this.config.serviceName}-ca`,
            validityDays: this.config.caValidityDays,
            now: new Date(now),
          })
        : { certPem: firstPem(state.caCertPem ?? ''), keyPem: state.caKeyPem ?? '' };
    const serving = issueServingCertificate(ca, {
      dnsNames,
      validityDays: this.config.servingValidityDays,
      now: new Date(now),
    });
    const bundle =
      need === 'ca'
        ? await this.rotatedTrustBundle(ca.certPem, state, now)
        : (state.caCertPem ?? ca.certPem);
    // A new CA is trusted before anything is signed with it: if the caBundle writes fail (or the
    // controller dies in between), the Secret still holds certificates the API server trusts.
    if (need === 'ca') await this.ensureCaBundles(bundle);
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': MANAGED_BY },
        ...(secret?.metadata?.resourceVersion
          ? { resourceVersion: secret.metadata.resourceVersion }
          : {}),
      },
      data: {
        [KEYS.cert]: encode(serving.certPem),
        [KEYS.key]: encode(serving.keyPem),
        [KEYS.ca]: encode(bundle),
        [KEYS.caKey]: encode(ca.keyPem),
      },
    };
    await this.api.request({
      method: secret === undefined ? 'POST' : 'PUT',
      path: secret === undefined ? collectionPath(ResourceTypes.secrets, namespace) : path,
      body,
    });
    this.logger.info({ secret: name, renewed: need }, 'webhook certificates issued');
    return {
      bundle,
      state: {
        caCertPem: bundle,
        caKeyPem: ca.keyPem,
        servingCertPem: serving.certPem,
        servingKeyPem: serving.keyPem,
      },
    };
  }

  /**
   * The trust bundle for a new CA: it keeps trusting the Secret's CA, or, when the Secret lost it
   * (deleted or edited by hand), the one the API server trusts now, since the webhook pods keep
   * serving the certificate they loaded until the kubelet projects the new Secret.
   */
  private async rotatedTrustBundle(
    newCaPem: string,
    state: CertificateState,
    now: number,
  ): Promise<string> {
    const previous = state.caCertPem ?? (await this.servedCa());
    return trustBundle(newCaPem, firstPem(previous ?? ''), now);
  }

  /** The first CA of the caBundle now in the first configured object; undefined if none. */
  private async servedCa(): Promise<string | undefined> {
    const targets: [ResourceType, string | undefined][] = [
      [ResourceTypes.mutatingWebhookConfigurations, this.config.mutatingWebhookConfigurations[0]],
      [
        ResourceTypes.validatingWebhookConfigurations,
        this.config.validatingWebhookConfigurations[0],
      ],
      [ResourceTypes.customResourceDefinitions, this.config.crdName],
    ];
    for (const [type, name] of targets) {
      if (name === undefined) continue;
      let obj: KubeObject;
      try {
        obj = await this.api.request<KubeObject>({ method: 'GET', path: objectPath(type, name) });
      } catch {
        continue; // best effort: without it the new CA alone is trusted, as on a fresh install
      }
      const bundle = servedBundle(obj);
      if (bundle !== undefined) return firstPem(decode(bundle) ?? '');
    }
    return undefined;
  }

  private async ensureCaBundles(bundlePem: string): Promise<void> {
    const bundle = caBundle(bundlePem);
    for (const name of this.config.mutatingWebhookConfigurations) {
      await this.update(ResourceTypes.mutatingWebhookConfigurations, name, (o) =>
        setWebhookBundles(o, bundle),
      );
    }
    for (const name of this.config.validatingWebhookConfigurations) {
      await this.update(ResourceTypes.validatingWebhookConfigurations, name, (o) =>
        setWebhookBundles(o, bundle),
      );
    }
    if (this.config.crdName !== undefined) {
      await this.update(ResourceTypes.customResourceDefinitions, this.config.crdName, (o) =>
        setConversionBundle(o, bundle),
      );
    }
  }

  /** Read-modify-write with the read's resourceVersion; a conflict is retried at the next pass. */
  private async update(
    type: ResourceType,
    name: string,
    mutate: (obj: KubeObject) => boolean,
  ): Promise<void> {
    const path = objectPath(type, name);
    let obj: KubeObject;
    try {
      obj = await this.api.request<KubeObject>({ method: 'GET', path });
    } catch (err) {
      if (isNotFound(err)) {
        this.logger.warn({ resource: type.resource, name }, 'caBundle target not found');
        return;
      }
      throw err;
    }
    if (!mutate(obj)) return;
    try {
      await this.api.request({ method: 'PUT', path, body: obj });
      this.logger.info({ resource: type.resource, name }, 'caBundle updated');
    } catch (err) {
      if (!isConflict(err)) throw err;
      this.logger.info({ resource: type.resource, name }, 'caBundle update conflicted, will retry');
    }
  }
}

function setWebhookBundles(obj: KubeObject, bundle: string): boolean {
  let changed = false;
  for (const webhook of Array.isArray(obj.webhooks) ? obj.webhooks : []) {
    if (!isRecord(webhook)) continue;
    const clientConfig: JsonObject = isRecord(webhook.clientConfig) ? webhook.clientConfig : {};
    if (clientConfig.caBundle !== bundle) {
      clientConfig.caBundle = bundle;
      webhook.clientConfig = clientConfig;
      changed = true;
    }
  }
  return changed;
}

function setConversionBundle(obj: KubeObject, bundle: string): boolean {
  const conversion =
    isRecord(obj.spec) && isRecord(obj.spec.conversion) ? obj.spec.conversion : undefined;
  if (conversion?.strategy !== 'Webhook' || !isRecord(conversion.webhook)) return false;
  const clientConfig: JsonObject = isRecord(conversion.webhook.clientConfig)
    ? conversion.webhook.clientConfig
    : {};
  if (clientConfig.caBundle === bundle) return false;
  clientConfig.caBundle = bundle;
  conversion.webhook.clientConfig = clientConfig;
  return true;
}

/** The caBundle (base64) of a webhook configuration's first webhook or a CRD's conversion. */
function servedBundle(obj: KubeObject): string | undefined {
  const webhooks = Array.isArray(obj.webhooks) ? obj.webhooks : [];
  const first: unknown = webhooks[0];
  const conversion =
    isRecord(obj.spec) && isRecord(obj.spec.conversion) ? obj.spec.conversion : undefined;
  const clientConfig = isRecord(first)
    ? first.clientConfig
    : isRecord(conversion?.webhook)
      ? conversion.webhook.clientConfig
      : undefined;
  const bundle = isRecord(clientConfig) ? clientConfig.caBundle : undefined;
  return typeof bundle === 'string' && bundle !== '' ? bundle : undefined;
}

/** The CA checks look at the first (current) certificate of the bundle. */
function firstCa(state: CertificateState): CertificateState {
  return {
    ...state,
    caCertPem: state.caCertPem === undefined ? undefined : firstPem(state.caCertPem),
  };
}

function firstPem(bundle: string): string {
  const end = '-----END CERTIFICATE-----';
  const i = bundle.indexOf(end);
  return i < 0 ? bundle : `${bundle.slice(0, i + end.length)}\n`;
}

const decode = (b64: string | undefined): string | undefined =>
  b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
