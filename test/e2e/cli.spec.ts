import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { createDatabase, freePort, REDIS_URL, ROOT, runTs, RunningProcess, waitFor } from '../support/processes';

type Json = Record<string, unknown>;
interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The `conduit` binary end to end: a real control plane and delegate as processes, the CLI run as a user would
 * (`node bin/conduit.js`, its config under a temporary HOME), and an HTTP endpoint in this test that the
 * delegate calls with a token the CLI sealed on the client side.
 */
describe('conduit CLI against a running control plane and delegate', () => {
  const prefix = `conduit-e2e-cli-${process.pid}`;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const wrongToken = `bad-${randomBytes(12).toString('hex')}`;
  const stepSecret = `step-${randomBytes(12).toString('hex')}`;
  let db: { url: string; drop(): void };
  let home: string;
  let userHome: string;
  let manifests: string;
  let url: string;
  let controlPlane: RunningProcess;
  let delegate: RunningProcess;
  let apiKey: string;
  let endpoint: Server;
  let endpointUrl: string;
  const seenAuthorization: string[] = [];
  const cliOutputs: string[] = [];

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin/conduit.js'), ...args],
        { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: userHome, XDG_CONFIG_HOME: path.join(userHome, 'xdg'), ...env }, timeout: 60_000 },
        (error, stdout, stderr) => {
          cliOutputs.push(stdout, stderr);
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  const api = async (route: string): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${url}${route}`, { headers: { Authorization: `Bearer ${apiKey}` } });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const connectorYaml = (description: string) => `connector:
  name: Web endpoint
  identifier: web
  description: ${description}
  orgIdentifier: ""
  tags:
    team: platform
  type: Http
  spec:
    url: ${endpointUrl}/health
    auth:
      type: BearerToken
      spec:
        tokenRef: web_token
    expectedBodyContains: healthy
    delegateSelectors:
      - cli-e2e
`;
  const writeManifests = async (description: string) => {
    await writeFile(path.join(manifests, '10-connector.yaml'), connectorYaml(description));
    await writeFile(
      path.join(manifests, '20-pipeline-and-secret.yml'),
      `pipeline:\n  identifier: deploy\n  name: Deploy\n  stages:\n    - name: Deploy\n      type: deploy\n      spec:\n        service: web\n        environment:\n          name: production\n          deploy-to: web\n        connector: web # the connector above\n---\nsecret:\n  identifier: web_token\n  name: web_token\n  kind: text\n`,
    );
  };

  beforeAll(async () => {
    endpoint = createServer((request, response) => {
      seenAuthorization.push(request.headers.authorization ?? '');
      const ok = request.headers.authorization === `Bearer ${token}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
      response.end(ok ? 'healthy' : 'no');
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    endpointUrl = `http://127.0.0.1:${(endpoint.address() as { port: number }).port}`;

    db = createDatabase();
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-e2e-cli-'));
    userHome = path.join(home, 'user');
    manifests = path.join(home, 'manifests');
    await mkdir(userHome);
    await mkdir(manifests);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    controlPlane = runTs('apps/control-plane/src/main.ts', {
      PORT: String(port),
      CONDUIT_HOME: home,
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      CONDUIT_LOCAL_DELEGATE: '1',
      LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'control plane', { process: controlPlane });
    apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    await writeFile(path.join(home, 'api-key'), apiKey, { mode: 0o600 });
    delegate = runTs('apps/delegate/src/main.ts', {
      CONDUIT_URL: url,
      CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token'),
      DELEGATE_NAME: 'cli-e2e-delegate',
      DELEGATE_TAGS: 'cli-e2e',
      DELEGATE_KEY_FILE: path.join(home, 'group.key'),
      DELEGATE_ALLOW_SHELL: 'true', // pipeline ci steps run shell commands
    });
    await waitFor(async () => ((await api('/v1/delegate-groups')).body['items'] as Array<{ publicKey: string | null }>).some((g) => g.publicKey), 'the delegate group key', {
      process: delegate,
    });
  });
  afterAll(async () => {
    await delegate?.stop();
    await controlPlane?.stop();
    await new Promise((resolve) => endpoint?.close(resolve));
    db?.drop();
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `redis-cli -u ${REDIS_URL} --scan --pattern '${prefix}:*' | xargs -r redis-cli -u ${REDIS_URL} del`]);
    await rm(home, { recursive: true, force: true });
  });

  it('asks for a login first (exit 2), refuses a wrong key (exit 1), and saves a good one 0600', async () => {
    const anonymous = await cli(['get', 'connectors']);
    expect(anonymous).toMatchObject({ code: 2, stderr: expect.stringContaining('no API key: run conduit login') });

    await writeFile(path.join(home, 'wrong-key'), 'ck_not_a_key');
    const wrong = await cli(['login', '--url', url, '--api-key-file', path.join(home, 'wrong-key')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/error: .*\n.*run conduit login again[\s\S]*UNAUTHENTICATED, HTTP 401, request id \S+/);

    const login = await cli(['login', '--url', url, '--api-key-file', path.join(home, 'api-key')]);
    expect(login).toMatchObject({ code: 0, stdout: expect.stringContaining(`logged in to ${url} (account 'default') as context 'default'`) });
    const configDir = path.join(userHome, 'xdg', 'conduit');
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(configDir, 'config.yaml'))).mode & 0o777).toBe(0o600);
    expect(YAML.parse(await readFile(path.join(configDir, 'config.yaml'), 'utf8'))).toMatchObject({ currentContext: 'default', contexts: { default: { url, account: 'default' } } });
    expect((await cli(['context', 'list'])).stdout).toMatch(/^\*\s+default\s+http/m);
  });

  it('creates a secret sealed on the client: the control plane records sealedBy client and never sees the value', async () => {
    const created = await cli(['secret', 'create', 'web_token', '--from-literal', token]);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('created secret/web_token (version 1, sealed here for delegate group default)') });
    const secret = (await api('/v1/secrets/web_token')).body;
    expect(secret['versions']).toEqual([expect.objectContaining({ version: 1, sealedBy: 'client', recipients: [expect.objectContaining({ kind: 'group', group: 'default' })] })]);
  });

  it('applies a directory, then finds everything unchanged on the second run', async () => {
    await writeManifests('the web endpoint');
    const first = await cli(['apply', '-f', manifests]);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual(['unchanged secret/web_token', 'created connector/web', 'created pipeline/deploy']);
    expect(first.code).toBe(0);

    const second = await cli(['apply', '-f', manifests]);
    expect(second).toMatchObject({ code: 0, stdout: 'unchanged secret/web_token\nunchanged connector/web\nunchanged pipeline/deploy\n' });
  });

  it('shows a diff on --dry-run and writes nothing', async () => {
    await writeManifests('the public web endpoint');
    const before = (await api('/v1/connectors/web')).body;
    const dry = await cli(['apply', '--dry-run', '-f', path.join(manifests, '10-connector.yaml')]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would update connector/web\n--- connector/web (control plane)\n+++ connector/web (file)\n');
    expect(dry.stdout).toContain('-description: the web endpoint\n+description: the public web endpoint\n');
    expect(dry.stdout).toContain('dry run, nothing was written: 0 to create, 1 to update, 0 unchanged');
    expect((await api('/v1/connectors/web')).body).toMatchObject({ description: 'the web endpoint', version: before['version'] });

    const applied = await cli(['apply', '-f', path.join(manifests, '10-connector.yaml')]);
    expect(applied).toMatchObject({ code: 0, stdout: 'updated connector/web\n' });
    expect((await api('/v1/connectors/web')).body).toMatchObject({ description: 'the public web endpoint', version: (before['version'] as number) + 1 });
  });

  it('lists as a table, JSON and YAML, and describes one connector', async () => {
    const table = await cli(['get', 'connectors']);
    expect(table.stdout).toMatch(/^REF\s+TYPE\s+STATUS\s+VIA/);
    expect(table.stdout).toMatch(/^web\s+Http\s+UNCONFIGURED\s+delegate \[cli-e2e\]/m);
    const json = JSON.parse((await cli(['get', 'connectors', '-o', 'json'])).stdout) as Json[];
    expect(json.map((c) => c['identifier'])).toEqual(['web']);
    const yaml = YAML.parse((await cli(['get', 'pipelines', '--output', 'yaml'])).stdout) as Json[];
    expect(yaml).toEqual([expect.objectContaining({ identifier: 'deploy', name: 'Deploy', version: 1 })]);
    const described = YAML.parse((await cli(['describe', 'connector', 'web'])).stdout) as Json;
    expect(described).toMatchObject({ identifier: 'web', type: 'Http', spec: { url: `${endpointUrl}/health`, auth: { type: 'BearerToken', spec: { tokenRef: 'web_token' } } } });
    expect((await cli(['delegate', 'list'])).stdout).toMatch(/^cli-e2e-delegate\s+default\s+connected\s+cli-e2e/m);
  });

  it('applies alert rules idempotently, diffs them on --dry-run, reports a bad one by field, and gets, describes and deletes them', async () => {
    const rule = (cooldown: string, notify = 'web') =>
      `alertRule:\n  identifier: edge_gone\n  name: Edge delegate gone\n  condition:\n    type: DelegateDisconnected\n    for: 5m\n    delegates: [edge-nowhere]\n  notify: [${notify}]\n  cooldown: ${cooldown}\n`;
    const file = path.join(home, 'alerts.yaml');
    await writeFile(file, rule('3600s'));
    expect(await cli(['apply', '-f', file])).toMatchObject({ code: 0, stdout: 'created alertRule/edge_gone\n' });
    // 3600s is stored as 1h: the same rule, so nothing to do.
    expect(await cli(['apply', '-f', file])).toMatchObject({ code: 0, stdout: 'unchanged alertRule/edge_gone\n' });

    await writeFile(file, rule('30m'));
    const dry = await cli(['apply', '--dry-run', '-f', file]);
    expect(dry.stdout).toContain('would update alertRule/edge_gone\n--- alertRule/edge_gone (control plane)\n+++ alertRule/edge_gone (file)\n');
    expect(dry.stdout).toContain('-cooldown: 1h\n+cooldown: 30m\n');
    expect((await api('/v1/alert-rules/edge_gone')).body).toMatchObject({ cooldown: '1h', version: 1 });
    expect(await cli(['apply', '-f', file])).toMatchObject({ code: 0, stdout: 'updated alertRule/edge_gone\n' });
    expect((await api('/v1/alert-rules/edge_gone')).body).toMatchObject({ cooldown: '30m', version: 2 });

    await writeFile(file, rule('30m', 'nowhere'));
    const refused = await cli(['apply', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("failed alertRule/edge_gone (" + file + "):\n  error: notify[0]: connector 'nowhere' not found in account 'default'");

    expect((await cli(['get', 'alert-rules'])).stdout).toMatch(/^IDENTIFIER\s+CONDITION\s+NOTIFY\s+COOLDOWN\s+ENABLED[\s\S]*^edge_gone\s+DelegateDisconnected\s+web\s+30m\s+yes/m);
    expect(YAML.parse((await cli(['describe', 'alert-rule', 'edge_gone'])).stdout)).toMatchObject({ identifier: 'edge_gone', condition: { for: '5m' }, firings: [] });
    expect(await cli(['delete', 'alert-rule', 'edge_gone'])).toMatchObject({ code: 0, stdout: 'deleted alert-rule/edge_gone\n' });
    expect((await api('/v1/alert-rules/edge_gone')).status).toBe(404);
  });

  it('creates a delegate token with install commands and revokes it', async () => {
    const created = await cli(['delegate', 'token', 'create', 'edge-site', '-o', 'json']);
    const body = JSON.parse(created.stdout) as { id: string; token: string; install: { docker: string } };
    expect(body.install.docker).toContain(`CONDUIT_DELEGATE_TOKEN=${body.token}`);
    const revoked = await cli(['delegate', 'token', 'revoke', body.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`revoked delegate token ${body.id} at `) });
    expect((await api('/v1/delegate-tokens')).body['items']).toEqual(expect.arrayContaining([expect.objectContaining({ id: body.id, revokedAt: expect.any(String) })]));
  });

  it('tests the connector through the delegate, which opens the client-sealed token: exit 0, then 1 after a wrong rotation', async () => {
    const success = await cli(['connector', 'test', 'web']);
    expect(success.stdout).toMatch(/^✓ connector web: SUCCESS \(\d+ ms\) via delegate cli-e2e-delegate$/m);
    expect(success.stdout).toMatch(/✓ authentication\s+\d+ ms/);
    expect(success.stdout).toMatch(/✓ connection\s+\d+ ms/);
    expect(success.code).toBe(0);
    expect(seenAuthorization).toContain(`Bearer ${token}`);

    const rotated = await cli(['secret', 'rotate', 'web_token', '--from-literal', wrongToken]);
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringContaining('rotated secret/web_token to version 2') });
    expect(((await api('/v1/secrets/web_token')).body['versions'] as Json[]).map((v) => [v['version'], v['sealedBy']])).toEqual(
      expect.arrayContaining([
        [1, 'client'],
        [2, 'client'],
      ]),
    );
    const failure = await cli(['connector', 'test', 'web']);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/^✗ connector web: FAILURE/m);
    expect(failure.stdout).toMatch(/^ {2}✗ operation\s+\d+ ms$/m);
    expect(failure.stdout).toMatch(/^ {2}authentication failed: the request rejected by http:\/\/127\.0\.0\.1:\d+\/health \(401\)$/m);
    expect(seenAuthorization).toContain(`Bearer ${wrongToken}`);
  });

  it('runs pipelines with --follow: progress, masked output and a summary; exit 1 naming a failing step or a missing connector', async () => {
    expect((await cli(['secret', 'create', 'token_ref', '--from-literal', stepSecret])).code).toBe(0);
    const ciPipeline = (identifier: string, command: string) =>
      `pipeline:\n  identifier: ${identifier}\n  name: ${identifier}\n  stages:\n    - name: Build\n      type: ci\n      spec:\n        steps:\n          - name: main\n            type: run\n            spec:\n              shell: sh\n              command: |\n                ${command}\n`;
    const missing = `pipeline:\n  identifier: ship\n  name: ship\n  stages:\n    - name: Deploy\n      type: deploy\n      spec:\n        service: web\n        environment:\n          name: production\n          deploy-to: web\n        connector: missing_cluster\n`;
    const file = path.join(home, 'pipelines.yaml');
    await writeFile(file, [ciPipeline('greet', 'echo "hello <+secrets.getValue(\\"token_ref\\")>"'), ciPipeline('boom', 'echo failing; exit 3'), missing].join('---\n'));
    expect(await cli(['apply', '-f', file])).toMatchObject({ code: 0, stdout: 'created pipeline/greet\ncreated pipeline/boom\ncreated pipeline/ship\n' });

    const [greet, boom, ship] = await Promise.all([cli(['pipeline', 'run', 'greet', '--follow']), cli(['pipeline', 'run', 'boom', '--follow']), cli(['pipeline', 'run', 'ship', '--follow'])]);
    expect(greet.stderr).toBe('');
    expect(greet.stdout).toMatch(/^run \S+ of pipeline greet: running$/m);
    expect(greet.stdout).toContain('▶ stage Build');
    expect(greet.stdout).toContain("[Build] step 'main' (attempt 1) started");
    expect(greet.stdout).toMatch(/^ {2}\[Build\] hello \*\*\*$/m);
    expect(greet.stdout).toMatch(/^ {2}✓ stage Build \(ci\): succeeded\n {4}✓ step main: succeeded, exit code 0/m);
    // The step's lifecycle phases: no codebase, so nothing to authenticate or connect to.
    expect(greet.stdout).toMatch(/^ {6}resolution \d+ ms · validation \d+ ms · authentication skipped · connection skipped · operation \d+ ms · monitoring \d+ ms$/m);
    expect(greet.code).toBe(0);
    for (const text of [greet.stdout, greet.stderr, controlPlane.output]) expect(text).not.toContain(stepSecret);

    expect(boom.stdout).toContain('[Build] failing');
    expect(boom.stdout).toMatch(/^run \S+ of pipeline boom: failed$/m);
    expect(boom.stdout).toMatch(/^ {4}✗ step main: failed, exit code 3/m);
    expect(boom.code).toBe(1);

    expect(ship.code).toBe(1);
    expect(ship.stderr).toMatch(/^error: pipeline 'ship' cannot run: a reference does not resolve\n {2}stages\[0\]\.spec\.connector: 'missing_cluster' not found/);

    const runs = await cli(['pipeline', 'executions', 'greet']);
    expect(runs.stdout).toMatch(/^\S+\s+succeeded\s+1\s+Build:succeeded/m);
    const id = /^(\S+)\s+succeeded/m.exec(runs.stdout)?.[1] as string;
    expect((await cli(['pipeline', 'logs', 'greet', id])).stdout).toContain('[Build] hello ***');
  });

  it('never lets the secret values reach the control plane in plaintext', () => {
    for (const value of [token, wrongToken, stepSecret]) {
      for (const form of [value, Buffer.from(value).toString('base64')]) {
        expect(controlPlane.output).not.toContain(form);
        expect(delegate.output).not.toContain(form);
      }
    }
    // The CLI printed neither value either (it was only given on its command line).
    for (const text of cliOutputs) for (const value of [token, stepSecret]) expect(text).not.toContain(value);
  });

  it('deletes, then reports a bad reference in plain words with exit 1, and an unreachable control plane with exit 3', async () => {
    expect(await cli(['delete', 'pipeline', 'deploy'])).toMatchObject({ code: 0, stdout: 'deleted pipeline/deploy\n' });
    expect(await cli(['delete', 'connector', 'web'])).toMatchObject({ code: 0, stdout: 'deleted connector/web\n' });

    const missing = await cli(['describe', 'connector', 'web']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: connector 'web' not found in account 'default'\n {2}\(NOT_FOUND, HTTP 404, request id \S+\)/);

    const invalid = await cli(['describe', 'connector', 'no-dashes']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("use 'x', 'org.x' or 'account.x'");

    const closed = await freePort();
    const unreachable = await cli(['get', 'connectors', '--url', `http://127.0.0.1:${closed}`]);
    expect(unreachable).toMatchObject({ code: 3, stderr: expect.stringContaining(`cannot reach the control plane at http://127.0.0.1:${closed}: ECONNREFUSED`) });

    const usage = await cli(['get', 'widgets']);
    expect(usage.code).toBe(2);
  });
});
