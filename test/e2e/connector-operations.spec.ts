import {
  startGitHttp,
  startHelmRepo,
  startJira,
  startPagerDuty,
  startRegistry,
  startServiceNow,
  startSlack,
  startSshd,
  startTeams,
  README_CONTENT,
  type GitHttpPeer,
  type HelmRepoPeer,
  type JiraStandIn,
  type PagerDutyStandIn,
  type RegistryPeer,
  type ServiceNowStandIn,
  type SlackStandIn,
  type SshdPeer,
  type TeamsStandIn,
} from '../peers';
import type { RunningProcess } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

/**
 * Connector operations end to end: API → `connector.operation` task → a real delegate process → peer.
 * REAL peers: git http-backend behind Basic auth, OpenSSH sshd, the docker-registry package with htpasswd,
 * and nginx serving a Helm repository. STAND-INS (test/peers; the services cannot run offline): Slack's Web
 * API, a Teams incoming webhook, PagerDuty Events v2, Jira's REST API and ServiceNow's Table API. The result
 * is the task's, masked on the delegate.
 */
describe('connector operations through a real delegate against real peers', () => {
  let stack: Stack;
  let api: Stack['api'];
  let controlPlane: RunningProcess;
  let delegate: RunningProcess;
  let git: GitHttpPeer;
  let sshd: SshdPeer;
  let registry: RegistryPeer;
  let helm: HelmRepoPeer;
  let slack: SlackStandIn;
  let teams: TeamsStandIn;
  let pagerDuty: PagerDutyStandIn;
  let jira: JiraStandIn;
  let serviceNow: ServiceNowStandIn;
  const canary = `canary-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const secret = (identifier: string, kind: string, value: Record<string, string>) => api('POST', '/v1/secrets', { identifier, name: identifier, kind, value });
  const run = (ref: string, operation: string, body: unknown = {}) => api('POST', `/v1/connectors/${ref}/operations/${operation}?wait=true`, body);

  beforeAll(async () => {
    [git, sshd, registry, helm] = await Promise.all([startGitHttp(), startSshd(), startRegistry(), startHelmRepo()]);
    [slack, teams, pagerDuty, jira, serviceNow] = await Promise.all([startSlack(), startTeams(), startPagerDuty(), startJira(), startServiceNow()]);
    stack = await startStack({ name: 'operations', delegateEnv: { DELEGATE_TAGS: 'private-net' } });
    ({ api, controlPlane, delegate } = stack);
    expect((await secret('git_pw', 'text', { value: git.password })).status).toBe(201);
    expect((await secret('ssh_key', 'ssh-key', { privateKey: sshd.privateKey })).status).toBe(201);
    expect((await secret('registry_pw', 'text', { value: registry.password })).status).toBe(201);
    expect((await secret('helm_pw', 'text', { value: helm.password })).status).toBe(201);
    expect((await secret('canary', 'text', { value: canary })).status).toBe(201);
    for (const [identifier, value] of [['slack_bot', slack.botToken], ['teams_hook', teams.webhookUrl], ['pd_key', pagerDuty.routingKey], ['jira_token', jira.apiToken], ['snow_pw', serviceNow.password]] as const) {
      expect((await secret(identifier, 'text', { value })).status).toBe(201);
    }
    const connectors = [
      { identifier: 'repo_http', type: 'Git', spec: { type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'git_pw' } } },
      { identifier: 'repo_ssh', type: 'Git', spec: { type: 'Ssh', connectionType: 'Repo', url: sshd.git.url, spec: { sshKeyRef: 'ssh_key', knownHostFingerprints: [sshd.hostKeyFingerprint] } } },
      { identifier: 'box', type: 'SshHost', spec: { host: '127.0.0.1', port: sshd.port, username: sshd.username, sshKeyRef: 'ssh_key', hostKeyFingerprints: [sshd.hostKeyFingerprint] } },
      { identifier: 'images', type: 'DockerRegistry', spec: { dockerRegistryUrl: registry.url, providerType: 'Other', auth: { type: 'UsernamePassword', spec: { username: registry.username, passwordRef: 'registry_pw' } } } },
      { identifier: 'charts', type: 'HttpHelmRepo', spec: { helmRepoUrl: helm.url, auth: { type: 'UsernamePassword', spec: { username: helm.username, passwordRef: 'helm_pw' } } } },
      { identifier: 'chat', type: 'Slack', spec: { apiUrl: `${slack.url}/api`, defaultChannel: 'general', auth: { type: 'BotToken', spec: { tokenRef: 'slack_bot' } } } },
      { identifier: 'team_room', type: 'MsTeams', spec: { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'teams_hook' } } } },
      { identifier: 'oncall', type: 'PagerDuty', spec: { apiUrl: pagerDuty.url, routingKeyRef: 'pd_key' } },
      { identifier: 'tickets', type: 'Jira', spec: { jiraUrl: `${jira.url}/`, auth: { type: 'UsernamePassword', spec: { username: jira.email, passwordRef: 'jira_token' } } } },
      { identifier: 'itsm', type: 'ServiceNow', spec: { serviceNowUrl: serviceNow.url, auth: { type: 'UsernamePassword', spec: { username: serviceNow.username, passwordRef: 'snow_pw' } } } },
    ];
    for (const c of connectors) {
      const created = await api('POST', '/v1/connectors', { ...c, name: c.identifier, spec: { ...c.spec, delegateSelectors: ['private-net'] } });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([git?.stop(), sshd?.stop(), registry?.stop(), helm?.stop(), slack?.stop(), teams?.stop(), pagerDuty?.stop(), jira?.stop(), serviceNow?.stop()]);
  });

  it('lists what a connector offers, with the JSON Schema of each body', async () => {
    const listed = await api('GET', '/v1/connectors/repo_http/operations');
    expect(listed.status).toBe(200);
    const items = listed.body['items'] as Array<{ name: string; mutating: boolean; input: { properties?: Record<string, unknown> } }>;
    expect(items.map((i) => i.name)).toEqual(['list-refs', 'read-file']);
    expect(Object.keys(items[1]?.input.properties ?? {})).toEqual(['path', 'ref', 'repo']);
    const exec = ((await api('GET', '/v1/connectors/box/operations')).body['items'] as Array<{ name: string; mutating: boolean }>)[0];
    expect(exec).toMatchObject({ name: 'exec', mutating: true });
  });

  it('list-refs over smart HTTP returns the refs git ls-remote shows, with the task and delegate', async () => {
    const result = await run('repo_http', 'list-refs');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ operation: 'list-refs', status: 'SUCCESS', errors: [], delegate: 'inside', taskId: expect.any(String) });
    const refs = (result.body['result'] as { refs: Array<{ name: string; oid: string }>; head: string }).refs;
    expect(Object.fromEntries(refs.map((r) => [r.name, r.oid]))).toMatchObject({ 'refs/heads/main': git.repo.branches.main });
    const task = (await api('GET', `/v1/tasks/${result.body['taskId']}`)).body;
    expect(task).toMatchObject({ kind: 'connector.operation', status: 'succeeded', mutating: false });
  });

  it('read-file fetches one file at a ref over HTTPS credentials and over SSH with the pinned host key', async () => {
    const overHttp = await run('repo_http', 'read-file', { path: 'README.md', ref: 'main' });
    expect(overHttp.body).toMatchObject({ status: 'SUCCESS', result: { path: 'README.md', ref: 'main', content: README_CONTENT, encoding: 'utf-8', commit: git.repo.branches.main } });
    const overSsh = await run('repo_ssh', 'read-file', { path: 'README.md' });
    expect(overSsh.body).toMatchObject({ status: 'SUCCESS', result: { content: README_CONTENT, ref: 'HEAD' } });
    const missing = await run('repo_http', 'read-file', { path: 'nope.txt', ref: 'main' });
    expect(missing.body).toMatchObject({ status: 'FAILURE', stage: 'operation', errors: [{ code: 'FILE_NOT_FOUND' }] });
  });

  it('lists the tags of an image and reads the manifest digest a tag points to', async () => {
    const tags = await run('images', 'list-tags', { image: registry.repository });
    expect(tags.body).toMatchObject({ status: 'SUCCESS', result: { image: 'team/app', complete: true } });
    expect((tags.body['result'] as { tags: string[] }).tags.sort()).toEqual([...registry.tags].sort());
    const digest = await run('images', 'manifest-digest', { image: registry.repository, reference: '1.0' });
    expect(digest.body).toMatchObject({ status: 'SUCCESS', result: { digest: registry.manifestDigest, mediaType: registry.manifestMediaType } });
    const unknown = await run('images', 'manifest-digest', { image: registry.repository, reference: '9.9' });
    expect(unknown.body).toMatchObject({ status: 'FAILURE', errors: [{ code: 'MANIFEST_NOT_FOUND' }] });
  });

  it("lists a Helm repository's charts from index.yaml", async () => {
    const result = await run('charts', 'list-charts');
    const charts = (result.body['result'] as { charts: Array<{ name: string; versions: Array<{ version: string }> }> }).charts;
    expect(Object.fromEntries(charts.map((c) => [c.name, c.versions.map((v) => v.version)]))).toEqual(helm.charts);
  });

  it('runs a command on an SSH host as a mutating task, masking the task’s secrets in its output', async () => {
    // The canary becomes a secret of the task as the (ignored) passphrase of the unencrypted key; the
    // command prints it, and the result must not.
    const spec = { host: '127.0.0.1', port: sshd.port, username: sshd.username, sshKeyRef: 'ssh_key', passphraseRef: 'canary', hostKeyFingerprints: [sshd.hostKeyFingerprint], delegateSelectors: ['private-net'] };
    expect((await api('POST', '/v1/connectors', { identifier: 'box_masked', name: 'box with a canary', type: 'SshHost', spec })).status).toBe(201);
    const result = await run('box_masked', 'exec', { command: `echo hello; echo "${canary}" >&2; exit 4` });
    expect(result.body).toMatchObject({ status: 'SUCCESS', message: `command on 127.0.0.1:${sshd.port} ended with exit code 4`, result: { exitCode: 4, stdout: 'hello\n' } });
    const stderr = (result.body['result'] as { stderr: string }).stderr;
    expect(stderr).not.toContain(canary);
    expect(stderr.trim()).not.toBe('');
    const task = (await api('GET', `/v1/tasks/${result.body['taskId']}`)).body;
    expect(task).toMatchObject({ kind: 'connector.operation', mutating: true });
  });

  it('sends a notification through Slack, Teams and PagerDuty stand-ins as mutating tasks', async () => {
    const message = { title: 'Deploy failed', text: 'payments 1.4.2 rolled back', severity: 'error', facts: { service: 'payments' } };
    const listed = (await api('GET', '/v1/connectors/chat/operations')).body['items'] as Array<{ name: string; mutating: boolean }>;
    expect(listed.map((i) => [i.name, i.mutating])).toEqual([['send-notification', true]]);

    const toSlack = await run('chat', 'send-notification', { ...message, channel: 'C0DEPLOYS' });
    expect(toSlack.body).toMatchObject({ status: 'SUCCESS', message: 'posted to Slack channel C0DEPLOYS', delegate: 'inside', result: { channel: 'C0DEPLOYS' } });
    expect(slack.messages.at(-1)).toEqual({ via: 'chat.postMessage', channel: 'C0DEPLOYS', text: '*Deploy failed*\npayments 1.4.2 rolled back\nservice: payments' });
    expect((await api('GET', `/v1/tasks/${toSlack.body['taskId']}`)).body).toMatchObject({ kind: 'connector.operation', status: 'succeeded', mutating: true });

    const toTeams = await run('team_room', 'send-notification', message);
    expect(toTeams.body).toMatchObject({ status: 'SUCCESS' });
    expect(teams.cards.at(-1)).toMatchObject({ '@type': 'MessageCard', title: 'Deploy failed', text: 'payments 1.4.2 rolled back', sections: [{ facts: [{ name: 'service', value: 'payments' }] }] });

    const toPagerDuty = await run('oncall', 'send-notification', { ...message, dedupKey: 'payments-deploy' });
    expect(toPagerDuty.body).toMatchObject({ status: 'SUCCESS', result: { dedupKey: 'payments-deploy' } });
    expect(pagerDuty.events.at(-1)).toMatchObject({ event_action: 'trigger', dedup_key: 'payments-deploy', payload: { severity: 'error', source: 'conduit', summary: 'Deploy failed: payments 1.4.2 rolled back' } });
  });

  it('opens a Jira issue and a ServiceNow incident in their stand-ins, returning the key and sys_id', async () => {
    const issue = await run('tickets', 'create-issue', { projectKey: 'OPS', issueType: 'Bug', summary: 'payments 1.4.2 rolled back', description: 'see the pipeline' });
    expect(issue.body).toMatchObject({ status: 'SUCCESS', message: 'created Jira issue OPS-1 (Bug) in OPS', result: { key: 'OPS-1', url: `${jira.url}/browse/OPS-1` } });
    expect(jira.issues).toMatchObject([{ key: 'OPS-1', fields: { project: { key: 'OPS' }, issuetype: { name: 'Bug' }, summary: 'payments 1.4.2 rolled back', description: 'see the pipeline' } }]);

    const incident = await run('itsm', 'create-record', { fields: { short_description: 'payments 1.4.2 rolled back', urgency: '2' } });
    const stored = serviceNow.tables['incident']?.at(-1);
    expect(stored).toMatchObject({ short_description: 'payments 1.4.2 rolled back', urgency: '2' });
    expect(incident.body).toMatchObject({ status: 'SUCCESS', result: { table: 'incident', sysId: stored?.['sys_id'], number: stored?.['number'] } });

    const refused = await run('tickets', 'create-issue', { projectKey: 'NOPE', summary: 'x' });
    expect(refused.body).toMatchObject({ status: 'FAILURE', stage: 'operation', errors: [{ code: 'ISSUE_REJECTED', message: 'Jira refused the issue in NOPE: project: valid project is required' }] });
    expect(jira.issues).toHaveLength(1);
  });

  it('answers a client mistake with 4xx naming the field, never a 500, and creates no task', async () => {
    const before = ((await api('GET', '/v1/tasks?kind=connector.operation&limit=100')).body['items'] as unknown[]).length;
    const unknown = await api('POST', '/v1/connectors/repo_http/operations/list-tags', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body['message']).toBe("Git connectors have no operation 'list-tags'; operations: list-refs, read-file");
    const badPath = await api('POST', '/v1/connectors/repo_http/operations/read-file', { path: '../etc/passwd' });
    expect(badPath.status).toBe(400);
    expect(badPath.body['message']).toBe('body.path: must be a path inside the repository, without .. segments');
    const extra = await api('POST', '/v1/connectors/repo_http/operations/list-refs', { rm: '-rf' });
    expect(extra.status).toBe(400);
    expect(String(extra.body['message'])).toContain('rm');
    const badField = await api('POST', '/v1/connectors/itsm/operations/create-record', { fields: { 'Short Description': 'x' } });
    expect(badField.status).toBe(400);
    expect(badField.body['message']).toBe('body.fields.Short Description: a field name is lower-case letters, digits and _, e.g. short_description');
    const noTitle = await api('POST', '/v1/connectors/oncall/operations/send-notification', { text: 'untitled' });
    expect(noTitle.status).toBe(400);
    expect(String(noTitle.body['message'])).toMatch(/^body\.title: /);
    const badName = await api('POST', '/v1/connectors/repo_http/operations/List_Refs', {});
    expect(badName.status).toBe(400);
    const after = ((await api('GET', '/v1/tasks?kind=connector.operation&limit=100')).body['items'] as unknown[]).length;
    expect(after).toBe(before);
  });

  it('never lets a secret value out: not in API answers, nor either process’s log', async () => {
    const forms = (v: string) => [v, Buffer.from(v).toString('base64'), encodeURIComponent(v)];
    const standInSecrets = [slack.botToken, teams.webhookUrl, pagerDuty.routingKey, jira.apiToken, serviceNow.password];
    for (const value of [git.password, registry.password, helm.password, sshd.privateKey.split('\n')[1] as string, ...standInSecrets]) {
      for (const form of forms(value)) {
        for (const text of stack.responses) expect(text).not.toContain(form);
        expect(controlPlane.output).not.toContain(form);
        expect(delegate.output).not.toContain(form);
      }
    }
  });
});
