/**
 * STAND-IN for AWS STS (GetCallerIdentity, AssumeRole) and AWS Secrets Manager (GetSecretValue),
 * one endpoint for both (a client points both endpoint overrides at `url`).
 *
 * Every request's Signature Version 4 is verified (see aws-sigv4.ts: canonical request, string to
 * sign, derived key), so a wrong secret key is refused, unlike s3rver.
 * STS follows its API reference (Query protocol, form-encoded `Action=…&Version=2011-06-15`, XML
 * responses and `<ErrorResponse>` errors: InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken,
 * AccessDenied). Secrets Manager follows its API reference (JSON 1.1, `X-Amz-Target:
 * secretsmanager.GetSecretValue`, `{"__type": …}` errors); authentication failures there use the JSON
 * protocol's names (UnrecognizedClientException, InvalidSignatureException, ExpiredTokenException).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { verifySigV4, VerifyFailure, WireRequest } from './aws-sigv4';
import { json, Reply, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface AwsStandInOptions {
  region?: string;
  accountId?: string;
  /** IAM users with long-term keys; defaults to one user `conduit-ci`. */
  users?: Array<{ name: string; accessKeyId?: string; secretAccessKey?: string }>;
  /**
   * Roles and the user names allowed to assume them; defaults to `conduit-deployer` trusting every user. A
   * role with `externalId` has a trust policy condition on sts:ExternalId, as for third-party access.
   */
  roles?: Array<{ name: string; trustedUsers?: string[]; externalId?: string }>;
  /** Secrets by name: a string (SecretString) or bytes (SecretBinary), optionally limited to principals (user or role names). */
  secrets?: Record<string, string | Buffer | { value: string | Buffer; allow: string[] }>;
  /** The stand-in's clock, for signature-age checks. */
  now?: () => Date;
}

interface Principal {
  kind: 'user' | 'assumed-role';
  name: string;
  arn: string;
  userId: string;
}

interface KeyRecord {
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: number;
  principal: Principal;
}

export interface AwsStandIn extends StandIn {
  region: string;
  accountId: string;
  /** Keys of the first user. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  userArn: string;
  users: Record<string, { accessKeyId: string; secretAccessKey: string; arn: string }>;
  roleArns: Record<string, string>;
  /** Marks every temporary credential issued so far as expired (→ ExpiredToken). */
  expireSessions(): void;
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xmlEscape(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
}

function stsReply(action: string, result: string): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
    body: `<${action}Response xmlns="${STS_NS}">\n  <${action}Result>\n${result}  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`,
  };
}

function stsError(status: number, code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): Reply {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
  };
}

function jsonError(status: number, type: string, message: string): Reply {
  return json(
    status,
    { __type: type, message },
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  );
}

/** How each verification failure is spelled by the Query protocol (STS) and the JSON protocol (Secrets Manager). */
function authFailure(protocol: 'query' | 'json', failure: VerifyFailure): Reply {
  if (protocol === 'query') {
    const code = failure.code === 'SignatureExpired' ? 'SignatureDoesNotMatch' : failure.code;
    return stsError(failure.code === 'IncompleteSignature' ? 400 : 403, code, failure.message);
  }
  const names: Record<VerifyFailure['code'], string> = {
    MissingAuthenticationToken: 'MissingAuthenticationTokenException',
    IncompleteSignature: 'IncompleteSignatureException',
    InvalidClientTokenId: 'UnrecognizedClientException',
    SignatureDoesNotMatch: 'InvalidSignatureException',
    SignatureExpired: 'InvalidSignatureException',
    ExpiredToken: 'ExpiredTokenException',
  };
  return jsonError(failure.code === 'MissingAuthenticationToken' ? 403 : 400, names[failure.code], failure.message);
}

const randomKeyId = (prefix: string) =>
  prefix + Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

export async function startAws(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? (() => new Date());
  const keys = new Map<string, KeyRecord>();
  const users: AwsStandIn['users'] = {};
  for (const user of options.users ?? [{ name: 'conduit-ci' }]) {
    const accessKeyId = user.accessKeyId ?? randomKeyId('AKIA');
    const secretAccessKey = user.secretAccessKey ?? randomBytes(30).toString('base64');
    const arn = `arn:aws:iam::${accountId}:user/${user.name}`;
    users[user.name] = { accessKeyId, secretAccessKey, arn };
    keys.set(accessKeyId, {
      secretAccessKey,
      principal: { kind: 'user', name: user.name, arn, userId: randomKeyId('AIDA') },
    });
  }
  const userNames = Object.keys(users);
  const roles = new Map(
    (options.roles ?? [{ name: 'conduit-deployer' }]).map((role) => [
      `arn:aws:iam::${accountId}:role/${role.name}`,
      { name: role.name, trusted: role.trustedUsers ?? userNames, externalId: role.externalId, roleId: randomKeyId('AROA') },
    ]),
  );
  const secrets = new Map(
    Object.entries(options.secrets ?? {}).map(([name, entry]) => {
      const value = typeof entry === 'string' || Buffer.isBuffer(entry) ? entry : entry.value;
      const allow = typeof entry === 'string' || Buffer.isBuffer(entry) ? undefined : entry.allow;
      const suffix = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
      return [
        name,
        {
          name,
          value,
          allow,
          arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`,
          versionId: randomUUID(),
        },
      ];
    }),
  );

  const verify = (request: StandInRequest, services: string[]) => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2)
      pairs.push([request.rawHeaders[i], request.rawHeaders[i + 1]]);
    const wire: WireRequest = {
      method: request.method,
      path: request.path,
      query: request.rawQuery,
      headers: pairs,
      body: request.rawBody,
    };
    return verifySigV4(
      wire,
      (accessKeyId) => {
        const record = keys.get(accessKeyId);
        if (!record) return undefined;
        return {
          secretAccessKey: record.secretAccessKey,
          sessionToken: record.sessionToken,
          expired: record.expiresAt !== undefined && record.expiresAt <= now().getTime(),
        };
      },
      { now: now(), region, services },
    );
  };

  const sts = (request: StandInRequest): Reply => {
    const params = new URLSearchParams(request.rawQuery);
    if (request.method === 'POST') for (const [k, v] of request.form()) params.set(k, v);
    const action = params.get('Action');
    const verified = verify(request, ['sts']);
    if (!verified.ok) return authFailure('query', verified.failure);
    const caller = (keys.get(verified.caller.accessKeyId) as KeyRecord).principal;
    const withIdentity = (reply: Reply): Reply => ({ ...reply, identity: caller.arn });
    if (params.get('Version') !== '2011-06-15') {
      return withIdentity(
        stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version')}`),
      );
    }
    if (action === 'GetCallerIdentity') {
      return withIdentity(
        stsReply(
          action,
          `    <Arn>${caller.arn}</Arn>\n    <UserId>${caller.userId}</UserId>\n    <Account>${accountId}</Account>\n`,
        ),
      );
    }
    if (action === 'AssumeRole') {
      const roleArn = params.get('RoleArn');
      const sessionName = params.get('RoleSessionName');
      if (!roleArn || !sessionName) {
        const field = roleArn ? 'roleSessionName' : 'roleArn';
        return withIdentity(
          stsError(
            400,
            'ValidationError',
            `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
          ),
        );
      }
      const role = roles.get(roleArn);
      // A condition that does not hold (a missing or wrong external id) is the same AccessDenied as no trust.
      const externalIdHolds = role?.externalId === undefined || params.get('ExternalId') === role.externalId;
      if (!role || caller.kind !== 'user' || !role.trusted.includes(caller.name) || !externalIdHolds) {
        return withIdentity(
          stsError(
            403,
            'AccessDenied',
            `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          ),
        );
      }
      const duration = Number(params.get('DurationSeconds') ?? 3600);
      const accessKeyId = randomKeyId('ASIA');
      const secretAccessKey = randomBytes(30).toString('base64');
      const sessionToken = randomBytes(96).toString('base64');
      const expiresAt = now().getTime() + duration * 1000;
      const arn = `arn:aws:sts::${accountId}:assumed-role/${role.name}/${sessionName}`;
      keys.set(accessKeyId, {
        secretAccessKey,
        sessionToken,
        expiresAt,
        principal: { kind: 'assumed-role', name: role.name, arn, userId: `${role.roleId}:${sessionName}` },
      });
      return withIdentity(
        stsReply(
          action,
          `    <AssumedRoleUser>\n      <Arn>${arn}</Arn>\n      <AssumedRoleId>${role.roleId}:${xmlEscape(sessionName)}</AssumedRoleId>\n    </AssumedRoleUser>\n` +
            `    <Credentials>\n      <AccessKeyId>${accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${secretAccessKey}</SecretAccessKey>\n` +
            `      <SessionToken>${sessionToken}</SessionToken>\n      <Expiration>${new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration>\n    </Credentials>\n`,
        ),
      );
    }
    return withIdentity(stsError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`));
  };

  const secretsManager = (request: StandInRequest, target: string): Reply => {
    const verified = verify(request, ['secretsmanager']);
    if (!verified.ok) return authFailure('json', verified.failure);
    const caller = (keys.get(verified.caller.accessKeyId) as KeyRecord).principal;
    const withIdentity = (reply: Reply): Reply => ({ ...reply, identity: caller.arn });
    if (target !== 'secretsmanager.GetSecretValue')
      return withIdentity(jsonError(400, 'UnknownOperationException', ''));
    const body = request.json() as { SecretId?: string; VersionId?: string; VersionStage?: string } | undefined;
    if (!body?.SecretId) {
      return withIdentity(
        jsonError(
          400,
          'ValidationException',
          "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
        ),
      );
    }
    const secret = secrets.get(body.SecretId) ?? [...secrets.values()].find((s) => s.arn === body.SecretId);
    const resource = secret?.arn ?? body.SecretId;
    if (secret?.allow && !secret.allow.includes(caller.name)) {
      return withIdentity(
        jsonError(
          400,
          'AccessDeniedException',
          `User: ${caller.arn} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${resource} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
        ),
      );
    }
    if (
      !secret ||
      (body.VersionId && body.VersionId !== secret.versionId) ||
      (body.VersionStage && body.VersionStage !== 'AWSCURRENT')
    ) {
      return withIdentity(
        jsonError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      );
    }
    return withIdentity(
      json(
        200,
        {
          ARN: secret.arn,
          CreatedDate: 1704067200.0,
          Name: secret.name,
          ...(Buffer.isBuffer(secret.value)
            ? { SecretBinary: secret.value.toString('base64') }
            : { SecretString: secret.value }),
          VersionId: secret.versionId,
          VersionStages: ['AWSCURRENT'],
        },
        { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
      ),
    );
  };

  const dispatch = (request: StandInRequest): Reply => {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('secretsmanager.')) return secretsManager(request, target);
    return sts(request);
  };

  const standIn = await startStandIn({
    name: 'aws',
    routes: [
      { method: 'POST', path: '/', handle: dispatch },
      { method: 'GET', path: '/', handle: dispatch },
    ],
  });
  const first = users[userNames[0]];
  return {
    ...standIn,
    region,
    accountId,
    credentials: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey },
    userArn: first.arn,
    users,
    roleArns: Object.fromEntries([...roles.entries()].map(([arn, role]) => [role.name, arn])),
    expireSessions: () => {
      for (const record of keys.values()) if (record.sessionToken) record.expiresAt = 0;
    },
  };
}
