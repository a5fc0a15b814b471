import jsonPatch, { type Operation } from 'fast-json-patch';
import { parse, stringify } from 'yaml';
import { DOCUMENTATION_MANIFEST_YAML } from './documentation-manifest.js';
import { startLocalWebhook } from './local-webhook.js';
import { ReviewClient, admissionReviewRequest } from './review-client.js';

interface AdmissionReply {
  response: { allowed: boolean; patch?: string; warnings?: string[]; status?: { message: string } };
}

/**
 * Starts the webhook with freshly generated certificates on a free loopback port, sends the
 * documentation's manifest as an AdmissionReview over HTTPS (verifying the certificate, as the
 * API server does), prints the resulting object and the patch, and stops.
 */
export async function demonstrateMutation(out: NodeJS.WritableStream): Promise<void> {
  const manifest = parse(DOCUMENTATION_MANIFEST_YAML) as unknown;
  const webhook = await startLocalWebhook();
  const client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
  try {
    out.write(`webhook listening on ${webhook.url} (TLS, certificate from a fresh CA)\n`);
    out.write(
      'POST /mutate with the documentation\'s OpenTelemetryCollector "collector-with-ta"\n\n',
    );
    const reply = await client.postJson(
      '/mutate',
      admissionReviewRequest(manifest, { uid: 'demo-1' }),
    );
    const { response } = reply.body as AdmissionReply;
    if (!response.allowed) {
      out.write(`denied: ${response.status?.message ?? ''}\n`);
      return;
    }
    const patch =
      response.patch === undefined
        ? []
        : (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[]);
    const mutated = jsonPatch.applyPatch(structuredClone(manifest), patch, true, false).newDocument;
    out.write('--- the object as stored after admission ---\n');
    out.write(stringify(mutated));
    out.write(`\n--- the JSON patch (${patch.length} operations) ---\n`);
    for (const operation of patch) out.write(`${JSON.stringify(operation)}\n`);
    for (const warning of response.warnings ?? []) out.write(`\nWarning: ${warning}\n`);
  } finally {
    client.close();
    await webhook.stop();
  }
}
