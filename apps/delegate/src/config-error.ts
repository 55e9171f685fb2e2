/** A setting the delegate cannot start with; the message names the variable. main exits 78 (EX_CONFIG). */
export class DelegateConfigError extends Error {}
