import { parsePktLines, parseRefAdvertisement, pktLine, PktLineError } from './git-protocol';
import { parseGitRemote, repositoryUrlOf } from './git-test';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const T = 'c'.repeat(40);
const caps = 'multi_ack side-band-64k symref=HEAD:refs/heads/main agent=git/2.39';

describe('pkt-line', () => {
  it('splits data, flush and delim packets and keeps an incomplete tail', () => {
    const { lines, rest } = parsePktLines(Buffer.from(`${pktLine('hello\n')}00000001${'000ahel'}`));
    expect(lines).toEqual([{ kind: 'data', payload: Buffer.from('hello\n') }, { kind: 'flush' }, { kind: 'delim' }]);
    expect(rest.toString()).toBe('000ahel');
  });

  it('rejects bytes that are not pkt-lines (an HTML page, a shell banner)', () => {
    expect(() => parsePktLines(Buffer.from('<html>'))).toThrow(PktLineError);
    expect(() => parsePktLines(Buffer.from('0003'))).toThrow('invalid pkt-line length 3');
  });
});

describe('ref advertisement', () => {
  const refs = [pktLine(`${A} HEAD\0${caps}\n`), pktLine(`${A} refs/heads/main\n`), pktLine(`${B} refs/heads/dev\n`), pktLine(`${T} refs/tags/v1.0\n`), pktLine(`${A} refs/tags/v1.0^{}\n`), '0000'].join('');

  it('parses a smart-HTTP advertisement: refs without peeled duplicates, capabilities, HEAD target', () => {
    const ad = parseRefAdvertisement(Buffer.from(`${pktLine('# service=git-upload-pack\n')}0000${refs}`), { smartHttp: true });
    expect(ad.refs.map((r) => r.name)).toEqual(['HEAD', 'refs/heads/main', 'refs/heads/dev', 'refs/tags/v1.0']);
    expect(ad).toMatchObject({ head: 'refs/heads/main', headOid: A, empty: false });
    expect(ad.capabilities).toContain('side-band-64k');
  });

  it('parses the SSH form (no service header) and an empty repository', () => {
    expect(parseRefAdvertisement(Buffer.from(refs), { smartHttp: false }).refs).toHaveLength(4);
    const empty = parseRefAdvertisement(Buffer.from(`${pktLine(`${'0'.repeat(40)} capabilities^{}\0${caps}\n`)}0000`), { smartHttp: false });
    expect(empty).toMatchObject({ refs: [], empty: true });
  });

  it('says why a body is not an advertisement: missing service line, server ERR, truncation', () => {
    expect(() => parseRefAdvertisement(Buffer.from(refs), { smartHttp: true })).toThrow("expected '# service=git-upload-pack'");
    expect(() => parseRefAdvertisement(Buffer.from(pktLine('ERR access denied\n')), { smartHttp: false })).toThrow('the server reported: access denied');
    expect(() => parseRefAdvertisement(Buffer.from(refs.slice(0, -4)), { smartHttp: false })).toThrow('ended before its closing flush');
  });
});

describe('Git remotes', () => {
  it('reads http, ssh:// and scp-like URLs', () => {
    expect(parseGitRemote('https://example.com/team/demo.git')).toEqual({ transport: 'http', url: 'https://example.com/team/demo.git' });
    expect(parseGitRemote('ssh://bob@git.example.com:2222/srv/demo.git')).toEqual({ transport: 'ssh', target: { host: 'git.example.com', port: 2222, username: 'bob' }, path: '/srv/demo.git' });
    expect(parseGitRemote('ssh://git.example.com/~bob/demo.git')).toMatchObject({ target: { port: 22, username: 'git' }, path: '~bob/demo.git' });
    expect(parseGitRemote('git@github.com:conduit/demo.git')).toEqual({ transport: 'ssh', target: { host: 'github.com', port: 22, username: 'git' }, path: 'conduit/demo.git' });
    expect(() => parseGitRemote('git://example.com/demo.git')).toThrow('git:// Git URLs cannot be tested with credentials');
  });

  it('joins an Account URL and its validation repository, for HTTP and scp-like URLs', () => {
    expect(repositoryUrlOf({ url: 'https://h/team/', connectionType: 'Account', validationRepo: 'demo.git' }, 'connectionType', ['Account'])).toBe('https://h/team/demo.git');
    expect(repositoryUrlOf({ url: 'git@h:team', connectionType: 'Account', validationRepo: 'demo.git' }, 'connectionType', ['Account'])).toBe('git@h:team/demo.git');
    expect(repositoryUrlOf({ url: 'https://h/team/demo.git', connectionType: 'Repo' }, 'connectionType', ['Account'])).toBe('https://h/team/demo.git');
    expect(() => repositoryUrlOf({ url: 'https://h/team', connectionType: 'Account' }, 'connectionType', ['Account'])).toThrow('spec.validationRepo');
  });
});
