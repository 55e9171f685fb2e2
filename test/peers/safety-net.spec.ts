// A process that ends without stopping its peers leaves no server running and no temp dir behind:
// on a normal exit through the 'exit' handler, on SIGKILL (and under jest) through the watchdog.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitUntil } from './support';

const ROOT = path.resolve(__dirname, '../..');

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Starts sshd and nginx in a separate Node process that then ends the way `ending` says, without stop(). */
async function abandonPeers(scratch: string, ending: 'process.exit(0)' | "process.kill(process.pid, 'SIGKILL')") {
  const script = `
    const { startSshd } = require('./test/peers/sshd');
    const { startNginxMtls } = require('./test/peers/nginx-mtls');
    Promise.all([startSshd(), startNginxMtls()]).then(([ssh, nginx]) => {
      const dirs = require('fs').readdirSync(process.env.TMPDIR).filter((d) => d.startsWith('conduit-peer-'));
      process.stdout.write(JSON.stringify({ ports: [ssh.port, nginx.port], dirs }), () => ${ending});
    });`;
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', '-e', script],
      { cwd: ROOT, env: { ...process.env, TMPDIR: scratch, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } },
      (error, stdout, stderr) => (stdout ? resolve(stdout) : reject(new Error(`${error?.message}\n${stderr}`))),
    ),
  );
  return JSON.parse(output) as { ports: number[]; dirs: string[] };
}

describe('safety net', () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(path.join(tmpdir(), 'conduit-safety-net-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  const leftovers = () => readdirSync(scratch).filter((d) => d.startsWith('conduit-peer-'));

  it.each([['process.exit(0)'], ["process.kill(process.pid, 'SIGKILL')"]] as const)(
    'stops the peers and removes their temp dirs after %s',
    async (ending) => {
      const { ports, dirs } = await abandonPeers(scratch, ending);
      expect(dirs).toHaveLength(2); // they existed while the process ran
      await waitUntil(async () => (await Promise.all(ports.map(refused))).every(Boolean), 'the ports to close', {
        timeoutMs: 5000,
      });
      await waitUntil(async () => leftovers().length === 0, 'the temp dirs to go', { timeoutMs: 5000 });
    },
  );
});
