export { compileRelabelConfigs, INVALID_RELABEL_CONFIG } from './compile-relabel-configs.js';
export type { RelabelConfigLocation } from './compile-relabel-configs.js';
export { RelabelProgram } from './relabel-program.js';
export { LabelWorkspace } from './label-workspace.js';
export type { RelabelAction, RelabelRule } from './relabel-rule.js';
export { RELABEL_ACTIONS } from './relabel-rule.js';
export type { NameValidationScheme } from './label-names.js';
export { isNameValidationScheme } from './label-names.js';
export { LabelMerger } from './label-merger.js';
