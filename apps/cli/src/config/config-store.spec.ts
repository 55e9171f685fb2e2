import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../errors';
import { configDirectory, ConfigStore } from './config-store';

describe('ConfigStore', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), 'conduit-cli-config-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const context = { url: 'http://127.0.0.1:7420', apiKey: 'ck_secret', account: 'default' };

  it('writes the file 0600 in a 0700 directory even under a permissive umask', () => {
    const previous = process.umask(0o000);
    try {
      const store = new ConfigStore(path.join(root, 'conduit'));
      store.save({ currentContext: 'default', contexts: { default: context } });
      expect(statSync(store.directory).mode & 0o777).toBe(0o700);
      expect(statSync(store.file).mode & 0o777).toBe(0o600);
      expect(store.load()).toEqual({ currentContext: 'default', contexts: { default: context } });
    } finally {
      process.umask(previous);
    }
  });

  it('tightens a directory that already existed with looser permissions', () => {
    const directory = path.join(root, 'conduit');
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o755);
    new ConfigStore(directory).save({ contexts: { default: context } });
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });

  it('warns when the file has become readable by others', () => {
    const warnings: string[] = [];
    const store = new ConfigStore(path.join(root, 'conduit'), (l) => warnings.push(l));
    store.save({ contexts: { default: context } });
    chmodSync(store.file, 0o644);
    store.load();
    expect(warnings[0]).toContain('is readable by others (mode 644)');
  });

  it('reads a missing file as no contexts, and names the field of a broken one as a usage error', () => {
    const store = new ConfigStore(path.join(root, 'conduit'));
    expect(store.load()).toEqual({ contexts: {} });
    store.save({ contexts: { default: context } });
    writeFileSync(store.file, 'contexts:\n  default:\n    url: ftp://x\n    apiKey: k\n', { mode: 0o600 });
    expect(() => store.load()).toThrow(expect.objectContaining({ exitCode: ExitCode.Usage, message: expect.stringContaining('contexts.default.url: must be an http:// or https:// URL') }));
    expect(readFileSync(store.file, 'utf8')).toContain('ftp://x');
  });

  it('lives under $XDG_CONFIG_HOME when it is set, else ~/.config', () => {
    expect(configDirectory({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/a' }, '/ignored')).toBe('/x/cfg/conduit');
    expect(configDirectory({ HOME: '/home/a' }, '/ignored')).toBe('/home/a/.config/conduit');
    expect(configDirectory({ XDG_CONFIG_HOME: 'relative' }, '/home/b')).toBe('/home/b/.config/conduit');
  });
});
