import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { derivePublicKey, generateGroupKeyPair, loadPrivateKey, publicKeyFingerprint } from '@conduit/crypto';
import { DelegateConfigError } from './config-error';

/** The delegate group's X25519 key: the private half opens sealed secrets, the public half goes in hello. */
export interface GroupKey {
  privateKey: KeyObject;
  /** Raw public key, unpadded base64url, as the control plane stores it. */
  publicKey: string;
  keyId: string;
  /** Where it came from; `generated` means this start created the key file. */
  source: 'file' | 'generated' | 'environment';
  /** Something the operator should fix (a key file others can read), for main to log. */
  warning?: string;
}

/**
 * DELEGATE_KEY_FILE: load the key, or create it (0600, in a 0700 directory) when the file does not exist.
 * DELEGATE_PRIVATE_KEY: the PEM itself. Neither: no key (the delegate runs, but cannot open secrets).
 */
export function resolveGroupKey(settings: { file?: string; pem?: string }): GroupKey | undefined {
  if (settings.pem !== undefined) return fromPem(settings.pem, 'DELEGATE_PRIVATE_KEY', 'environment');
  if (settings.file === undefined) return undefined;
  const file = settings.file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return generateKeyFile(file);
    throw new DelegateConfigError(`DELEGATE_KEY_FILE: cannot read ${file}: ${code}`);
  }
  const key = fromPem(text, 'DELEGATE_KEY_FILE', 'file', file);
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    key.warning = `DELEGATE_KEY_FILE ${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`;
  }
  return key;
}

function fromPem(text: string, variable: string, source: GroupKey['source'], file?: string): GroupKey {
  // Environments that cannot hold newlines (docker --env-file, some CI) carry them as a literal "\n".
  const pem = text.includes('\n') ? text : text.replace(/\\n/g, '\n');
  let privateKey: KeyObject;
  try {
    privateKey = loadPrivateKey(pem);
  } catch (error) {
    const where = file ? `${file} ` : '';
    throw new DelegateConfigError(`${variable}: ${where}does not hold a usable key: ${(error as Error).message}`);
  }
  const publicKey = derivePublicKey(privateKey);
  return { privateKey, publicKey, keyId: publicKeyFingerprint(publicKey), source };
}

function generateKeyFile(file: string): GroupKey {
  const pair = generateGroupKeyPair();
  const directory = path.dirname(path.resolve(file));
  try {
    const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
    // mkdir applies the umask; make the directory we created exactly 0700.
    if (created !== undefined) chmodSync(directory, 0o700);
    // 'wx': if another replica sharing the volume wrote the file first, load its key instead.
    writeFileSync(file, `${pair.privateKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return resolveGroupKey({ file }) as GroupKey;
    throw new DelegateConfigError(`DELEGATE_KEY_FILE: cannot create ${file}: ${code ?? (error as Error).message}`);
  }
  return fromPem(pair.privateKey, 'DELEGATE_KEY_FILE', 'generated', file);
}
