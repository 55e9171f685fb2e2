/** One code per kind of problem, so callers (API, CLI) can react without parsing messages. */
export const PipelineErrorCode = {
  DocumentTooLarge: 'DOCUMENT_TOO_LARGE',
  YamlSyntax: 'YAML_SYNTAX',
  InvalidRoot: 'INVALID_ROOT',
  Required: 'REQUIRED',
  InvalidType: 'INVALID_TYPE',
  InvalidValue: 'INVALID_VALUE',
  UnknownField: 'UNKNOWN_FIELD',
  UnknownType: 'UNKNOWN_TYPE',
  InvalidReference: 'INVALID_REFERENCE',
  InvalidExpression: 'INVALID_EXPRESSION',
  InvalidDuration: 'INVALID_DURATION',
  DuplicateName: 'DUPLICATE_NAME',
  LimitExceeded: 'LIMIT_EXCEEDED',
  TooManyErrors: 'TOO_MANY_ERRORS',
} as const;

export type PipelineErrorCode = (typeof PipelineErrorCode)[keyof typeof PipelineErrorCode];

export interface PipelineError {
  code: PipelineErrorCode;
  /**
   * Where, relative to the `pipeline:` mapping: `stages[1].spec.steps[0].spec.command`. Empty for problems
   * with the document as a whole (size, syntax, root shape, stray top-level keys).
   */
  path: string;
  /** 1-based line in the YAML text, when known. */
  line?: number;
  message: string;
}
