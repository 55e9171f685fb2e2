/**
 * Bounds on one pipeline document. A pipeline is reviewed by people and executed step by step by delegates;
 * anything past these is a mistake or an attack, and rejecting it early keeps parsing cheap and predictable.
 */
export const PIPELINE_LIMITS = {
  /** UTF-8 bytes of YAML text, checked before the text is parsed at all. */
  maxDocumentBytes: 256 * 1024,
  maxStages: 50,
  maxStepsPerStage: 100,
  maxStepsTotal: 500,
  /** Per level (pipeline, stage, step). */
  maxSelectors: 32,
  /** Per level (pipeline, stage, step). */
  maxEnvVars: 100,
  maxNameLength: 128,
  maxEnvValueLength: 32 * 1024,
  maxCommandLength: 64 * 1024,
  minRetries: 1,
  maxRetries: 10,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 24 * 60 * 60 * 1_000,
  /** YAML aliases expanded while reading (guards against "billion laughs" documents). */
  maxAliasCount: 100,
  /** Mapping/list nesting walked when scanning foreign (Harness) documents. */
  maxNestingDepth: 64,
  /** Errors returned for one document; the last one says how many more there were. */
  maxReportedErrors: 100,
} as const;

/**
 * Timeouts left out of the YAML. A stage inherits its pipeline's timeout and a step its stage's, capped at
 * the step default, so an unset timeout never outlives the level around it.
 */
export const TIMEOUT_DEFAULTS = {
  pipelineMs: 60 * 60 * 1_000,
  stepMs: 10 * 60 * 1_000,
} as const;
