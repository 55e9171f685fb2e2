import { z } from 'zod';

// Inputs shared by the operations that read a Git repository, over Git or a provider's API.

export const repoInput = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^\S+$/, 'must be a repository path or URL without spaces')
  .optional();

// A branch, a tag, a full ref name or a commit id; git's own rules (git check-ref-format) forbid the rest.
export const refInput = z
  .string()
  .min(1)
  .max(256)
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/+@-]+$/, 'must be a branch, tag, ref name or commit id');

export const filePathInput = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0\n]+$/, 'must be a path inside the repository, without .. segments');

/** The largest file read-file returns. */
export const MAX_FILE_BYTES = 1024 * 1024;
