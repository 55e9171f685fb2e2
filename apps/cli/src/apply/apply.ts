import type { ImportedConnector } from '@conduit/connectors';
import { ApiClient, ApiFailure, type ScopeSelection } from '../api/api-client';
import type { AlertRuleView, ConnectorView, PipelineView, SecretView } from '../api/views';
import { CliError, ExitCode } from '../errors';
import type { Io } from '../io';
import { DOCUMENT_KINDS, loadDocuments, type SourceDocument } from './documents';
import {
  alertRuleBody,
  compareAlertRule,
  compareConnector,
  comparePipeline,
  compareSecret,
  pipelineIdentifier,
  readAlertRule,
  readConnector,
  readSecret,
  type AlertRuleDocument,
  type Comparison,
  type SecretDocument,
} from './plan';

/** A document read and checked, ready to compare with the control plane. */
type Prepared =
  | { kind: 'connector'; document: SourceDocument; identifier: string; scope: ScopeSelection; connector: ImportedConnector }
  | { kind: 'secret'; document: SourceDocument; identifier: string; scope: ScopeSelection; secret: SecretDocument & { name: string } }
  | { kind: 'pipeline'; document: SourceDocument; identifier: string; scope: ScopeSelection }
  | { kind: 'alertRule'; document: SourceDocument; identifier: string; scope: ScopeSelection; rule: AlertRuleDocument };

const PAST: Record<'create' | 'update', string> = { create: 'created', update: 'updated' };

/** undefined for 404: the resource does not exist yet. */
async function existing<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return undefined;
    throw error;
  }
}

function prepare(document: SourceDocument, scope: ScopeSelection): Prepared {
  switch (document.kind) {
    case 'connector': {
      const connector = readConnector(document);
      // A file that names its organization (Harness exports do) is applied there; otherwise in the selected scope.
      const target = connector.orgIdentifier ? { org: connector.orgIdentifier, project: connector.projectIdentifier } : scope;
      return { kind: 'connector', document, identifier: connector.identifier, scope: target, connector };
    }
    case 'secret': {
      const secret = readSecret(document);
      return { kind: 'secret', document, identifier: secret.identifier, scope, secret };
    }
    case 'pipeline':
      return { kind: 'pipeline', document, identifier: pipelineIdentifier(document), scope };
    case 'alertRule': {
      const rule = readAlertRule(document);
      return { kind: 'alertRule', document, identifier: rule.identifier, scope, rule };
    }
  }
}

/**
 * `conduit apply`: every document is read and checked first (nothing is written if one is broken), then applied
 * in dependency order — secrets, connectors, pipelines, alert rules — comparing each with what the control plane holds.
 */
export async function runApply(io: Io, client: ApiClient, targets: readonly string[], dryRun: boolean): Promise<ExitCode> {
  const documents = await loadDocuments(targets, io.readStdin);
  if (documents.length === 0) throw CliError.usage(`no documents found in ${targets.join(', ')} (conduit applies .yaml/.yml files with a connector:, secret:, pipeline: or alertRule: document)`);

  const prepared: Prepared[] = [];
  const problems: string[] = [];
  for (const document of documents) {
    try {
      prepared.push(prepare(document, client.scope));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      problems.push(error.message);
    }
  }
  const seen = new Map<string, string>();
  for (const p of prepared) {
    const key = `${p.kind}/${p.scope.org ?? ''}/${p.scope.project ?? ''}/${p.identifier}`;
    const first = seen.get(key);
    if (first) problems.push(`${p.document.source}: ${p.kind}/${p.identifier} is also defined in ${first}`);
    seen.set(key, p.document.source);
  }
  if (problems.length) {
    for (const problem of problems) io.err(problem);
    io.err(`nothing was applied: fix the ${problems.length === 1 ? 'document' : `${problems.length} documents`} above first`);
    return ExitCode.Failure;
  }
  prepared.sort((a, b) => DOCUMENT_KINDS.indexOf(a.kind) - DOCUMENT_KINDS.indexOf(b.kind));

  const counts = { create: 0, update: 0, unchanged: 0, blocked: 0, failed: 0 };
  for (const item of prepared) {
    const label = `${item.kind}/${item.identifier}`;
    try {
      const { comparison, apply } = await plan(client, item);
      counts[comparison.action]++;
      if (comparison.action === 'blocked') {
        io.out(`${comparison.outcome ?? 'not applied'} ${label}: ${comparison.reason ?? ''}`);
        if (dryRun) comparison.diff.forEach((line) => io.out(line));
        continue;
      }
      if (comparison.action === 'unchanged') {
        io.out(`unchanged ${label}`);
        continue;
      }
      if (dryRun) {
        io.out(`would ${comparison.action} ${label}`);
        comparison.diff.forEach((line) => io.out(line));
        continue;
      }
      const warnings = await apply();
      io.out(`${PAST[comparison.action]} ${label}`);
      for (const warning of warnings) io.err(`  warning: ${warning}`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (error.exitCode === ExitCode.Unreachable) throw error;
      counts.failed++;
      io.err(`failed ${label} (${item.document.source}):`);
      io.err(error.message.replace(/^/gm, '  '));
    }
  }
  if (dryRun) {
    io.out(`dry run, nothing was written: ${counts.create} to create, ${counts.update} to update, ${counts.unchanged} unchanged${counts.blocked ? `, ${counts.blocked} not applicable` : ''}${counts.failed ? `, ${counts.failed} failed` : ''}`);
  }
  return counts.blocked || counts.failed ? ExitCode.Failure : ExitCode.Ok;
}

async function plan(client: ApiClient, item: Prepared): Promise<{ comparison: Comparison; apply: () => Promise<string[]> }> {
  const scope = item.scope;
  const id = encodeURIComponent(item.identifier);
  switch (item.kind) {
    case 'connector': {
      const current = await existing(() => client.request<ConnectorView>('GET', `/v1/connectors/${id}`, { scope }));
      const comparison = compareConnector(current, item.connector);
      return {
        comparison,
        apply: async () => {
          if (!current) {
            const answer = await client.request<{ import: { ignoredFields: string[]; placeholders: Array<{ path: string; value: string }> } }>('POST', '/v1/connectors/import', { scope, yaml: item.document.text });
            return [
              ...answer.import.ignoredFields.map((f) => `${f} was not imported (Conduit has no such field)`),
              ...answer.import.placeholders.map((p) => `${p.path} is the placeholder '${p.value}'; replace it before testing the connector`),
            ];
          }
          const { identifier, name, description, tags, type, spec } = item.connector;
          await client.request('PUT', `/v1/connectors/${id}`, { scope, json: { identifier, name, description, tags, type, spec, version: current.version } });
          return [];
        },
      };
    }
    case 'secret': {
      const current = await existing(() => client.request<SecretView>('GET', `/v1/secrets/${id}`, { scope }));
      const comparison = compareSecret(current, item.secret);
      const { identifier, name, description, tags, kind, reference } = item.secret;
      return {
        comparison,
        apply: async () => {
          if (!current) await client.request('POST', '/v1/secrets', { scope, json: { identifier, name, description, tags, kind, reference } });
          else await client.request('PUT', `/v1/secrets/${id}/value`, { scope, json: { version: current.version + 1, reference } });
          return [];
        },
      };
    }
    case 'pipeline': {
      const current = await existing(() => client.request<PipelineView>('GET', `/v1/pipelines/${id}`, { scope }));
      const comparison = comparePipeline(current?.yaml, item.document, item.identifier);
      return {
        comparison,
        apply: async () => {
          if (!current) await client.request('POST', '/v1/pipelines', { scope, yaml: item.document.text });
          else await client.request('PUT', `/v1/pipelines/${id}`, { scope, yaml: item.document.text, query: { version: current.version } });
          return [];
        },
      };
    }
    case 'alertRule': {
      const current = await existing(() => client.request<AlertRuleView>('GET', `/v1/alert-rules/${id}`, { scope }));
      return {
        comparison: compareAlertRule(current, item.rule),
        apply: async () => {
          if (!current) await client.request('POST', '/v1/alert-rules', { scope, json: alertRuleBody(item.rule) });
          else await client.request('PUT', `/v1/alert-rules/${id}`, { scope, json: { ...alertRuleBody(item.rule), version: current.version } });
          return [];
        },
      };
    }
  }
}
