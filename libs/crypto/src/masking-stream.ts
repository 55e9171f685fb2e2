/**
 * Masking text that arrives in chunks (process output, log streams), where a secret may be split
 * across chunks.
 *
 * MaskingLineBuffer releases text as soon as its masking can no longer change: it holds back only the
 * tail that is still the beginning of some registered form, which is at most (longest form − 1)
 * characters (one more to avoid splitting a UTF-16 surrogate pair). The concatenated output of
 * push()… flush() equals masker.mask() of the concatenated input. Values registered after text has
 * been released cannot mask that text: register before output starts flowing.
 */
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MASK, MaskedRange, SecretMasker } from './masker';

export class MaskingLineBuffer {
  private held = '';
  /** How many leading characters of `held` belong to an occurrence that started in released text. */
  private heldMasked = 0;
  /** Whether released text ended inside a masked run, so a continuing run gets no second MASK. */
  private releasedEndsMasked = false;

  constructor(private readonly masker: SecretMasker) {}

  /** Adds a chunk and returns the part of the text that is now safe to release. */
  push(chunk: string): string {
    const text = this.held + chunk;
    let cut = this.masker.incompleteMatchStart(text);
    if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    return this.release(text, cut);
  }

  /** Releases everything held; call once at the end of the stream. */
  flush(): string {
    const out = this.release(this.held, this.held.length);
    this.releasedEndsMasked = false;
    return out;
  }

  private release(text: string, cut: number): string {
    const ranges = this.masker.maskedRanges(text);
    if (this.heldMasked > 0) mergeLeading(ranges, this.heldMasked);
    let out = '';
    let at = 0;
    for (const [start, end] of ranges) {
      if (start >= cut) break;
      const continuesRun = start === 0 && this.releasedEndsMasked;
      out += text.slice(at, start) + (continuesRun ? '' : MASK);
      at = Math.min(end, cut);
    }
    out += text.slice(at, cut);
    if (cut > 0) this.releasedEndsMasked = ranges.some(([start, end]) => start < cut && end >= cut);
    // What stays masked past the cut: the earlier carry (even when nothing was released) or a run released in part.
    const straddling = ranges.find(([start, end]) => start < cut && end > cut);
    this.heldMasked = Math.max(this.heldMasked - cut, straddling ? straddling[1] - cut : 0, 0);
    this.held = text.slice(cut);
    return out;
  }
}

/** A Transform that decodes UTF-8 (keeping split multi-byte characters intact) and masks it. */
export function createMaskingStream(masker: SecretMasker): Transform {
  const decoder = new StringDecoder('utf8');
  const buffer = new MaskingLineBuffer(masker);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, buffer.push(decoder.write(chunk)));
    },
    flush(callback) {
      callback(null, buffer.push(decoder.end()) + buffer.flush());
    },
  });
}

function mergeLeading(ranges: MaskedRange[], length: number): void {
  let end = length;
  while (ranges.length > 0 && ranges[0][0] <= end) end = Math.max(end, (ranges.shift() as MaskedRange)[1]);
  ranges.unshift([0, end]);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
