import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { gitConnectorOperations } from '../operations/git-operations';
import { sshKeySpec, usernamePasswordSpec } from '../schema/auth';
import { connectivityFields, gitUrl, serverTrustFields, text } from '../schema/fields';
import { scmConnectionType, validationRepo } from '../schema/scm';

// Harness's generic Git connector keeps its credential at the top of the spec (`type: Http|Ssh`, `spec`),
// unlike the provider connectors' `authentication` block, and names the Account|Repo choice `connectionType`.
const common = {
  url: gitUrl(),
  connectionType: scmConnectionType,
  validationRepo,
  branchName: text('Branch to use by default', 256).optional(),
  ...connectivityFields,
  ...serverTrustFields,
};

export const gitSpec = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('Http'), spec: usernamePasswordSpec }),
  z.object({ ...common, type: z.literal('Ssh'), spec: sshKeySpec }),
]);

export const gitConnector = defineConnectorType({
  type: 'Git',
  displayName: 'Git',
  category: 'SourceCode',
  description: 'Any Git server over HTTP(S) or SSH: clone repositories and read files.',
  docsHint: 'Use a Git provider connector (Github, Gitlab, Bitbucket, AzureRepo) where one exists: it adds API access.',
  authKinds: ['HttpBasic', 'SshKey'],
  schema: gitSpec,
  operations: gitConnectorOperations,
});
