import YAML from 'yaml';
import type { ConnectorView, DelegateView } from '../api/views';
import { columnsFor } from './columns';
import { age, renderList, renderTable } from './format';

const now = new Date('2025-01-01T12:00:00Z');
const connector = (over: Partial<ConnectorView>): ConnectorView => ({
  identifier: 'prom',
  ref: 'prom',
  name: 'Prometheus',
  description: '',
  type: 'Prometheus',
  category: 'Monitoring',
  scope: { level: 'account', org: null, project: null },
  spec: { url: 'http://prom:9090' },
  tags: {},
  delegateSelectors: ['edge'],
  connectivity: 'delegate',
  status: 'ACTIVE',
  errorSummary: null,
  errors: [],
  secretRefs: [],
  lastConnectedAt: null,
  lastTestedAt: '2025-01-01T11:55:00Z',
  updatedAt: '2025-01-01T10:00:00Z',
  version: 3,
  ...over,
});

describe('output formatting', () => {
  it('aligns table columns under capitalised headers and keeps cells on one line', () => {
    const rows = [connector({}), connector({ ref: 'account.github_main', type: 'Github', status: 'FAILED', errorSummary: 'authentication failed:\n401', lastTestedAt: null, delegateSelectors: [] })];
    expect(renderTable(rows, columnsFor(now).connectors)).toEqual([
      'REF                  TYPE        STATUS  VIA              TESTED  ERROR',
      'prom                 Prometheus  ACTIVE  delegate [edge]  5m',
      'account.github_main  Github      FAILED  delegate         -       authentication failed: 401',
    ]);
  });

  it('says when a list is empty instead of printing a lone header', () => {
    expect(renderList([], 'table', columnsFor(now).connectors, 'no connectors in account')).toEqual(['no connectors in account']);
  });

  it('prints JSON and YAML lists that parse back to the items', () => {
    const delegates: DelegateView[] = [{ id: 'd1', name: 'edge-1', group: 'default', status: 'connected', tags: ['edge'], version: '0.1.0', capacity: 4, running: 1, lastHeartbeatAt: null }];
    expect(JSON.parse(renderList(delegates, 'json', columnsFor(now).delegates).join('\n'))).toEqual(delegates);
    expect(YAML.parse(renderList(delegates, 'yaml', columnsFor(now).delegates).join('\n'))).toEqual(delegates);
    expect(renderList(delegates, 'table', columnsFor(now).delegates)[1]).toBe('edge-1  default  connected  edge  1/4    0.1.0    -');
  });

  it('writes ages the way kubectl does', () => {
    expect(age('2025-01-01T11:59:30Z', now)).toBe('30s');
    expect(age('2025-01-01T11:00:00Z', now)).toBe('60m');
    expect(age('2024-12-31T12:00:00Z', now)).toBe('24h');
    expect(age('2024-12-20T12:00:00Z', now)).toBe('12d');
    expect(age(null, now)).toBe('-');
  });
});
