import { renderSpecExpressions, specExpressions } from './expressions';

describe('secret expressions in connector fields', () => {
  const spec = { url: 'https://x.internal/health', headers: [{ key: 'Authorization', value: 'Bearer <+secrets.getValue("org.api_token")>' }, { key: 'X-Tenant', value: 'acme' }] };

  it('lists the references by field path', () => {
    expect(specExpressions(spec)).toEqual({ uses: [{ path: 'spec.headers[0].value', ref: 'org.api_token' }], issues: [] });
  });

  it('names a malformed expression by its path', () => {
    const { issues } = specExpressions({ url: 'https://x/<+secrets.getValue(nope)>' });
    expect(issues).toEqual([{ path: 'spec.url', message: expect.stringMatching(/^spec\.url: /) }]);
  });

  it('renders the values in a copy, leaving other fields alone', () => {
    const rendered = renderSpecExpressions(spec, (ref) => `value-of-${ref}`);
    expect(rendered['headers']).toEqual([{ key: 'Authorization', value: 'Bearer value-of-org.api_token' }, { key: 'X-Tenant', value: 'acme' }]);
    expect(spec.headers[0]?.value).toContain('<+secrets');
  });
});
