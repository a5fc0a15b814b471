/**
 * The webhook half of `bench/admission.ts`, in its own process (as in production, logging at info
 * level, here to /dev/null): the real webhook service over TLS on a free port, with fresh
 * certificates. Answers the parent's questions over IPC.
 */
import { pino } from 'pino';
import { createLogger } from '../src/observability/logger.js';
import { startLocalWebhook } from '../src/webhook/local-webhook.js';

export type WebhookMessage =
  | { readonly type: 'ready'; readonly url: string; readonly ca: string }
  | { readonly type: 'cpu'; readonly userUs: number; readonly systemUs: number };

const logger = createLogger(
  { level: 'info', name: 'otel-ta-webhook' },
  pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
);
const webhook = await startLocalWebhook({ logger });
const send = (message: WebhookMessage): void => {
  process.send?.(message);
};
send({ type: 'ready', url: webhook.url, ca: webhook.ca.certPem });
process.on('message', (message: unknown) => {
  if (message === 'cpu') {
    const cpu = process.cpuUsage();
    send({ type: 'cpu', userUs: cpu.user, systemUs: cpu.system });
  } else if (message === 'stop') {
    void webhook.stop().then(() => process.exit(0));
  }
});
