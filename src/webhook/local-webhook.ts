import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueServingCertificate,
  writeCertificateFiles,
  type CertificateFilePaths,
  type CertificateKeyPair,
} from '../certs/index.js';
import { DEFAULT_ALLOCATOR_IMAGE, DEFAULT_REFRESH_INTERVAL } from '../config/webhook-config.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { WebhookService } from './webhook-service.js';

export interface LocalWebhookOptions {
  readonly logger?: Logger;
  readonly policyFile?: string;
  readonly allocatorImage?: string;
  readonly pollIntervalMs?: number;
  /** Reuse a CA (e.g. to issue a replacement certificate later); a fresh one by default. */
  readonly ca?: CertificateKeyPair;
}

export interface LocalWebhook {
  readonly service: WebhookService;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly ca: CertificateKeyPair;
  readonly files: CertificateFilePaths;
  readonly directory: string;
  stop(): Promise<void>;
}

/**
 * The webhook on a free loopback port with freshly generated certificates in a temporary
 * directory: what the demo, the benchmark and the integration tests run.
 */
export async function startLocalWebhook(options: LocalWebhookOptions = {}): Promise<LocalWebhook> {
  const directory = await mkdtemp(join(tmpdir(), 'otel-ta-webhook-'));
  const ca =
    options.ca ?? createCertificateAuthority({ commonName: 'otel-ta-local-ca', validityDays: 1 });
  const serving = issueServingCertificate(ca, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityDays: 1,
  });
  const files = await writeCertificateFiles(directory, ca, serving);
  const service = new WebhookService({
    config: {
      tlsCertFile: files.tlsCert,
      tlsKeyFile: files.tlsKey,
      listenAddr: { host: '127.0.0.1', port: 0 },
      policyFile: options.policyFile,
      allocatorImage: options.allocatorImage ?? DEFAULT_ALLOCATOR_IMAGE,
      defaultAllocationStrategy: 'consistent-hashing',
      collectorRefreshInterval: DEFAULT_REFRESH_INTERVAL,
      certificateWaitSeconds: 0,
    },
    logger: options.logger ?? silentLogger(),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  try {
    const address = await service.start();
    return {
      service,
      url: `https://127.0.0.1:${address.port}`,
      ca,
      files,
      directory,
      stop: async () => {
        await service.stop();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
}
