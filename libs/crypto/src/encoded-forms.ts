/**
 * The spellings under which a secret value may show up in output. See masker.ts for the rules.
 */

/** All forms of `value`: its text (when it is UTF-8) plus encodings of its UTF-8 bytes. */
export function encodedForms(value: string | Buffer): string[] {
  const forms = new Set<string>();
  const text = secretText(value);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (text !== null) {
    forms.add(text);
    const json = JSON.stringify(text).slice(1, -1);
    forms.add(json);
    // Encoders like Python's json.dumps escape every non-ASCII character.
    forms.add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    forms.add(encodeURIComponent(text));
    forms.add(new URLSearchParams({ v: text }).toString().slice(2));
  }
  const hex = bytes.toString('hex');
  forms.add(hex);
  forms.add(hex.toUpperCase());
  for (const form of base64Forms(bytes)) forms.add(form);
  return [...forms];
}

/**
 * Base64 of the value on its own (standard and url-safe, padded and not), and the stable middle of
 * its base64 when it sits inside a larger stream at each of the 3 byte alignments. At offset p mod 3
 * the first ceil(8p/6) characters mix in bits of the bytes before the value and the characters from
 * floor(8(p+n)/6) on mix in bits of the bytes after it, so only the characters in between are fixed.
 */
export function base64Forms(value: Buffer): string[] {
  const forms: string[] = [];
  const standalone = value.toString('base64');
  forms.push(standalone, standalone.replace(/=+$/, ''));
  const url = value.toString('base64url');
  forms.push(url, url + '='.repeat(standalone.length - url.length));
  for (let p = 0; p < 3; p++) {
    const shifted = Buffer.concat([Buffer.alloc(p), value]);
    const start = Math.ceil((8 * p) / 6);
    const end = Math.floor((8 * (p + value.length)) / 6);
    if (end <= start) continue;
    forms.push(shifted.toString('base64').slice(start, end), shifted.toString('base64url').slice(start, end));
  }
  return forms;
}

/** The value as text, or null for bytes that are not valid UTF-8 (they cannot appear raw in text output). */
export function secretText(value: string | Buffer): string | null {
  if (typeof value === 'string') return value;
  const text = value.toString('utf8');
  return Buffer.from(text, 'utf8').equals(value) ? text : null;
}
