import type { AlertRuleView, ConnectorView, DelegateView, PipelineView, SecretView, TaskView } from '../api/views';
import { age, formatTags, type Column } from './format';

/** Table columns of each listable resource; `now` makes ages deterministic in tests. */
export const columnsFor = (now: Date) => ({
  connectors: [
    { header: 'ref', value: (c) => c.ref },
    { header: 'type', value: (c) => c.type },
    { header: 'status', value: (c) => c.status },
    { header: 'via', value: (c) => (c.connectivity === 'delegate' ? `delegate${c.delegateSelectors.length ? ` [${c.delegateSelectors.join(',')}]` : ''}` : c.connectivity) },
    { header: 'tested', value: (c) => age(c.lastTestedAt, now) },
    { header: 'error', value: (c) => c.errorSummary ?? '' },
  ] satisfies Array<Column<ConnectorView>>,
  secrets: [
    { header: 'ref', value: (s) => s.ref },
    { header: 'kind', value: (s) => s.kind },
    { header: 'version', value: (s) => String(s.version) },
    { header: 'tags', value: (s) => formatTags(s.tags) },
    { header: 'updated', value: (s) => age(s.updatedAt, now) },
  ] satisfies Array<Column<SecretView>>,
  pipelines: [
    { header: 'identifier', value: (p) => p.identifier },
    { header: 'name', value: (p) => p.name },
    { header: 'version', value: (p) => String(p.version) },
    { header: 'updated', value: (p) => age(p.updatedAt, now) },
  ] satisfies Array<Column<PipelineView>>,
  'alert-rules': [
    { header: 'identifier', value: (r) => r.identifier },
    { header: 'condition', value: (r) => r.condition.type },
    { header: 'notify', value: (r) => r.notify.join(',') },
    { header: 'cooldown', value: (r) => r.cooldown },
    { header: 'enabled', value: (r) => (r.enabled ? 'yes' : 'no') },
    { header: 'updated', value: (r) => age(r.updatedAt, now) },
  ] satisfies Array<Column<AlertRuleView>>,
  delegates: [
    { header: 'name', value: (d) => d.name },
    { header: 'group', value: (d) => d.group },
    { header: 'status', value: (d) => d.status },
    { header: 'tags', value: (d) => formatTags(d.tags) },
    { header: 'tasks', value: (d) => `${d.running}/${d.capacity}` },
    { header: 'version', value: (d) => d.version },
    { header: 'heartbeat', value: (d) => age(d.lastHeartbeatAt, now) },
  ] satisfies Array<Column<DelegateView>>,
  tasks: [
    { header: 'id', value: (t) => t.id },
    { header: 'kind', value: (t) => t.kind },
    { header: 'status', value: (t) => t.status },
    { header: 'delegate', value: (t) => t.delegate?.name ?? '-' },
    { header: 'queued', value: (t) => age(t.queuedAt, now) },
    { header: 'error', value: (t) => (t.error ? `${t.error.code}: ${t.error.message}` : '') },
  ] satisfies Array<Column<TaskView>>,
});
