/**
 * SecretMasker: every decrypted value is registered here before any output leaves the delegate.
 *
 * Rules:
 * - Each occurrence is replaced by `***` (MASK). Overlapping or adjacent occurrences (of one or several
 *   secrets) become a single `***`. Names are not printed: which secret leaked is itself information.
 * - Forms masked for each value (see encoded-forms.ts): the raw text; JSON-escaped (JSON.stringify without
 *   the quotes, and with non-ASCII as \uXXXX); encodeURIComponent; form encoding (URLSearchParams);
 *   hex (lower and upper case); base64 standard and url-safe, padded and unpadded; and the stable middle
 *   of its base64 at each of the 3 alignments inside a larger base64 stream.
 * - A value with leading/trailing whitespace is also registered trimmed (a token read from a file with
 *   its newline); each line of a multi-line value that is at least minLength long is also masked raw
 *   (tools often re-indent or prefix lines).
 * - Values shorter than minLength (default 4 characters; bytes for a value that is not UTF-8) are NOT
 *   registered: masking "a" or "no" would destroy all output. register() returns {masked: false} and
 *   the name is listed in `tooShort`, so the caller can warn "secret X is too short to be masked".
 *   Derived forms shorter than minLength are dropped for the same reason.
 *
 * Residual limits: a secret embedded in a larger base64 stream keeps up to 2 characters at each end
 * unmasked (they mix in bits of neighbouring bytes); other encodings (double encoding, percent-escapes
 * in lower-case hex, gzip, other character sets, reversed or split text) are not detected.
 *
 * Matching uses one RegExp of all forms, longest first, rebuilt lazily after a registration; after
 * each match the scan restarts one character later so overlapping occurrences are all covered.
 */
import { encodedForms, secretText } from './encoded-forms';

export const MASK = '***';
export const DEFAULT_MIN_SECRET_LENGTH = 4;

export type MaskRegistration = { masked: true } | { masked: false; reason: 'too-short'; minLength: number };

/** Half-open [start, end) character ranges, sorted, non-overlapping and non-adjacent. */
export type MaskedRange = [start: number, end: number];

export class SecretMasker {
  readonly minLength: number;
  private readonly patterns = new Set<string>();
  private readonly refused: string[] = [];
  private matcher: RegExp | null = null;
  /** Patterns in code-unit order, for the "could a pattern continue here" question of streaming. */
  private sorted: string[] = [];
  private longest = 0;
  private stale = false;

  constructor(options: { minLength?: number } = {}) {
    this.minLength = Math.max(1, options.minLength ?? DEFAULT_MIN_SECRET_LENGTH);
  }

  /** Registers a decrypted value; `name` is only used to report values too short to mask. */
  register(value: string | Buffer, name = 'unnamed'): MaskRegistration {
    const text = secretText(value);
    const length = text !== null ? text.length : value.length;
    if (length < this.minLength) {
      this.refused.push(name);
      return { masked: false, reason: 'too-short', minLength: this.minLength };
    }
    const forms = encodedForms(value);
    if (text !== null) {
      const trimmed = text.trim();
      if (trimmed !== text && trimmed.length >= this.minLength) forms.push(...encodedForms(trimmed));
      if (/[\r\n]/.test(text)) forms.push(...text.split(/\r?\n|\r/).map((line) => line.trim()));
    }
    for (const form of forms) {
      if (form.length >= this.minLength) this.patterns.add(form);
    }
    this.stale = true;
    return { masked: true };
  }

  /** Names of values refused because they are shorter than minLength. */
  get tooShort(): readonly string[] {
    return this.refused;
  }

  /** Length of the longest registered form; a streaming masker holds back one less than this. */
  get longestPatternLength(): number {
    this.refresh();
    return this.longest;
  }

  mask(text: string): string {
    return renderMasked(text, this.maskedRanges(text));
  }

  /** Where registered forms occur in `text`, merged into runs. */
  maskedRanges(text: string): MaskedRange[] {
    this.refresh();
    const ranges: MaskedRange[] = [];
    const matcher = this.matcher;
    if (matcher === null) return ranges;
    matcher.lastIndex = 0;
    for (let match = matcher.exec(text); match !== null; match = matcher.exec(text)) {
      const start = match.index;
      const end = start + match[0].length;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
      else ranges.push([start, end]);
      // Resume right after the start, not the end, so an occurrence overlapping this one is found too.
      matcher.lastIndex = start + 1;
    }
    return ranges;
  }

  /**
   * The first index from which the tail of `text` could still grow into a registered form once more
   * text arrives (text.length if none). Everything before it can be masked and released for good.
   */
  incompleteMatchStart(text: string): number {
    this.refresh();
    for (let i = Math.max(0, text.length - this.longest + 1); i < text.length; i++) {
      if (this.isProperPrefix(text.slice(i))) return i;
    }
    return text.length;
  }

  private isProperPrefix(tail: string): boolean {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sorted[mid] < tail) low = mid + 1;
      else high = mid;
    }
    if (this.sorted[low] === tail) low++;
    return low < this.sorted.length && this.sorted[low].startsWith(tail);
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    const byLength = [...this.patterns].sort((a, b) => b.length - a.length);
    this.longest = byLength[0]?.length ?? 0;
    this.sorted = [...this.patterns].sort();
    // Longest first: JS alternation takes the first alternative that matches at a position.
    this.matcher = byLength.length > 0 ? new RegExp(byLength.map(escapeRegExp).join('|'), 'g') : null;
  }
}

/** Replaces each range of `text` by MASK. */
export function renderMasked(text: string, ranges: readonly MaskedRange[]): string {
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += text.slice(at, start) + MASK;
    at = end;
  }
  return out + text.slice(at);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
