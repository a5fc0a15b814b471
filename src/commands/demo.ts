import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { buildAllocatorConfig, type AllocatorConfig } from '../config/allocator-config.js';
import { createLogger } from '../observability/logger.js';
import { demonstrateMutation } from '../webhook/demo.js';
import { composeAllocatorService, runUntilSignal } from './allocator.js';
import { runAction } from './run-action.js';

/** One thing the demo runs; the demo starts them in order and stops them in reverse. */
interface DemoPart {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DEMO_COLLECTORS = ['collector-0', 'collector-1', 'collector-2'];
const DEMO_TARGETS = [
  { job: 'api', env: 'demo' },
  { job: 'api', env: 'demo' },
  { job: 'api', env: 'demo' },
  { job: 'api', env: 'staging' },
  { job: 'workers', env: 'demo' },
  { job: 'workers', env: 'demo' },
  { job: 'workers', env: 'demo' },
  { job: 'workers', env: 'demo' },
] as const;

/** Small `/metrics` endpoints on loopback, so the demo's scrape jobs point at something real. */
class DemoTargets implements DemoPart {
  private readonly servers: Server[] = [];

  addresses(): string[] {
    return this.servers.map((s) => `127.0.0.1:${(s.address() as AddressInfo).port}`);
  }

  async start(): Promise<void> {
    for (let i = 0; i < DEMO_TARGETS.length; i++) {
      let scrapes = 0;
      const server = createServer((req, res) => {
        if (req.url !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        scrapes++;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(
          `# TYPE demo_scrapes_total counter\ndemo_scrapes_total{target="${i}"} ${scrapes}\n`,
        );
      });
      this.servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  }
}

/** The embedded example: two jobs, one relabel rule that drops a target, one that adds a label. */
function demoConfigYaml(addresses: readonly string[]): string {
  const groups = (job: string): string =>
    DEMO_TARGETS.map((t, i) => ({ ...t, address: addresses[i] ?? '' }))
      .filter((t) => t.job === job)
      .map((t) => `        - {targets: ["${t.address}"], labels: {env: ${t.env}}}`)
      .join('\n');
  return `collectors: [${DEMO_COLLECTORS.join(', ')}]
allocation_strategy: consistent-hashing
filter_strategy: relabel-config
config:
  global: {scrape_interval: 15s}
  scrape_configs:
    - job_name: api
      static_configs:
${groups('api')}
      relabel_configs:
        # Only the demo environment is scraped: the staging target is filtered out by the allocator.
        - {source_labels: [env], regex: demo, action: keep}
    - job_name: workers
      static_configs:
${groups('workers')}
      relabel_configs:
        - {source_labels: [__address__], regex: '.*:(\\d+)', target_label: port, replacement: $1}
`;
}

function demoListenAddr(value: string): string {
  // `--listen-addr 0` asks for any free port on loopback.
  return value === '0' ? '127.0.0.1:0' : value;
}

function printUrls(base: string, out: NodeJS.WritableStream): void {
  out.write(
    [
      '',
      'otel-ta demo is running: an allocator sharding 2 jobs over a static pool of 3 collectors.',
      '',
      `  overview (human page)   ${base}/`,
      `  jobs                    ${base}/jobs`,
      `  api targets, all        ${base}/jobs/api/targets`,
      `  api targets, one pool   ${base}/jobs/api/targets?collector_id=${DEMO_COLLECTORS[0]}`,
      `  scrape configs          ${base}/scrape_configs`,
      `  metrics                 ${base}/metrics`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

interface DemoOptions {
  readonly listenAddr: string;
  readonly logLevel: string;
  /** commander's negated `--no-webhook` flag. */
  readonly webhook: boolean;
}

async function runDemo(options: DemoOptions): Promise<void> {
  if (options.webhook) {
    // First what a user meets at `kubectl apply`: the admission webhook's mutation, over real TLS.
    await demonstrateMutation(process.stdout);
  }
  const targets = new DemoTargets();
  const parts: DemoPart[] = [targets];
  try {
    await targets.start();
    const config: AllocatorConfig = buildAllocatorConfig({
      flags: { listenAddr: demoListenAddr(options.listenAddr), logLevel: options.logLevel },
      env: {},
      file: { path: '<embedded demo config>', text: demoConfigYaml(targets.addresses()) },
    });
    const logger = createLogger({ level: config.logLevel, name: 'otel-ta-demo' });
    const service = composeAllocatorService(config, () => Promise.resolve(config), logger, {
      watchConfigFile: false,
    });
    await runUntilSignal(service, logger, () => {
      const address = service.httpAddress();
      printUrls(`http://127.0.0.1:${address?.port ?? 0}`, process.stdout);
    });
  } finally {
    for (const part of parts.reverse()) await part.stop();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      "show the webhook mutating the documentation's manifest over TLS, then run the allocator locally on an embedded example (demo /metrics targets, 2 jobs, 3 collectors) and print the URLs to open",
    )
    .option('--no-webhook', 'skip the webhook demonstration')
    .option('--listen-addr <addr>', 'allocator HTTP address; 0 picks a free port', '127.0.0.1:8080')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'warn')
    .action(runAction((options: DemoOptions) => runDemo(options)));
}
