import { z } from 'zod';

/**
 * What a sealed secret holds once opened: a small JSON document per secret kind. Clients that seal on
 * their side (the CLI, the web console) produce exactly this JSON, UTF-8 encoded, as the plaintext.
 */
export const SecretPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), value: z.string().min(1).max(64 * 1024) }).strict(),
  z.object({ kind: z.literal('file'), base64: z.base64().min(1).max(1024 * 1024), fileName: z.string().max(255).optional() }).strict(),
  z.object({ kind: z.literal('ssh-key'), privateKey: z.string().min(1).max(16 * 1024), passphrase: z.string().max(1024).optional() }).strict(),
  z
    .object({ kind: z.literal('certificate'), certificate: z.string().min(1).max(64 * 1024), privateKey: z.string().min(1).max(16 * 1024), ca: z.string().max(256 * 1024).optional() })
    .strict(),
]);
export type SecretPayload = z.infer<typeof SecretPayload>;

export function encodeSecretPayload(payload: SecretPayload): Buffer {
  return Buffer.from(JSON.stringify(SecretPayload.parse(payload)), 'utf8');
}

/** The opened plaintext as a payload; a malformed one is reported without echoing any of it. */
export function decodeSecretPayload(plaintext: Buffer): SecretPayload {
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new Error('secret payload is not JSON');
  }
  const parsed = SecretPayload.safeParse(json);
  if (!parsed.success) throw new Error(`secret payload is not valid: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`);
  return parsed.data;
}

/** The one text a secret stands for where it is used as a value (an expression, an environment variable). */
export function secretPayloadText(secret: SecretPayload): string {
  switch (secret.kind) {
    case 'text':
      return secret.value;
    case 'file':
      return secret.base64;
    case 'ssh-key':
      return secret.privateKey;
    case 'certificate':
      return secret.certificate;
  }
}

/** Every string in a payload that must be masked wherever output leaves a delegate. */
export function maskableValues(payload: SecretPayload): string[] {
  switch (payload.kind) {
    case 'text':
      return [payload.value];
    case 'file':
      return [payload.base64, Buffer.from(payload.base64, 'base64').toString('utf8')];
    case 'ssh-key':
      return [payload.privateKey, ...(payload.passphrase ? [payload.passphrase] : [])];
    case 'certificate':
      return [payload.privateKey];
  }
}

export { secretSealingContext } from './browser/seal';
