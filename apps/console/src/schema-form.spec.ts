import { catalogJsonSchemas } from '@conduit/connectors';
import {
  type Field,
  fieldsOf,
  formatMap,
  getIn,
  type JsonSchema,
  labelOf,
  parseLines,
  parseMap,
  pruneEmpty,
  setIn,
  startBranch,
} from './schema-form';

const catalog = catalogJsonSchemas();
const schemaOf = (type: string) => catalog.find((e) => e.type === type)?.schema as JsonSchema;

function flatten(fields: Field[]): Field[] {
  return fields.flatMap((f) => [
    f,
    ...(f.kind === 'object'
      ? flatten(f.fields)
      : f.kind === 'choice'
        ? f.options.flatMap((o) => flatten(o.fields))
        : []),
  ]);
}

describe('fieldsOf (forms from the catalog’s JSON Schemas)', () => {
  it('turns the Prometheus schema into labelled fields, marking the secret reference', () => {
    const fields = fieldsOf(schemaOf('Prometheus'));
    expect(fields.map((f) => [f.path.join('.'), f.kind, f.required])).toEqual([
      ['url', 'text', true],
      ['username', 'text', false],
      ['passwordRef', 'text', false],
      ['headers', 'rows', false],
      ['delegateSelectors', 'lines', false],
      ['executeOnDelegate', 'boolean', false],
      ['caCertRef', 'text', false],
    ]);
    expect(fields[0]).toMatchObject({
      label: 'Url',
      format: 'uri',
      secretRef: false,
      description: expect.stringContaining('Prometheus server URL'),
    });
    expect(fields[2]).toMatchObject({ label: 'Password', secretRef: true });
    expect(fields[6]).toMatchObject({ secretRef: true, description: expect.stringContaining('PEM CA certificate') });
  });

  it('turns discriminated unions into a choice per branch, nested as deep as the schema goes', () => {
    const auth = fieldsOf(schemaOf('Github')).find((f) => f.path.join('.') === 'authentication');
    expect(auth).toMatchObject({ kind: 'choice', discriminator: 'type', required: true });
    if (auth?.kind !== 'choice') throw new Error('not a choice');
    expect(auth.options.map((o) => o.value)).toEqual(['Http', 'Ssh']);
    const http = auth.options[0]?.fields[0];
    expect(http).toMatchObject({ kind: 'choice', path: ['authentication', 'spec'] });
    if (http?.kind !== 'choice') throw new Error('not a choice');
    const token = http.options.find((o) => o.value === 'UsernameToken');
    expect(token?.fields).toMatchObject([{ kind: 'object', path: ['authentication', 'spec', 'spec'] }]);
    expect(
      flatten(token?.fields ?? [])
        .filter((f) => f.kind === 'text' && f.secretRef)
        .map((f) => f.path.join('.')),
    ).toEqual(['authentication.spec.spec.usernameRef', 'authentication.spec.spec.tokenRef']);
  });

  it('has a widget for every field of every connector type, and finds every secret reference field the catalog lists', () => {
    for (const entry of catalog) {
      const fields = flatten(fieldsOf(entry.schema as JsonSchema));
      expect([entry.type, fields.filter((f) => f.kind === 'json').map((f) => f.path.join('.'))]).toEqual([
        entry.type,
        [],
      ]);
      const refs = new Set(
        fields.filter((f) => f.kind === 'text' && f.secretRef).map((f) => `spec.${f.path.join('.')}`),
      );
      const listed = entry.secretRefFields.filter((p) => !p.includes('[]'));
      expect([entry.type, listed.filter((p) => !refs.has(p))]).toEqual([entry.type, []]);
    }
  });

  it('labels camelCase keys as words', () => {
    expect(labelOf('validationRepo')).toBe('Validation repo');
    expect(labelOf('serviceAccountTokenRef')).toBe('Service account token');
    expect(labelOf('caCertRef')).toBe('Ca cert');
    expect(labelOf('apiURL')).toBe('Api url');
  });
});

describe('form values', () => {
  it('sets values at paths without touching the original, creating objects and lists on the way', () => {
    const before = { url: 'http://x' };
    const after = setIn(setIn(before, ['authentication', 'spec', 'tokenRef'], 'gh'), ['headers', 0, 'key'], 'X-Org');
    expect(before).toEqual({ url: 'http://x' });
    expect(after).toEqual({
      url: 'http://x',
      authentication: { spec: { tokenRef: 'gh' } },
      headers: [{ key: 'X-Org' }],
    });
    expect(getIn(after, ['headers', 0, 'key'])).toBe('X-Org');
    expect(getIn(after, ['nope', 'deeper'])).toBeUndefined();
  });

  it('drops what was left blank, so optional fields are absent rather than empty', () => {
    expect(
      pruneEmpty({
        url: 'http://x',
        username: '',
        headers: [{}],
        auth: { spec: { x: '' } },
        executeOnDelegate: false,
        n: 0,
      }),
    ).toEqual({
      url: 'http://x',
      executeOnDelegate: false,
      n: 0,
    });
    expect(pruneEmpty({})).toBeUndefined();
  });

  it('reads one value per line, numbers for numeric lists', () => {
    expect(parseLines(' Linux \n\nlocal', false)).toEqual(['Linux', 'local']);
    expect(parseLines('200\n204\nabc', true)).toEqual([200, 204, 'abc']);
  });

  it('reads and writes key=value lines', () => {
    expect(parseMap('a=1\n\n b = two=2 \nflag')).toEqual({ a: '1', b: 'two=2', flag: '' });
    expect(formatMap({ a: '1', b: 'x' })).toBe('a=1\nb=x');
  });
});

describe('a spec that is itself a union (Git: one object per authentication type)', () => {
  const [root] = fieldsOf(schemaOf('Git'));

  it('becomes one choice at the root whose branches carry the common fields', () => {
    expect(root).toMatchObject({ kind: 'choice', path: [], discriminator: 'type' });
    if (root?.kind !== 'choice') throw new Error('not a choice');
    expect(root.options.map((o) => o.value)).toEqual(['Http', 'Ssh']);
    expect(root.options[0]?.fields.map((f) => f.path.join('.'))).toEqual(
      expect.arrayContaining(['url', 'connectionType', 'spec']),
    );
  });

  it('keeps the plain fields both branches share when switching, and drops the old credentials', () => {
    if (root?.kind !== 'choice') throw new Error('not a choice');
    const http = {
      type: 'Http',
      url: 'https://git.example/acme',
      connectionType: 'Account',
      spec: { username: 'bot', passwordRef: 'pw' },
    };
    expect(startBranch(root, 'Ssh', http)).toEqual({
      type: 'Ssh',
      url: 'https://git.example/acme',
      connectionType: 'Account',
    });
    expect(startBranch(root, 'Http', undefined)).toEqual({ type: 'Http' });
  });
});
