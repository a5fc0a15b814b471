/**
 * bench:admission: the webhook's /mutate over TLS at a paced rate (open loop: requests leave on a
 * fixed schedule whatever the answers do), as the API server sends them during an Argo CD sync.
 * The webhook runs in a child process (bench/admission-server.ts) whose CPU is reported; the load
 * comes from this process over keep-alive TLS connections. Two payloads, each a v1alpha1 collector
 * with `--jobs` scrape jobs in its config string: `new_text`, whose config text differs on every
 * request (a comment of its own first, so no cached rewrite or answer helps), and `same_text`,
 * the same object every time (a dry run followed by the apply, re-applies).
 *
 *   npm run bench:admission -- [--json] [--rate 50] [--duration 20] [--warmup 3] [--jobs 100]
 */
import { admissionReviewRequest } from '../src/webhook/review-client.js';
import { LatencyHistogram } from './latency-histogram.js';
import { benchArgs, environment, printReport, round, type Figure } from './report.js';
import type { WebhookMessage } from './admission-server.js';
import { childCpuUs, forkBenchChild, waitFor } from './bench-child.js';
import { collectorWithJobs } from './admission-payloads.js';
import { ReviewConnectionPool } from './review-client.js';

const startedAt = new Date();
const args = benchArgs({
  rate: { type: 'string', default: '50' },
  duration: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '3' },
  jobs: { type: 'string', default: '100' },
});
const rate = Number(args.rate);
const UID = '__UID__';

/** The AdmissionReview body for one request; `newText` puts the uid into the config text too. */
function bodyFor(jobs: number, newText: boolean): (uid: string) => string {
  const collector = collectorWithJobs(jobs) as { spec: { config: string } };
  if (newText) collector.spec.config = `# revision ${UID}\n${collector.spec.config}`;
  const body = JSON.stringify(admissionReviewRequest(collector, { uid: UID }));
  return (uid) => body.replaceAll(UID, uid);
}

/** An answer that allows the object with a patch, for this request's uid. */
function problemWith(text: string, uid: string): string | undefined {
  if (!text.includes(`"uid":${JSON.stringify(uid)},"allowed":true`)) return 'not allowed';
  return text.includes('"patch":"') ? undefined : 'no patch';
}

interface RunFigures {
  readonly requests: number;
  readonly errors: number;
  readonly latency: LatencyHistogram;
  readonly seconds: number;
}

async function paced(
  pool: ReviewConnectionPool,
  body: (uid: string) => string,
  name: string,
  seconds: number,
): Promise<RunFigures> {
  const total = Math.round(rate * seconds);
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const latency = new LatencyHistogram();
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const start = process.hrtime.bigint();
  const send = async (index: number, due: bigint): Promise<void> => {
    const uid = `${name}-${index}-${start}`;
    try {
      const reply = await pool.post('/mutate', body(uid));
      // From the time the request was due: the client's own delays count against the webhook.
      latency.record(Number(process.hrtime.bigint() - due) / 1000);
      if (reply.status !== 200 || problemWith(reply.text, uid) !== undefined) errors++;
    } catch {
      errors++;
    }
  };
  for (let next = 0; next < total;) {
    const now = process.hrtime.bigint();
    for (; next < total && start + BigInt(next) * intervalNs <= now; next++) {
      inflight.push(send(next, start + BigInt(next) * intervalNs));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  return {
    requests: total,
    errors,
    latency,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}

const webhook = forkBenchChild(new URL('./admission-server.ts', import.meta.url));
try {
  const ready = await waitFor<Extract<WebhookMessage, { type: 'ready' }>>(
    webhook,
    'webhook',
    'ready',
  );
  const pool = new ReviewConnectionPool(new URL(ready.url), ready.ca, 64);
  const figures: Record<string, Record<string, Figure>> = {};
  for (const [name, newText] of [
    ['new_text', true],
    ['same_text', false],
  ] as const) {
    const body = bodyFor(Number(args.jobs), newText);
    await paced(pool, body, `${name}-warmup`, Number(args.warmup));
    const cpuBefore = await childCpuUs(webhook, 'webhook');
    const r = await paced(pool, body, name, Number(args.duration));
    const cpuUs = (await childCpuUs(webhook, 'webhook')) - cpuBefore;
    figures[name] = {
      req_per_s: round(r.requests / r.seconds, 1),
      requests: r.requests,
      errors: r.errors,
      p50_ms: round(r.latency.quantileMs(0.5)),
      p90_ms: round(r.latency.quantileMs(0.9)),
      p99_ms: round(r.latency.quantileMs(0.99)),
      max_ms: round(r.latency.maxUs / 1000),
      webhook_cpu_ms_per_req: round(cpuUs / 1000 / r.requests),
      webhook_cpu_cores: round(cpuUs / 1e6 / r.seconds, 3),
    };
  }
  pool.close();
  printReport(
    {
      benchmark: 'admission',
      subject: 'POST /mutate over TLS (keep-alive), v1alpha1 collector, paced',
      parameters: {
        rate,
        duration_s: Number(args.duration),
        warmup_s: Number(args.warmup),
        jobs: Number(args.jobs),
      },
      figures,
      environment: environment(startedAt),
    },
    args.json,
  );
  webhook.send('stop');
} catch (err) {
  webhook.kill('SIGKILL');
  throw err;
}
