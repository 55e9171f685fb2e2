import { Readable } from 'node:stream';
import { createMaskingStream, MASK, MaskingLineBuffer, SecretMasker } from './index';

function masker(...values: string[]): SecretMasker {
  const m = new SecretMasker();
  for (const v of values) m.register(v);
  return m;
}

function streamed(m: SecretMasker, chunks: string[]): string {
  const buffer = new MaskingLineBuffer(m);
  return chunks.map((chunk) => buffer.push(chunk)).join('') + buffer.flush();
}

/** Deterministic pseudo-random numbers so a failing chunking can be reproduced. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

describe('MaskingLineBuffer', () => {
  const secret = 'hunter2-correct-horse';
  const m = masker(secret);

  it('never emits a secret split at any position across two chunks', () => {
    const text = `login with ${secret} now`;
    for (let cut = 0; cut <= text.length; cut++) {
      const out = streamed(m, [text.slice(0, cut), text.slice(cut)]);
      expect({ cut, out }).toEqual({ cut, out: `login with ${MASK} now` });
    }
  });

  it('never emits an encoded form split at any two positions across three chunks', () => {
    const encoded = Buffer.from(secret).toString('base64');
    const text = `b64=${encoded};`;
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const out = streamed(m, [text.slice(0, i), text.slice(i, j), text.slice(j)]);
        expect({ i, j, out }).toEqual({ i, j, out: `b64=${MASK};` });
      }
    }
  });

  it('gives the same output as masking the whole text, for random chunkings', () => {
    const overlapping = masker('abcdEFGH', 'EFGHijkl', 'zzzz', 'secret-value-1', 'aaaab', 'baaaa', '🔑🔑-k');
    const pieces = ['abcdEFGHijkl', 'zzzzzz', 'secret-value-1', 'abcd', 'EFGH', 'x', ' ', '\n', 'secret-val', 'zz'];
    pieces.push('a', 'aa', 'b', '🔑', '-k', Buffer.from('secret-value-1').toString('base64'), '7a7a', 'c2Vj');
    const random = prng(42);
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: 30 }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      const chunks: string[] = [];
      for (let at = 0; at < text.length;) {
        const size = Math.floor(random() * 12);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      expect({ round, out: streamed(overlapping, chunks) }).toEqual({ round, out: overlapping.mask(text) });
    }
  });

  it('holds back at most the longest form minus one character', () => {
    const buffer = new MaskingLineBuffer(m);
    const out = buffer.push(`abc ${secret.slice(0, -1)}`);
    expect(out.length).toBeGreaterThanOrEqual(`abc ${secret.slice(0, -1)}`.length - (m.longestPatternLength - 1));
    expect(out).toBe('abc ');
    expect(buffer.push('!')).toBe(`${secret.slice(0, -1)}!`);
  });

  it('releases text at once when its tail cannot start a secret', () => {
    const buffer = new MaskingLineBuffer(m);
    expect(buffer.push('build step 1 done\n')).toBe('build step 1 done\n');
    expect(buffer.push(`using ${secret}\n`)).toBe(`using ${MASK}\n`);
    // A complete secret that no longer form begins with is final too.
    expect(buffer.push(`token ${secret}`)).toBe(`token ${MASK}`);
    expect(buffer.flush()).toBe('');
  });

  it('never releases half of a surrogate pair', () => {
    const emoji = masker('🔑🔑-key-value');
    const text = 'x 𝐀 🔑🔑-key-valu🔑 𝐀'; // 𝐀 and 🔑 have different high surrogates
    const wellFormed = (part: string) => Buffer.from(part).toString() === part;
    for (let cut = 0; cut <= text.length; cut++) {
      const buffer = new MaskingLineBuffer(emoji);
      const parts = [buffer.push(text.slice(0, cut)), buffer.push(text.slice(cut)), buffer.flush()];
      expect(parts.join('')).toBe(text);
      expect({ cut, wellFormed: parts.every(wellFormed) }).toEqual({ cut, wellFormed: true });
    }
  });
});

describe('createMaskingStream', () => {
  it('masks bytes split inside the secret and inside a multi-byte character', async () => {
    const m = masker('clé-secrète-42');
    const bytes = Buffer.from('début clé-secrète-42 fin ✓\n');
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));

    let out = '';
    for await (const chunk of Readable.from(chunks).pipe(createMaskingStream(m))) out += String(chunk);

    expect(out).toBe(`début ${MASK} fin ✓\n`);
  });
});
