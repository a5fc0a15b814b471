import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadPolicyFile } from '../config/policy-file.js';
import { DEFAULTABLE_STRATEGIES, type DefaultableStrategy } from '../collector/defaults.js';
import {
  DEFAULT_ALLOCATOR_IMAGE,
  DEFAULT_REFRESH_INTERVAL,
  parseCollectorRefreshInterval,
} from '../config/webhook-config.js';
import { UsageError, errorMessage } from '../errors.js';
import { EMPTY_POLICY } from '../policy/policy.js';
import { RENDER_OUTPUTS, renderManifests, type RenderOutput } from '../webhook/render-manifests.js';
import { runAction } from './run-action.js';

export interface RenderFlags {
  readonly filename?: string;
  readonly output: string;
  readonly namespace: string;
  readonly policyFile?: string;
  readonly allocatorImage: string;
  readonly defaultAllocationStrategy: string;
  readonly collectorRefreshInterval: string;
}

export interface RenderStreams {
  readonly stdin: AsyncIterable<unknown>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

async function readInput(filename: string, stdin: AsyncIterable<unknown>): Promise<string> {
  try {
    if (filename !== '-') return await readFile(filename, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of stdin)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new UsageError(
      'RENDER_INPUT_UNREADABLE',
      `cannot read ${filename}: ${errorMessage(err)}`,
    );
  }
}

/**
 * The render command's body: throws `UsageError` (exit 2) for unusable input and flags, an
 * `OtelTaError` (exit 1) when the webhook would deny; prints nothing on stdout in either case.
 */
export async function runRender(flags: RenderFlags, streams: RenderStreams): Promise<void> {
  if (flags.filename === undefined) {
    throw new UsageError('RENDER_NO_INPUT', 'render needs -f FILE (or -f - to read stdin)');
  }
  if (!(RENDER_OUTPUTS as readonly string[]).includes(flags.output)) {
    throw new UsageError(
      'RENDER_BAD_OUTPUT',
      `--output must be one of ${RENDER_OUTPUTS.join(', ')}, got "${flags.output}"`,
    );
  }
  if (!(DEFAULTABLE_STRATEGIES as readonly string[]).includes(flags.defaultAllocationStrategy)) {
    throw new UsageError(
      'RENDER_BAD_STRATEGY',
      `--default-allocation-strategy must be one of ${DEFAULTABLE_STRATEGIES.join(', ')}, got "${flags.defaultAllocationStrategy}"`,
    );
  }
  const policy =
    flags.policyFile === undefined ? EMPTY_POLICY : await loadPolicyFile(flags.policyFile);
  const text = await readInput(flags.filename, streams.stdin);
  const result = renderManifests(text, {
    output: flags.output as RenderOutput,
    namespace: flags.namespace,
    source: flags.filename,
    policy: () => policy,
    mutation: {
      allocatorImage: flags.allocatorImage,
      defaultAllocationStrategy: flags.defaultAllocationStrategy as DefaultableStrategy,
      refreshInterval: parseCollectorRefreshInterval(
        flags.collectorRefreshInterval,
        '--collector-refresh-interval',
      ),
    },
  });
  for (const warning of result.warnings) streams.stderr.write(`Warning: ${warning}\n`);
  streams.stdout.write(result.text);
}

/** `otel-ta render`: the webhook's mutation and validation, offline, for GitOps and CI. */
export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description(
      'print what the webhook would do to a manifest: collectors mutated and validated, other documents unchanged; exit 1 if the webhook would deny, 2 on unreadable input',
    )
    .option('-f, --filename <file>', 'multi-document YAML manifest, or - for stdin')
    .option(
      '-o, --output <format>',
      `output: ${RENDER_OUTPUTS.join(', ')} (patch: the JSON patch per collector)`,
      'yaml',
    )
    .option('-n, --namespace <ns>', 'namespace for objects that set none', 'default')
    .option('--policy-file <file>', 'admin policy to apply, as the webhook would (docs/policy.md)')
    .option(
      '--allocator-image <image>',
      'allocator image filled in when a collector sets none',
      DEFAULT_ALLOCATOR_IMAGE,
    )
    .option(
      '--default-allocation-strategy <name>',
      `strategy filled in when a collector sets none, as the webhook's flag (${DEFAULTABLE_STRATEGIES.join(' or ')}; daemonsets get per-node)`,
      'consistent-hashing',
    )
    .option(
      '--collector-refresh-interval <duration>',
      "how often collectors poll their allocator, as the webhook's setting (1s-5m)",
      DEFAULT_REFRESH_INTERVAL,
    )
    .action(
      runAction((flags: RenderFlags) =>
        runRender(flags, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }),
      ),
    );
}
