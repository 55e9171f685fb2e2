import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { startGitHttp, startKubernetes, startSshd, type GitHttpPeer, type KubernetesStandIn } from '../peers';
import { createCertificateAuthority, issueCertificate } from '../peers/pki';
import { RunningProcess, waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;

/** The connectors overview's example pipeline, its connector identifiers and scopes as written. */
const examplePipeline = (command: string) => `pipeline:
  name: Build and Deploy
  identifier: build_and_deploy
  stages:
    - name: Build
      type: ci
      spec:
        codebase:
          connector: account.github_connector # Account-scoped connector
          repo: demo.git
        steps:
          - name: Build Image
            type: run
            spec:
              shell: sh
              command: |
${command
  .split('\n')
  .map((line) => `                ${line}`)
  .join('\n')}
    - name: Deploy
      type: deploy
      spec:
        service: my_service
        environment:
          name: production
          deploy-to: k8s_prod
        connector: org.k8s_connector # Org-scoped connector
`;

/**
 * Pipelines through a real delegate: the Git peer is real (git http-backend behind Basic auth), the
 * Kubernetes API is a stand-in (test/peers/kubernetes.ts) recording what was applied.
 */
describe('the example pipeline through a delegate (real git peer, Kubernetes API stand-in)', () => {
  const canary = `canary-step-${Date.now()}`;
  let stack: Stack;
  let api: Stack['api'];
  let controlPlane: RunningProcess;
  let port: number;
  let apiKey: string;
  let git: GitHttpPeer;
  let cluster: KubernetesStandIn;
  let movedCluster: KubernetesStandIn;
  const P = '?org=default&project=default';

  const runToEnd = async (): Promise<Json> => {
    const started = await api('POST', `/v1/pipelines/build_and_deploy/executions${P}`).catch((error: Error) => {
      throw new Error(`${error.message}; control plane said:\n${controlPlane.output.slice(-4000)}`);
    });
    expect(started.status).toBe(201);
    const id = started.body['id'] as string;
    return waitFor(async () => {
      const execution = (await api('GET', `/v1/pipelines/build_and_deploy/executions/${id}${P}`)).body;
      return execution['status'] !== 'running' && execution;
    }, 'the execution to end', { timeoutMs: 60_000, process: controlPlane });
  };
  /** Runs a project pipeline other than the example to its end. */
  const runPipeline = async (identifier: string): Promise<Json> => {
    const started = await api('POST', `/v1/pipelines/${identifier}/executions${P}`);
    return waitFor(async () => {
      const e = (await api('GET', `/v1/pipelines/${identifier}/executions/${started.body['id']}${P}`)).body;
      return e['status'] !== 'running' && e;
    }, `${identifier} to end`, { process: controlPlane });
  };
  const k8sConnector = (standIn: KubernetesStandIn) => ({
    identifier: 'k8s_connector',
    name: 'Kubernetes',
    type: 'K8sCluster',
    spec: { credential: { type: 'ManualConfig', spec: { masterUrl: standIn.url, auth: { type: 'ServiceAccount', spec: { serviceAccountTokenRef: 'k8s_token', caCertRef: 'k8s_ca' } } } } },
  });

  beforeAll(async () => {
    [git, cluster, movedCluster] = await Promise.all([
      startGitHttp(),
      startKubernetes({ namespaces: ['default', 'production'] }),
      startKubernetes({ namespaces: ['default', 'production'] }),
    ]);
    stack = await startStack({ name: 'pipelines', delegateEnv: { DELEGATE_NAME: 'builder', DELEGATE_ALLOW_SHELL: 'true' } });
    ({ api, controlPlane, port, apiKey } = stack);

    const deployer = cluster.credentials['conduit-deployer'];
    const secrets: Array<[string, string, string]> = [
      ['', 'git_token', git.token],
      ['', 'step_secret', canary],
      ['?org=default', 'k8s_token', deployer?.token as string],
      ['?org=default', 'k8s_ca', cluster.caCert],
    ];
    for (const [scope, identifier, value] of secrets) {
      expect((await api('POST', `/v1/secrets${scope}`, { identifier, name: identifier, kind: 'text', value: { value } })).status).toBe(201);
    }
    expect(
      (
        await api('POST', '/v1/connectors', {
          identifier: 'github_connector',
          name: 'GitHub',
          type: 'Github',
          spec: { url: git.accountUrl, type: 'Account', validationRepo: 'demo.git', authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: git.username, tokenRef: 'git_token' } } } },
        })
      ).status,
    ).toBe(201);
    expect((await api('POST', '/v1/connectors?org=default', k8sConnector(cluster))).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([git?.stop(), cluster?.stop(), movedCluster?.stop()]);
  });

  it('refuses to start a pipeline whose references do not resolve, naming every YAML path at once', async () => {
    const broken = examplePipeline('echo hi').replace('account.github_connector', 'account.nope').replace('org.k8s_connector', 'org.missing').replace('build_and_deploy', 'broken');
    expect((await api('POST', `/v1/pipelines${P}`, broken)).status).toBe(201);
    const run = await api('POST', `/v1/pipelines/broken/executions${P}`);
    expect(run.status).toBe(400);
    expect((run.body['details'] as Array<{ message: string }>).map((d) => d.message)).toEqual([
      "stages[0].spec.codebase.connector: 'account.nope' not found in account 'default'",
      "stages[1].spec.connector: 'org.missing' not found in organization 'default'",
    ]);
  });

  it('clones the codebase, runs the step with the secret masked, and applies the release to the cluster', async () => {
    const command = 'test -f README.md && echo "cloned: $(head -c 12 README.md)"\necho "the secret is <+secrets.getValue(\\"account.step_secret\\")>"\necho "base64: $(printf %s "<+secrets.getValue(\\"account.step_secret\\")>" | base64)"';
    expect((await api('POST', `/v1/pipelines${P}`, examplePipeline(command))).status).toBe(201);
    const execution = await runToEnd();
    expect(execution).toMatchObject({
      status: 'succeeded',
      stages: [
        { name: 'Build', status: 'succeeded', steps: [{ name: 'Build Image', status: 'succeeded', exitCode: 0 }], target: { connector: 'account.github_connector' } },
        { name: 'Deploy', status: 'succeeded', target: { connector: 'org.k8s_connector', environment: 'production', deployTo: 'k8s_prod' } },
      ],
    });
    const logs = (await api('GET', `/v1/pipelines/build_and_deploy/executions/${execution['id']}/logs${P}`)).text;
    expect(logs).toContain('[Build] cloned:');
    expect(logs).toContain('[Build] the secret is ***');
    expect(logs).not.toContain(canary);
    expect(logs).not.toContain(Buffer.from(canary).toString('base64'));
    expect(cluster.getObject('configmaps', 'production', 'conduit-release-my-service')).toMatchObject({ data: { service: 'my_service', environment: 'production', deployTo: 'k8s_prod' } });
    expect(git.requests.some((r) => r.path.includes('/demo.git/'))).toBe(true);
    // The step's six lifecycle phases, each timed: the clone authenticated and connected for it.
    const [step] = (execution['stages'] as Array<{ steps: Array<{ phases: Json[] }> }>)[0]?.steps ?? [];
    expect(step?.phases).toEqual(
      ['resolution', 'validation', 'authentication', 'connection', 'operation', 'monitoring'].map((phase) => ({ phase, status: 'succeeded', durationMs: expect.any(Number) })),
    );
  });

  it('applies the failure strategies: a flaky stage is retried until it passes, ignore goes on, a failed step is no transient failure, abort stops', async () => {
    const counter = await mkdtemp(path.join(os.tmpdir(), 'conduit-e2e-flaky-'));
    const stage = (name: string, strategy: string, command: string) =>
      `    - name: ${name}\n      type: ci\n${strategy ? `      failureStrategy: ${strategy}\n` : ''}      spec:\n        steps:\n          - name: ${name.toLowerCase()}\n            type: run\n            spec:\n              shell: sh\n              command: ${command}\n`;
    const yaml = `pipeline:\n  name: Strategies\n  identifier: strategies\n  stages:\n${[
      // Fails twice, then passes: each attempt is a fresh stage task (fresh workspace), so the count lives outside it.
      stage('Flaky', '{action: retry, retries: 3}', `n=$(cat ${counter}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}/n; echo "attempt $n"; test $n -ge 3`),
      stage('Optional', '{action: ignore}', 'exit 4'),
      stage('Strict', '{action: retry, retries: 2, on: transient}', 'exit 5'),
      stage('Never', '', 'echo never'),
    ].join('')}`;
    expect((await api('POST', `/v1/pipelines${P}`, yaml)).status).toBe(201);
    const started = await api('POST', `/v1/pipelines/strategies/executions${P}`);
    const execution = await waitFor(async () => {
      const e = (await api('GET', `/v1/pipelines/strategies/executions/${started.body['id']}${P}`)).body;
      return e['status'] !== 'running' && e;
    }, 'the strategies run to end', { timeoutMs: 90_000, process: controlPlane });
    expect(execution).toMatchObject({
      status: 'failed',
      stages: [
        { name: 'Flaky', status: 'succeeded', attempts: 3 },
        { name: 'Optional', status: 'ignored', attempts: 1, error: { code: 'STEP_FAILED' } },
        { name: 'Strict', status: 'failed', attempts: 1, error: { code: 'STEP_FAILED', message: "step 'strict' exited with 5" } },
        { name: 'Never', status: 'skipped', attempts: 0 },
      ],
    });
    expect((execution['stages'] as Array<{ taskIds: string[] }>)[0]?.taskIds).toHaveLength(3);
    const logs = (await api('GET', `/v1/pipelines/strategies/executions/${started.body['id']}/logs${P}`)).text;
    expect(logs).toContain('[Flaky] attempt 3');
    expect(logs).not.toContain('never');
    await rm(counter, { recursive: true, force: true });
  });

  it('deploys a service’s own manifests by server-side apply, in the environment’s namespace unless one is named', async () => {
    const yaml = `pipeline:
  name: Ship web
  identifier: ship_web
  stages:
    - name: Deploy
      type: deploy
      spec:
        service:
          name: web
          manifests: |
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels:
                app: web
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                    - name: web
                      image: registry.local/web:1.4.2
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-settings
              namespace: default
            data:
              mode: production
        environment:
          name: production
          deploy-to: k8s_prod
        connector: org.k8s_connector
`;
    expect((await api('POST', `/v1/pipelines${P}`, yaml)).status).toBe(201);
    const started = await api('POST', `/v1/pipelines/ship_web/executions${P}`);
    const execution = await waitFor(async () => {
      const e = (await api('GET', `/v1/pipelines/ship_web/executions/${started.body['id']}${P}`)).body;
      return e['status'] !== 'running' && e;
    }, 'the deploy to end', { process: controlPlane });
    expect(execution).toMatchObject({ status: 'succeeded', stages: [{ name: 'Deploy', status: 'succeeded', target: { service: 'web' } }] });
    expect(cluster.getObject('deployments', 'production', 'web')).toMatchObject({ spec: { replicas: 2, template: { spec: { containers: [{ image: 'registry.local/web:1.4.2' }] } } } });
    expect(cluster.getObject('configmaps', 'default', 'web-settings')).toMatchObject({ data: { mode: 'production' } });
    expect(cluster.getObject('configmaps', 'production', 'conduit-release-web')).toMatchObject({ data: { service: 'web', manifests: 'Deployment/production/web\nConfigMap/default/web-settings' } });
    const logs = (await api('GET', `/v1/pipelines/ship_web/executions/${started.body['id']}/logs${P}`)).text;
    expect(logs).toContain('[Deploy] applied Deployment production/web');
  });

  it('clones an SSH codebase with system git, held to the connector’s pinned host key (real sshd + git peer)', async () => {
    const sshd = await startSshd();
    try {
      expect((await api('POST', `/v1/secrets${P}`, { identifier: 'deploy_key', name: 'deploy_key', kind: 'ssh-key', value: { privateKey: sshd.privateKey } })).status).toBe(201);
      const connector = (identifier: string, fingerprint: string) => ({
        identifier,
        name: identifier,
        type: 'Git',
        spec: { url: sshd.git.url, connectionType: 'Repo', type: 'Ssh', spec: { sshKeyRef: 'deploy_key', knownHostFingerprints: [fingerprint] } },
      });
      expect((await api('POST', `/v1/connectors${P}`, connector('ssh_git', sshd.hostKeyFingerprint))).status).toBe(201);
      expect((await api('POST', `/v1/connectors${P}`, connector('ssh_git_mitm', `SHA256:${'A'.repeat(43)}`))).status).toBe(201);
      const pipeline = (identifier: string, ref: string) =>
        `pipeline:\n  name: ${identifier}\n  identifier: ${identifier}\n  stages:\n    - name: Build\n      type: ci\n      spec:\n        codebase:\n          connector: ${ref}\n          repo: demo.git\n        steps:\n          - name: check\n            type: run\n            spec:\n              shell: sh\n              command: |\n                echo "head: $(git rev-parse HEAD)"\n                ls -a .. | grep -c ssh || true\n`;
      expect((await api('POST', `/v1/pipelines${P}`, pipeline('ssh_build', 'ssh_git'))).status).toBe(201);
      const execution = await runPipeline('ssh_build');
      expect(execution).toMatchObject({ status: 'succeeded' });
      const logs = (await api('GET', `/v1/pipelines/ssh_build/executions/${execution['id']}/logs${P}`)).text;
      expect(logs).toContain(`[Build] head: ${sshd.git.branches.main}`);
      // The key directory is gone before the first step runs.
      expect(logs).toContain('[Build] 0');
      expect(logs).not.toContain('OPENSSH PRIVATE KEY');

      expect((await api('POST', `/v1/pipelines${P}`, pipeline('ssh_mitm', 'ssh_git_mitm'))).status).toBe(201);
      expect(await runPipeline('ssh_mitm')).toMatchObject({
        status: 'failed',
        stages: [{ status: 'failed', error: { code: 'HOST_KEY_MISMATCH', message: expect.stringContaining(`presented ${sshd.hostKeyFingerprint}`) } }],
      });
    } finally {
      await sshd.stop();
    }
  });

  it('clones an HTTPS codebase behind a private CA only through the connector’s caCertRef (real git peer over TLS)', async () => {
    const pki = await mkdtemp(path.join(os.tmpdir(), 'conduit-pipeline-ca-'));
    const ca = await createCertificateAuthority(pki, 'git-ca');
    const serverCert = await issueCertificate(pki, ca, 'server', { kind: 'server', commonName: 'localhost' });
    const https = await startGitHttp({ tls: { cert: serverCert.cert, key: serverCert.key } });
    try {
      for (const [identifier, value] of [['https_git_pw', https.password], ['https_git_ca', ca.cert]] as const) {
        expect((await api('POST', `/v1/secrets${P}`, { identifier, name: identifier, kind: 'text', value: { value } })).status).toBe(201);
      }
      const connector = (identifier: string, trust: Json) => ({
        identifier,
        name: identifier,
        type: 'Git',
        spec: { url: https.repoUrl, connectionType: 'Repo', type: 'Http', spec: { username: https.username, passwordRef: 'https_git_pw' }, ...trust },
      });
      expect((await api('POST', `/v1/connectors${P}`, connector('https_git', { caCertRef: 'https_git_ca' }))).status).toBe(201);
      expect((await api('POST', `/v1/connectors${P}`, connector('https_git_untrusted', {}))).status).toBe(201);
      const pipeline = (identifier: string, ref: string) =>
        `pipeline:\n  name: ${identifier}\n  identifier: ${identifier}\n  stages:\n    - name: Build\n      type: ci\n      spec:\n        codebase:\n          connector: ${ref}\n          repo: demo.git\n        steps:\n          - name: check\n            type: run\n            spec:\n              shell: sh\n              command: |\n                echo "head: $(git rev-parse HEAD)"\n                echo "ca dirs: $(ls -a .. | grep -c '^.ca-')"\n`;
      const logsOf = async (identifier: string, execution: Json) => (await api('GET', `/v1/pipelines/${identifier}/executions/${execution['id']}/logs${P}`)).text;

      expect((await api('POST', `/v1/pipelines${P}`, pipeline('https_build', 'https_git'))).status).toBe(201);
      const execution = await runPipeline('https_build');
      expect(execution).toMatchObject({ status: 'succeeded' });
      const logs = await logsOf('https_build', execution);
      expect(logs).toContain(`[Build] head: ${https.repo.branches.main}`);
      // The CA bundle's directory is gone before the first step runs.
      expect(logs).toContain('[Build] ca dirs: 0');

      expect((await api('POST', `/v1/pipelines${P}`, pipeline('https_untrusted', 'https_git_untrusted'))).status).toBe(201);
      const refused = await runPipeline('https_untrusted');
      expect(refused).toMatchObject({ status: 'failed', stages: [{ status: 'failed', error: { code: 'CLONE_FAILED' } }] });
      expect(await logsOf('https_untrusted', refused)).toMatch(/SSL certificate problem|certificate verification failed/);
    } finally {
      await https.stop();
      await rm(pki, { recursive: true, force: true });
    }
  });

  it('streams the logs as Server-Sent Events until the run ends', async () => {
    const started = await api('POST', `/v1/pipelines/build_and_deploy/executions${P}`);
    const response = await fetch(`http://127.0.0.1:${port}/v1/pipelines/build_and_deploy/executions/${started.body['id']}/logs${P}&follow=true`, { headers: { Authorization: `Bearer ${apiKey}` } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = await response.text(); // ends when the execution does
    expect(stream).toContain('event: log');
    expect(stream).toMatch(/event: end\ndata: \{"status":"succeeded"/);
    expect(stream).not.toContain(canary);
  });

  it('runs the same YAML against a moved endpoint: only the connector changed', async () => {
    const current = (await api('GET', '/v1/connectors/k8s_connector?org=default')).body;
    await api('PUT', '/v1/secrets/k8s_token/value?org=default', { version: 2, value: { value: movedCluster.credentials['conduit-deployer']?.token } });
    await api('PUT', '/v1/secrets/k8s_ca/value?org=default', { version: 2, value: { value: movedCluster.caCert } });
    expect((await api('PUT', '/v1/connectors/k8s_connector?org=default', { ...k8sConnector(movedCluster), version: current['version'] })).status).toBe(200);
    expect((await runToEnd())['status']).toBe('succeeded');
    expect(movedCluster.getObject('configmaps', 'production', 'conduit-release-my-service')).toBeDefined();
  });

  it('aborts a running execution: the step process on the delegate is stopped', async () => {
    const slow = examplePipeline('echo started; sleep 30; echo finished').replace('build_and_deploy', 'slow');
    await api('POST', `/v1/pipelines${P}`, slow);
    const started = await api('POST', `/v1/pipelines/slow/executions${P}`);
    const id = started.body['id'] as string;
    await waitFor(async () => (await api('GET', `/v1/pipelines/slow/executions/${id}/logs${P}`)).text.includes('started'), 'the step to start', { timeoutMs: 30_000 });
    const aborted = await api('POST', `/v1/pipelines/slow/executions/${id}/cancel${P}`);
    expect(aborted.body).toMatchObject({ status: 'aborted', stages: [{ status: 'aborted' }, { status: 'skipped' }] });
    const taskId = ((aborted.body['stages'] as Array<{ taskIds: string[] }>)[0]?.taskIds ?? [])[0];
    const task = await waitFor(async () => {
      const t = (await api('GET', `/v1/tasks/${taskId}`)).body;
      return t['status'] === 'cancelled' && t;
    }, 'the stage task to be cancelled', { timeoutMs: 20_000 });
    expect(task).toMatchObject({ status: 'cancelled' });
    expect((await api('GET', `/v1/pipelines/slow/executions/${id}/logs${P}`)).text).not.toContain('finished');
  });
});
