import {
  bindSecretExpressionsToEnv,
  parseSecretExpressions,
  renderSecretExpressions,
  SecretExpressionError,
} from './expressions';
import { ScopedRef } from './scoped-ref';

const refsOf = (text: string) => parseSecretExpressions(text).expressions.map((e) => e.ref);
const messagesOf = (text: string) => parseSecretExpressions(text).errors.map((e) => e.message);

describe('parseSecretExpressions', () => {
  it('finds an expression with double or single quotes, with scope and position', () => {
    const text = 'a <+secrets.getValue("org.db_password")> b';
    expect(parseSecretExpressions(text)).toEqual({
      expressions: [
        {
          ref: 'org.db_password',
          scope: 'org',
          identifier: 'db_password',
          start: 2,
          end: 40,
          line: 1,
          column: 3,
          source: '<+secrets.getValue("org.db_password")>',
        },
      ],
      errors: [],
    });
    expect(parseSecretExpressions("<+secrets.getValue('account.token')>").expressions[0]).toMatchObject({
      ref: 'account.token',
      scope: 'account',
      identifier: 'token',
    });
    expect(parseSecretExpressions('<+secrets.getValue("pw")>').expressions[0]).toMatchObject({
      scope: 'project',
      identifier: 'pw',
    });
  });

  it('finds two expressions on one line, and gives lines and columns across lines', () => {
    const text = 'echo start\nlogin -u <+secrets.getValue("org.user")> -p <+secrets.getValue(\'org.pass\')>\n';
    const { expressions, errors } = parseSecretExpressions(text);
    expect(errors).toEqual([]);
    expect(expressions.map(({ ref, line, column }) => ({ ref, line, column }))).toEqual([
      { ref: 'org.user', line: 2, column: 10 },
      { ref: 'org.pass', line: 2, column: 45 },
    ]);
    expect(expressions.map((e) => text.slice(e.start, e.end))).toEqual([
      '<+secrets.getValue("org.user")>',
      "<+secrets.getValue('org.pass')>",
    ]);
  });

  it('allows blanks inside the parentheses', () => {
    expect(refsOf('<+secrets.getValue( "org.x" )>')).toEqual(['org.x']);
  });

  it('accepts escaped quotes around the reference, as inside a double-quoted shell string', () => {
    const text = 'echo "token=<+secrets.getValue(\\"org.token\\")>"';
    const { expressions, errors } = parseSecretExpressions(text);
    expect(errors).toEqual([]);
    expect(expressions).toMatchObject([{ ref: 'org.token', source: '<+secrets.getValue(\\"org.token\\")>' }]);
  });

  it('treats an escaped quote inside the quotes as part of the reference, which then names it as invalid', () => {
    expect(messagesOf('<+secrets.getValue("a\\"b")>')).toEqual([
      "secret expression '<+secrets.getValue(\"a\\\"b\")>': 'a\"b' is not a valid reference: 'a\"b' is not an identifier (a letter or _, then up to 127 letters, digits or _)",
    ]);
    // The other quote kind needs no escape, and a `>` inside the quotes does not end the expression.
    expect(messagesOf('<+secrets.getValue("it\'s>")>')[0]).toContain("'it's>' is not a valid reference");
  });

  it('reports an unquoted reference as malformed', () => {
    const { expressions, errors } = parseSecretExpressions('x <+secrets.getValue(db)> y');
    expect(expressions).toEqual([]);
    expect(errors).toEqual([
      {
        start: 2,
        end: 25,
        line: 1,
        column: 3,
        message:
          'malformed secret expression \'<+secrets.getValue(db)>\': the reference must be quoted, as in <+secrets.getValue("org.db_password")>',
      },
    ]);
  });

  it.each([
    [
      '<+secrets.getValue("x"',
      "unterminated secret expression '<+secrets.getValue(\"x\"': expected ')>' after the quoted reference",
    ],
    [
      '<+secrets.getValue("x")',
      "unterminated secret expression '<+secrets.getValue(\"x\")': expected ')>' after the quoted reference",
    ],
    [
      '<+secrets.getValue("x\nnext line")>',
      "unterminated secret expression '<+secrets.getValue(\"x': the quoted reference is not closed",
    ],
    [
      '<+secrets.getValue("x) > out',
      "unterminated secret expression '<+secrets.getValue(\"x) > out': the quoted reference is not closed",
    ],
    [
      '<+secrets.getValue("x") > out.txt',
      "malformed secret expression '<+secrets.getValue(\"x\") >': expected ')>' right after the quoted reference",
    ],
    [
      '<+secrets.getValue("a" + "b")>',
      'malformed secret expression \'<+secrets.getValue("a" + "b")>\': expected \')>\' right after the quoted reference',
    ],
    [
      '<+secrets.get("x")>',
      'malformed secret expression \'<+secrets.get("x")>\': write it as <+secrets.getValue("org.db_password")>',
    ],
    [
      '<+secrets.getValue("")>',
      "secret expression '<+secrets.getValue(\"\")>': '' is not a valid reference: it is empty; use 'account.x', 'org.x' or 'x'",
    ],
    [
      '<+secrets.getValue("project.x")>',
      "secret expression '<+secrets.getValue(\"project.x\")>': 'project.x' is not a valid reference: use 'account.x', 'org.x' or 'x'",
    ],
    [
      '<+pipeline.variables.x>',
      'unsupported expression \'<+pipeline.variables.x>\': only <+secrets.getValue("org.db_password")> is evaluated',
    ],
  ])('reports %j', (text, message) => {
    expect(messagesOf(text)).toEqual([message]);
  });

  it('reports each problem and keeps finding good expressions after it', () => {
    const text = '<+secrets.getValue(a)> <+secrets.getValue("org.ok")> <+secrets.getValue("unterminated';
    const { expressions, errors } = parseSecretExpressions(text);
    expect(expressions.map((e) => e.ref)).toEqual(['org.ok']);
    expect(errors.map((e) => e.column)).toEqual([1, 54]);
  });

  it('leaves `<+` that does not start a name alone', () => {
    expect(parseSecretExpressions('test $a <+ $b && echo "<+>" && echo <+1')).toEqual({ expressions: [], errors: [] });
  });
});

describe('renderSecretExpressions', () => {
  const values: Record<string, string> = { 'org.db_password': 's3cr$&t', 'account.token': 'tok' };
  const resolve = (ref: ScopedRef) => values[ref.ref] ?? 'missing';

  it('substitutes every expression and leaves the rest of the text as it is', () => {
    expect(
      renderSecretExpressions(
        'postgres://app:<+secrets.getValue("org.db_password")>@db/<+secrets.getValue(\'account.token\')>?x=<+ y',
        resolve,
      ),
    ).toBe('postgres://app:s3cr$&t@db/tok?x=<+ y');
  });

  it('passes the parsed reference to the resolver', () => {
    const seen: ScopedRef[] = [];
    renderSecretExpressions('<+secrets.getValue("org.a")><+secrets.getValue("b")>', (ref) => {
      seen.push(ref);
      return '';
    });
    expect(seen).toEqual([
      { ref: 'org.a', scope: 'org', identifier: 'a' },
      { ref: 'b', scope: 'project', identifier: 'b' },
    ]);
  });

  it('refuses text with a malformed expression, naming its position but no value', () => {
    const render = () => renderSecretExpressions('ok\n  <+secrets.getValue(db)>', resolve);
    expect(render).toThrow(SecretExpressionError);
    expect(render).toThrow(/^line 2, column 3: malformed secret expression/);
  });
});

describe('bindSecretExpressionsToEnv', () => {
  it('replaces each expression with a variable and says which secret each variable holds', () => {
    const command =
      'login -u <+secrets.getValue("org.user")> -p "<+secrets.getValue(\'org.pass\')>"\necho <+secrets.getValue("org.user")>x';
    expect(bindSecretExpressionsToEnv(command)).toEqual({
      text: 'login -u ${CONDUIT_SECRET_1} -p "${CONDUIT_SECRET_2}"\necho ${CONDUIT_SECRET_1}x',
      bindings: [
        { name: 'CONDUIT_SECRET_1', ref: { ref: 'org.user', scope: 'org', identifier: 'user' } },
        { name: 'CONDUIT_SECRET_2', ref: { ref: 'org.pass', scope: 'org', identifier: 'pass' } },
      ],
    });
  });

  it('continues numbering from earlier bindings and reuses their variables', () => {
    const first = bindSecretExpressionsToEnv('<+secrets.getValue("a")>');
    const second = bindSecretExpressionsToEnv('<+secrets.getValue("b")> <+secrets.getValue("a")>', first.bindings);
    expect(second.text).toBe('${CONDUIT_SECRET_2} ${CONDUIT_SECRET_1}');
    expect(second.bindings.map((b) => [b.name, b.ref.ref])).toEqual([
      ['CONDUIT_SECRET_1', 'a'],
      ['CONDUIT_SECRET_2', 'b'],
    ]);
  });

  it('leaves text without expressions unchanged', () => {
    expect(bindSecretExpressionsToEnv('echo $HOME')).toEqual({ text: 'echo $HOME', bindings: [] });
  });

  it('refuses text with a malformed expression', () => {
    expect(() => bindSecretExpressionsToEnv('<+secrets.getValue("x"')).toThrow(SecretExpressionError);
  });
});
