import { access, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Writes a file readable by its owner only, atomically (a reader never sees half of it). */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600); // the umask must not loosen it
  await rename(temporary, file);
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
