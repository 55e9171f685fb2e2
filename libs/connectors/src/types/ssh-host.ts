import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { sshHostOperations } from '../operations/ssh-host';
import { connectivityFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = z.ipv6();

const host = z
  .string()
  .max(253)
  .refine((value) => HOSTNAME_PATTERN.test(value) || ipv6.safeParse(value).success, {
    error: 'must be a host name or an IP address, without scheme or port',
  })
  .meta({ description: 'Host name or IP address' });

/** OpenSSH's form, as printed by `ssh-keygen -lf` and `ssh-keyscan … | ssh-keygen -lf -`. */
export const HOST_KEY_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

export const sshHostSpec = z.object({
  host,
  port: z.number().int().min(1).max(65_535).optional().meta({ description: 'Defaults to 22' }),
  username: text('Login user name', 64),
  sshKeyRef: secretRef('Reference to the SSH private key (OpenSSH or PEM)'),
  passphraseRef: secretRef('Reference to the passphrase of the private key').optional(),
  // Required: a host whose key is not pinned could be anyone on the path, and would receive the login.
  hostKeyFingerprints: z
    .array(
      z.string().regex(HOST_KEY_FINGERPRINT_PATTERN, 'must be an OpenSSH fingerprint: SHA256:<43 base64 characters>'),
    )
    .min(1, 'pin at least one host key fingerprint (ssh-keyscan <host> | ssh-keygen -lf -)')
    .max(16)
    .meta({ description: 'Accepted host keys; the connection is refused for any other key' }),
  ...connectivityFields,
});

export const sshHostConnector = defineConnectorType({
  type: 'SshHost',
  displayName: 'SSH Host',
  category: 'Generic',
  description: 'One host reached over SSH with a pinned host key: run commands, copy files.',
  authKinds: ['SshKey'],
  schema: sshHostSpec,
  operations: sshHostOperations,
});
