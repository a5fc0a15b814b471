import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { issueServingCertificate, writeCertificateFiles } from '../../src/certs/index.js';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import { ReviewClient, admissionReviewRequest } from '../../src/webhook/review-client.js';

const MANIFEST = parse(
  readFileSync(
    new URL('../fixtures/collectors/collector-with-ta.v1alpha1.yaml', import.meta.url),
    'utf8',
  ),
) as unknown;

/** A multi-replica collector with a prometheus receiver and no allocator: the out-of-order risk. */
const RISKY = {
  apiVersion: 'opentelemetry.io/v1alpha1',
  kind: 'OpenTelemetryCollector',
  metadata: { name: 'risky', namespace: 'team-a' },
  spec: {
    mode: 'statefulset',
    replicas: 3,
    config:
      'receivers:\n  prometheus:\n    config:\n      scrape_configs:\n      - job_name: app\n        static_configs:\n        - targets: [app:8080]\n',
  },
};

function servedSerial(url: string, ca: string): Promise<string> {
  const port = Number(new URL(url).port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

describe('webhook reloads', () => {
  let webhook: LocalWebhook | undefined;

  afterEach(async () => {
    await webhook?.stop();
    webhook = undefined;
  });

  it('swaps the serving certificate while requests keep flowing, with no failed request', async () => {
    webhook = await startLocalWebhook({ pollIntervalMs: 50 });
    const { url, ca, directory } = webhook;
    // Issued up front: forge signs in JavaScript and would stall the request loops meanwhile.
    const replacements = [1, 2, 3].map(() =>
      issueServingCertificate(ca, {
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
        validityDays: 1,
      }),
    );
    const reused = new ReviewClient({ baseUrl: url, ca: ca.certPem, maxSockets: 4 });
    const fresh = new ReviewClient({ baseUrl: url, ca: ca.certPem, keepAlive: false });
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const loop = async (client: ReviewClient, worker: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const reply = await client.postJson(
            '/mutate',
            admissionReviewRequest(MANIFEST, { uid: `${worker}-${i}` }),
          );
          const response = (reply.body as { response: { uid: string; allowed: boolean } }).response;
          if (response.uid !== `${worker}-${i}` || !response.allowed)
            failures.push(JSON.stringify(response));
          answered += 1;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = [loop(reused, 0), loop(reused, 1), loop(fresh, 2), loop(fresh, 3)];

    let lastSerial = '';
    for (const [round, next] of replacements.entries()) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      lastSerial = new X509Certificate(next.certPem).serialNumber;
      if (round === 1) {
        // A non-atomic writer: the certificate first (mismatched with the old key), then a torn key.
        await writeFile(join(directory, 'tls.crt'), next.certPem);
        await writeFile(join(directory, 'tls.key'), next.keyPem.slice(0, 200));
        await new Promise((resolve) => setTimeout(resolve, 150));
        await writeFile(join(directory, 'tls.key'), next.keyPem);
      } else {
        await writeCertificateFiles(directory, ca, next);
      }
    }
    await expect.poll(() => servedSerial(url, ca.certPem), { timeout: 5_000 }).toBe(lastSerial);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await Promise.all(loops);
    reused.close();
    fresh.close();

    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(20);
    const metrics = await webhook.service.metrics.registry.getSingleMetricAsString(
      'otel_ta_webhook_tls_reloads_total',
    );
    expect(metrics).toMatch(/result="success"\} [1-9]/);
  });

  it('applies a changed policy file and keeps the last good one when it becomes invalid', async () => {
    const policyDirectory = (webhook = await startLocalWebhook()).directory;
    await webhook.stop();
    const policyFile = join(policyDirectory + '-policy.yaml');
    await writeFile(policyFile, 'rules: [{name: lenient, outOfOrder: warn}]\n');
    webhook = await startLocalWebhook({ policyFile, pollIntervalMs: 50 });
    const client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
    const validate = async () =>
      (
        (await client.postJson('/validate', admissionReviewRequest(RISKY, { uid: 'p' }))).body as {
          response: { allowed: boolean; warnings?: string[] };
        }
      ).response;

    expect(await validate()).toMatchObject({
      allowed: true,
      warnings: [expect.stringContaining('every replica')],
    });
    await writeFile(policyFile, 'rules: [{name: strict, outOfOrder: enforce}]\n');
    await expect.poll(async () => (await validate()).allowed, { timeout: 5_000 }).toBe(false);
    await writeFile(policyFile, 'rules: [{name: broken, outOfOrder: never}]\n');
    await expect
      .poll(
        () =>
          webhook!.service.metrics.registry.getSingleMetricAsString('otel_ta_policy_reloads_total'),
        {
          timeout: 5_000,
        },
      )
      .toMatch(/result="failure"\} 1/);
    expect((await validate()).allowed).toBe(false);
    client.close();
  });
});
