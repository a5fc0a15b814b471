import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UsageError, errorMessage } from '../errors.js';
import type { Labels } from '../allocator/model.js';
import {
  compileRelabelConfigs,
  isNameValidationScheme,
  type NameValidationScheme,
  type RelabelProgram,
} from '../allocator/relabel/index.js';
import { runAction } from './run-action.js';

interface RelabelOptions {
  readonly config: string;
  readonly labels: string;
  readonly nameValidation?: string;
}

const HELP_AFTER = `
The config file holds either a YAML list of relabel configs or one scrape config (a mapping);
for a scrape config its relabel_configs are evaluated. The rules run exactly as written on the
given labels: nothing is seeded (no job, __scheme__, __metrics_path__, ... as a scrape job would
add), so pass such labels yourself when a rule reads them.

Prints the resulting label set as one JSON object with sorted keys, or null when a rule drops it.
Exit codes: 0 ok (also when dropped), 2 bad config, unreadable file or bad labels.

Example:
  otel-ta relabel --config rules.yaml --labels '{"__address__":"10.0.0.1:8080","team":"a"}'
  echo '{"__meta_kubernetes_pod_label_app":"api"}' | otel-ta relabel --config job.yaml --labels -`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses `--labels`: a JSON object of strings. */
export function parseLabels(text: string): Labels {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError('INVALID_LABELS', `--labels: not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      'INVALID_LABELS',
      '--labels: must be a JSON object of label names to string values, e.g. {"job":"api"}',
    );
  }
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new UsageError(
        'INVALID_LABELS',
        `--labels: the value of ${JSON.stringify(name)} must be a string, got ${JSON.stringify(v)}`,
      );
    }
  }
  return value as Labels;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function programFromConfig(
  document: unknown,
  file: string,
  flagScheme: NameValidationScheme | undefined,
): RelabelProgram {
  if (Array.isArray(document))
    return compileRelabelConfigs(document, { nameValidation: flagScheme });
  if (isRecord(document) && 'relabel_configs' in document) {
    const job = typeof document.job_name === 'string' ? document.job_name : undefined;
    const own = document.metric_name_validation_scheme;
    const scheme = flagScheme ?? (isNameValidationScheme(own) ? own : undefined);
    return compileRelabelConfigs(document.relabel_configs, { job, nameValidation: scheme });
  }
  throw new UsageError(
    'INVALID_RELABEL_CONFIG',
    `${file}: expected a YAML list of relabel configs or a scrape config with relabel_configs`,
  );
}

/** Reads and compiles the `--config` file. */
export async function loadProgram(
  file: string,
  flagScheme: NameValidationScheme | undefined,
): Promise<RelabelProgram> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError('UNREADABLE_FILE', `--config: cannot read ${file}: ${errorMessage(err)}`);
  }
  let document: unknown;
  try {
    // Integers as BigInt: a hashmod modulus may use all 64 bits.
    document = parseYaml(text, { intAsBigInt: true });
  } catch (err) {
    throw new UsageError('INVALID_YAML', `${file}: not valid YAML: ${errorMessage(err)}`);
  }
  return programFromConfig(document, file, flagScheme);
}

/** The output: one JSON object with sorted keys, or `null` when dropped. */
export function sortedJson(labels: Labels | null): string {
  if (labels === null) return 'null';
  const names = Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, labels[name]])));
}

async function relabelAction(options: RelabelOptions): Promise<void> {
  const flagScheme = options.nameValidation;
  if (flagScheme !== undefined && !isNameValidationScheme(flagScheme)) {
    throw new UsageError(
      'INVALID_FLAG',
      `--name-validation must be utf8 or legacy, got ${JSON.stringify(flagScheme)}`,
    );
  }
  const program = await loadProgram(options.config, flagScheme);
  const labels = parseLabels(options.labels === '-' ? await readStdin() : options.labels);
  process.stdout.write(`${sortedJson(program.apply(labels))}\n`);
}

export function registerRelabelCommand(program: Command): void {
  program
    .command('relabel')
    .description('evaluate relabel_configs on one label set (a debugging tool, like promtool)')
    .requiredOption(
      '--config <file>',
      'YAML file: a list of relabel configs, or a scrape config whose relabel_configs are used',
    )
    .requiredOption('--labels <json>', 'the label set as a JSON object of strings; "-" reads stdin')
    .option(
      '--name-validation <scheme>',
      "label name rules for target_label: utf8 (Prometheus 3) or legacy; default: the scrape config's metric_name_validation_scheme, else utf8",
    )
    .addHelpText('after', HELP_AFTER)
    .action(runAction(relabelAction));
}
