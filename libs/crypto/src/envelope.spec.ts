import { randomBytes } from 'node:crypto';
import { gcmDecrypt } from './aes-gcm';
import { contentAad } from './context';
import {
  addRecipients,
  CryptoError,
  CryptoErrorCode,
  generateGroupKeyPair,
  MasterKey,
  openSecret,
  rewrapMaster,
  SealedSecret,
  sealForGroups,
  sealSecret,
  SecretMasker,
} from './index';
import { unwrapDataKey } from './recipients';

const ctx = { secretId: 'sec_01HZX3', version: 3 };
const eng = generateGroupKeyPair();
const ops = generateGroupKeyPair();
const master: MasterKey = { kind: 'master', keyId: 'mk-2025-01', key: randomBytes(32) };
const engKey = { kind: 'group' as const, groupId: 'eng', privateKey: eng.privateKey };
const opsKey = { kind: 'group' as const, groupId: 'ops', privateKey: ops.privateKey };
const value = Buffer.from('p@ssw0rd-for-prod-db');

function sealForEngAndMaster(plaintext = value): SealedSecret {
  return sealSecret(plaintext, ctx, [{ kind: 'group', groupId: 'eng', publicKey: eng.publicKey }, master]);
}

function codeOf(fn: () => unknown): CryptoErrorCode | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return error instanceof CryptoError ? error.code : 'other error';
  }
}

/** Flips one bit of a base64url field, keeping it well-formed so the failure comes from the crypto. */
function flipBit(field: string, byte = 0): string {
  const bytes = Buffer.from(field, 'base64url');
  bytes[byte] ^= 0x01;
  return bytes.toString('base64url');
}

describe('sealSecret / openSecret', () => {
  it('opens with the group private key and with the master key', () => {
    const sealed = sealForEngAndMaster();
    expect(openSecret(sealed, ctx, engKey)).toEqual(value);
    expect(openSecret(sealed, ctx, master)).toEqual(value);
  });

  it('survives a JSON round trip (what the database stores)', () => {
    const stored: unknown = JSON.parse(JSON.stringify(sealForEngAndMaster()));
    expect(openSecret(stored as SealedSecret, ctx, engKey)).toEqual(value);
  });

  it('handles empty and large values', () => {
    const big = randomBytes(1024 * 1024);
    expect(openSecret(sealForEngAndMaster(Buffer.alloc(0)), ctx, master)).toEqual(Buffer.alloc(0));
    expect(openSecret(sealForEngAndMaster(big), ctx, engKey)).toEqual(big);
  });

  it('uses a fresh data key, IV and ephemeral key each time', () => {
    const a = sealForEngAndMaster();
    const b = sealForEngAndMaster();
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.iv).not.toBe(b.iv);
    const [groupA, masterA] = a.recipients;
    const [groupB, masterB] = b.recipients;
    expect(groupA.kind === 'group' && groupB.kind === 'group' && groupA.epk !== groupB.epk).toBe(true);
    expect(masterA.wrappedKey).not.toBe(masterB.wrappedKey);
  });

  it('sealForGroups seals for every listed group only', () => {
    const sealed = sealForGroups(value, ctx, [
      { groupId: 'eng', publicKey: eng.publicKey },
      { groupId: 'ops', publicKey: ops.publicKey },
    ]);
    expect(openSecret(sealed, ctx, engKey)).toEqual(value);
    expect(openSecret(sealed, ctx, opsKey)).toEqual(value);
    expect(codeOf(() => openSecret(sealed, ctx, master))).toBe('NO_RECIPIENT_FOR_KEY');
  });

  it('records the group key id and the master key id', () => {
    const sealed = sealForEngAndMaster();
    expect(sealed.recipients).toEqual([
      expect.objectContaining({ kind: 'group', groupId: 'eng', keyId: eng.keyId }),
      expect.objectContaining({ kind: 'master', keyId: 'mk-2025-01' }),
    ]);
  });
});

describe('binding to (secretId, version)', () => {
  const sealed = sealForEngAndMaster();

  it.each([
    ['another secret', { secretId: 'sec_OTHER', version: 3 }],
    ['another version', { secretId: 'sec_01HZX3', version: 4 }],
    ['an id that only differs by where the version digits sit', { secretId: 'sec_01HZX', version: 33 }],
  ])('does not open for %s', (_label, other) => {
    expect(codeOf(() => openSecret(sealed, other, engKey))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => openSecret(sealed, other, master))).toBe('DECRYPT_FAILED');
  });

  it('binds the value ciphertext itself, not only the wrapped keys', () => {
    // Someone holding the data key (a delegate) still cannot move the ciphertext to another record.
    const dataKey = unwrapDataKey(sealed, ctx, engKey);
    const box = {
      iv: Buffer.from(sealed.iv, 'base64url'),
      ciphertext: Buffer.from(sealed.ciphertext, 'base64url'),
      tag: Buffer.from(sealed.tag, 'base64url'),
    };
    expect(gcmDecrypt(dataKey, box, contentAad(ctx), 'value')).toEqual(value);
    expect(codeOf(() => gcmDecrypt(dataKey, box, contentAad({ ...ctx, version: 2 }), 'value'))).toBe('DECRYPT_FAILED');
  });
});

describe('tampering', () => {
  const sealed = sealForEngAndMaster();
  const [group, masterEntry] = sealed.recipients;

  it.each(['iv', 'ciphertext', 'tag'] as const)('fails when the value %s changes', (field) => {
    const tampered = { ...sealed, [field]: flipBit(sealed[field]) };
    expect(codeOf(() => openSecret(tampered, ctx, engKey))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => openSecret(tampered, ctx, master))).toBe('DECRYPT_FAILED');
  });

  it.each(['epk', 'iv', 'wrappedKey', 'tag'] as const)('fails when the group entry %s changes', (field) => {
    if (group.kind !== 'group') throw new Error('expected the group entry first');
    const tampered = { ...sealed, recipients: [{ ...group, [field]: flipBit(group[field], 5) }, masterEntry] };
    expect(codeOf(() => openSecret(tampered, ctx, engKey))).toBe('DECRYPT_FAILED');
    expect(openSecret(tampered, ctx, master)).toEqual(value);
  });

  it.each(['salt', 'iv', 'wrappedKey', 'tag'] as const)('fails when the master entry %s changes', (field) => {
    if (masterEntry.kind !== 'master') throw new Error('expected the master entry second');
    const tampered = { ...sealed, recipients: [group, { ...masterEntry, [field]: flipBit(masterEntry[field]) }] };
    expect(codeOf(() => openSecret(tampered, ctx, master))).toBe('DECRYPT_FAILED');
  });

  it('fails when an entry is relabelled to another key id', () => {
    const relabelled = { ...sealed, recipients: [group, { ...masterEntry, keyId: 'mk-forged' }] };
    expect(codeOf(() => openSecret(relabelled, ctx, { ...master, keyId: 'mk-forged' }))).toBe('DECRYPT_FAILED');
  });

  it('rejects malformed envelopes as BAD_FORMAT', () => {
    const cases: unknown[] = [
      null,
      'enc:v1:abc',
      { ...sealed, v: 2 },
      { ...sealed, alg: 'A128CBC' },
      { ...sealed, iv: sealed.iv + 'AA' },
      { ...sealed, tag: sealed.tag + '=' },
      { ...sealed, ciphertext: sealed.ciphertext.replace(/.$/, '+') },
      { ...sealed, recipients: [] },
      { ...sealed, recipients: [group, group] },
      { ...sealed, extra: 'field' },
      { ...sealed, recipients: [{ ...group, kind: 'user' }] },
    ];
    for (const bad of cases) expect(codeOf(() => openSecret(bad as SealedSecret, ctx, engKey))).toBe('BAD_FORMAT');
  });
});

describe('wrong keys', () => {
  const sealed = sealForEngAndMaster();

  it('reports NO_RECIPIENT_FOR_KEY for another group, or another key of the same group', () => {
    expect(codeOf(() => openSecret(sealed, ctx, opsKey))).toBe('NO_RECIPIENT_FOR_KEY');
    expect(codeOf(() => openSecret(sealed, ctx, { ...opsKey, groupId: 'eng' }))).toBe('NO_RECIPIENT_FOR_KEY');
    expect(codeOf(() => openSecret(sealed, ctx, { ...engKey, groupId: 'ops' }))).toBe('NO_RECIPIENT_FOR_KEY');
  });

  it('reports DECRYPT_FAILED when an entry claims a key id it was not wrapped for', () => {
    const [group, masterEntry] = sealed.recipients;
    const forged = { ...sealed, recipients: [{ ...group, keyId: ops.keyId }, masterEntry] };
    expect(codeOf(() => openSecret(forged, ctx, { ...opsKey, groupId: 'eng' }))).toBe('DECRYPT_FAILED');
  });

  it('reports NO_RECIPIENT_FOR_KEY for an unknown master key id and DECRYPT_FAILED for wrong master bytes', () => {
    expect(codeOf(() => openSecret(sealed, ctx, { ...master, keyId: 'mk-other' }))).toBe('NO_RECIPIENT_FOR_KEY');
    expect(codeOf(() => openSecret(sealed, ctx, { ...master, key: randomBytes(32) }))).toBe('DECRYPT_FAILED');
  });

  it('rejects unusable keys and arguments before sealing', () => {
    const zeroPoint = Buffer.alloc(32).toString('base64url');
    const group = (publicKey: string) => [{ kind: 'group' as const, groupId: 'eng', publicKey }];
    expect(codeOf(() => sealSecret(value, ctx, group(zeroPoint)))).toBe('INVALID_KEY');
    expect(codeOf(() => sealSecret(value, ctx, group(eng.publicKey.slice(1))))).toBe('INVALID_KEY');
    expect(codeOf(() => sealSecret(value, ctx, [{ ...master, key: randomBytes(16) }]))).toBe('INVALID_KEY');
    expect(codeOf(() => sealSecret(value, ctx, [{ ...master, keyId: 'has space' }]))).toBe('INVALID_KEY');
    expect(codeOf(() => sealSecret(value, ctx, []))).toBe('INVALID_INPUT');
    expect(codeOf(() => sealSecret(value, ctx, [master, master]))).toBe('INVALID_INPUT');
    expect(codeOf(() => sealSecret(value, { secretId: '', version: 1 }, [master]))).toBe('INVALID_INPUT');
    expect(codeOf(() => sealSecret(value, { secretId: 'x', version: 1.5 }, [master]))).toBe('INVALID_INPUT');
    expect(codeOf(() => sealSecret(value, { secretId: 'x', version: -1 }, [master]))).toBe('INVALID_INPUT');
  });
});

describe('addRecipients', () => {
  it('lets a second group open the same ciphertext', () => {
    const sealed = sealForGroups(value, ctx, [{ groupId: 'eng', publicKey: eng.publicKey }]);
    const resealed = addRecipients(sealed, ctx, engKey, [{ kind: 'group', groupId: 'ops', publicKey: ops.publicKey }]);

    expect(openSecret(resealed, ctx, opsKey)).toEqual(value);
    expect(openSecret(resealed, ctx, engKey)).toEqual(value);
    expect([resealed.iv, resealed.ciphertext, resealed.tag]).toEqual([sealed.iv, sealed.ciphertext, sealed.tag]);
    expect(codeOf(() => openSecret(sealed, ctx, opsKey))).toBe('NO_RECIPIENT_FOR_KEY');
  });

  it('replaces an existing entry for the same recipient instead of duplicating it', () => {
    const sealed = sealForEngAndMaster();
    const resealed = addRecipients(sealed, ctx, master, [{ kind: 'group', groupId: 'eng', publicKey: eng.publicKey }]);
    expect(resealed.recipients).toHaveLength(2);
    expect(openSecret(resealed, ctx, engKey)).toEqual(value);
  });

  it('needs a key that opens the secret', () => {
    const sealed = sealForGroups(value, ctx, [{ groupId: 'eng', publicKey: eng.publicKey }]);
    const add = [{ kind: 'group' as const, groupId: 'ops', publicKey: ops.publicKey }];
    expect(codeOf(() => addRecipients(sealed, ctx, opsKey, add))).toBe('NO_RECIPIENT_FOR_KEY');
    expect(codeOf(() => addRecipients(sealed, { ...ctx, version: 9 }, engKey, add))).toBe('DECRYPT_FAILED');
  });

  it('refuses to pass on a data key that does not open the ciphertext', () => {
    // Anyone with eng's public key can write an entry for eng wrapping a key of their choosing.
    const sealed = sealForGroups(value, ctx, [{ groupId: 'eng', publicKey: eng.publicKey }]);
    const planted = sealForGroups(Buffer.from('attacker value'), ctx, [{ groupId: 'eng', publicKey: eng.publicKey }]);
    const forged = { ...sealed, recipients: planted.recipients };
    const add = [{ kind: 'group' as const, groupId: 'ops', publicKey: ops.publicKey }];
    expect(codeOf(() => addRecipients(forged, ctx, engKey, add))).toBe('DECRYPT_FAILED');
  });
});

describe('rewrapMaster', () => {
  const next: MasterKey = { kind: 'master', keyId: 'mk-2025-07', key: randomBytes(32) };

  it('moves the master entry to the new key and keeps the group entries and ciphertext', () => {
    const sealed = sealForEngAndMaster();
    const rotated = rewrapMaster(sealed, ctx, master, next);

    expect(openSecret(rotated, ctx, next)).toEqual(value);
    expect(codeOf(() => openSecret(rotated, ctx, master))).toBe('NO_RECIPIENT_FOR_KEY');
    expect(openSecret(rotated, ctx, engKey)).toEqual(value);
    expect(rotated.recipients.map((r) => r.keyId)).toEqual([eng.keyId, 'mk-2025-07']);
    expect(rotated.ciphertext).toBe(sealed.ciphertext);
  });

  it('fails without the right old key', () => {
    const sealed = sealForEngAndMaster();
    expect(codeOf(() => rewrapMaster(sealed, ctx, { ...master, key: randomBytes(32) }, next))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => rewrapMaster(sealed, ctx, next, master))).toBe('NO_RECIPIENT_FOR_KEY');
  });
});

describe('nothing secret leaks', () => {
  const canary = 'CANARY-9f4c1e-do-not-leak';

  it('the stored JSON holds the value in no raw, base64 or hex form', () => {
    const json = JSON.stringify(
      sealSecret(Buffer.from(canary), ctx, [{ kind: 'group', groupId: 'eng', publicKey: eng.publicKey }, master]),
    );
    const bytes = Buffer.from(canary);
    for (const form of [canary, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
      expect(json).not.toContain(form);
    }
    // The masker also looks for the value inside longer base64 and in the other encodings.
    const masker = new SecretMasker();
    masker.register(canary);
    expect(masker.mask(json)).toBe(json);
    expect(json).not.toContain(master.key.toString('base64url'));
    expect(json).not.toContain(master.key.toString('hex'));
  });

  it('error messages name ids, never the value or key material', () => {
    const sealed = sealSecret(Buffer.from(canary), ctx, [
      { kind: 'group', groupId: 'eng', publicKey: eng.publicKey },
      master,
    ]);
    const messages: string[] = [];
    const attempts = [
      () => openSecret({ ...sealed, tag: flipBit(sealed.tag) }, ctx, master),
      () => openSecret(sealed, ctx, { ...master, key: randomBytes(32) }),
      () => openSecret(sealed, ctx, opsKey),
      () => openSecret({ ...sealed, ciphertext: '!' }, ctx, engKey),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (error) {
        messages.push(String(error instanceof Error ? error.message : error));
      }
    }
    expect(messages).toHaveLength(attempts.length);
    const body = eng.privateKey.split('\n')[1];
    for (const message of messages) {
      expect(message).not.toContain(canary);
      expect(message).not.toContain(body);
      expect(message).not.toContain(master.key.toString('base64'));
      expect(message).not.toContain(master.key.toString('hex'));
    }
    expect(messages[0]).toContain("secret 'sec_01HZX3' version 3");
  });
});
