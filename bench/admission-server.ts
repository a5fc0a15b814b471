/**
 * The webhook half of `bench/admission.ts`, in its own process (as in production, logging at info
 * level, here to /dev/null): the real webhook service over TLS on a free port, with fresh
 * certificates. Answers the parent's questions over IPC.
 */
import { pino } from 'pino';
import { createLogger } from '../src/observability/logger.js';
import { startLocalWebhook } from '../src/webhook/local-webhook.js';
import { answerParent, type CpuMessage } from './bench-child.js';

export type WebhookMessage =
  { readonly type: 'ready'; readonly url: string; readonly ca: string } | CpuMessage;

const logger = createLogger(
  { level: 'info', name: 'otel-ta-webhook' },
  pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
);
const webhook = await startLocalWebhook({ logger });
const ready: WebhookMessage = { type: 'ready', url: webhook.url, ca: webhook.ca.certPem };
process.send?.(ready);
answerParent(() => webhook.stop());
