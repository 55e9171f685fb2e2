import { SSH_FINGERPRINT_PATTERN } from './auth';

type Spec = Record<string, unknown>;

/** Every SSH key block of a spec (`{sshKeyRef, knownHostFingerprints}`), wherever the type nests it. */
function sshKeyBlocks(value: unknown, found: Spec[] = []): Spec[] {
  if (Array.isArray(value)) value.forEach((item) => sshKeyBlocks(item, found));
  else if (value && typeof value === 'object') {
    if ('sshKeyRef' in value) found.push(value as Spec);
    Object.values(value).forEach((item) => sshKeyBlocks(item, found));
  }
  return found;
}

/** Whether the spec authenticates with an SSH key anywhere (and so can pin host keys). */
export const usesSshKey = (spec: Spec): boolean => sshKeyBlocks(spec).length > 0;

/** The host key fingerprints the spec pins, across its SSH key blocks. */
export function pinnedHostKeys(spec: Spec): string[] {
  return [...new Set(sshKeyBlocks(spec).flatMap((block) => (Array.isArray(block['knownHostFingerprints']) ? (block['knownHostFingerprints'] as string[]) : [])))];
}

/** A copy of the spec with `fingerprint` pinned in every SSH key block (the input is not changed). */
export function withPinnedHostKey(spec: Spec, fingerprint: string): Spec {
  if (!SSH_FINGERPRINT_PATTERN.test(fingerprint)) throw new Error(`not an SSH host key fingerprint: ${fingerprint}`);
  const copy = structuredClone(spec);
  for (const block of sshKeyBlocks(copy)) {
    const pinned = Array.isArray(block['knownHostFingerprints']) ? (block['knownHostFingerprints'] as string[]) : [];
    if (!pinned.includes(fingerprint)) block['knownHostFingerprints'] = [...pinned, fingerprint];
  }
  return copy;
}
