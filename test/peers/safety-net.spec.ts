// A process that exits without stopping its peers still leaves no server running and no temp dir behind.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

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

describe('safety net', () => {
  it('kills the peers and removes their temp dirs when the test process exits without stop()', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'conduit-safety-net-'));
    try {
      const script = `
        const { startSshd } = require('./test/peers/sshd');
        const { startNginxMtls } = require('./test/peers/nginx-mtls');
        Promise.all([startSshd(), startNginxMtls()]).then(([ssh, nginx]) => {
          process.stdout.write(JSON.stringify({ ports: [ssh.port, nginx.port], dirs: require('fs').readdirSync(process.env.TMPDIR) }));
          process.exit(0); // no stop(): the 'exit' handler has to clean up
        });`;
      const output = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['-r', '@swc-node/register', '-e', script],
          { cwd: ROOT, env: { ...process.env, TMPDIR: scratch, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      const { ports, dirs } = JSON.parse(output) as { ports: number[]; dirs: string[] };
      expect(dirs.filter((d) => d.startsWith('conduit-peer-'))).toHaveLength(2); // they existed while running
      for (const port of ports) expect(await refused(port)).toBe(true);
      expect(readdirSync(scratch).filter((d) => d.startsWith('conduit-peer-'))).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
