import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { UsageError, errorMessage } from '../errors.js';
import { parsePolicy } from '../policy/parse-policy.js';
import type { Policy } from '../policy/policy.js';
import { yamlSyntaxReason } from './yaml-syntax-error.js';

/** Parses a policy file's text (YAML, see docs/policy.md); errors name the file. */
export function parsePolicyText(path: string, text: string): Policy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new UsageError(
      'POLICY_INVALID',
      `policy file ${path} is not valid YAML: ${yamlSyntaxReason(err)}`,
    );
  }
  return parsePolicy(document, `policy file ${path}`);
}

export async function loadPolicyFile(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      'POLICY_UNREADABLE',
      `cannot read the policy file ${path}: ${errorMessage(err)}`,
    );
  }
  return parsePolicyText(path, text);
}
