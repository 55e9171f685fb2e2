import { ConnectorCheckError } from './context';
import { selectField } from './secret-managers';

describe('selectField', () => {
  it('gives a field of a JSON document, as text', () => {
    expect(selectField({ password: 'pw-1', port: 5432 }, 'password', 'here')).toBe('pw-1');
    expect(selectField({ password: 'pw-1', port: 5432 }, 'port', 'here')).toBe('5432');
    expect(selectField('{"user":"app","password":"pw-2"}', 'password', 'here')).toBe('pw-2');
  });

  it('without a key: a string as it is, or the only field of a document', () => {
    expect(selectField('plain-value', undefined, 'here')).toBe('plain-value');
    expect(selectField({ value: 'only' }, undefined, 'here')).toBe('only');
  });

  it('names the fields, never their values, when the key is missing or needed', () => {
    const missing = () => selectField({ user: 'app', password: 'hunter2-value' }, 'pass', "secret 'x'");
    expect(missing).toThrow(ConnectorCheckError);
    expect(missing).toThrow("secret 'x' has no field 'pass' (fields: user, password)");
    expect(missing).not.toThrow(/hunter2/);
    expect(() => selectField({ user: 'app', password: 'hunter2-value' }, undefined, "secret 'x'")).toThrow('holds 2 fields (user, password): give the reference a key');
    expect(() => selectField('not json', 'password', "secret 'x'")).toThrow("is not a JSON object, so it has no field 'password'");
  });
});
