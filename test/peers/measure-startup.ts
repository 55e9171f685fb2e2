// Start-up time of each real peer, median of N runs (default 3), from start call to ready.
// Run: node -r @swc-node/register test/peers/measure-startup.ts [runs]
import { startGitHttp } from './git-http';
import { startNginxMtls } from './nginx-mtls';
import { startPrometheus } from './prometheus';
import { startRegistry } from './registry';
import { startSshd } from './sshd';

const PEERS: Record<string, () => Promise<{ stop(): Promise<void> }>> = {
  sshd: startSshd,
  'git smart HTTP': startGitHttp,
  'docker registry': startRegistry,
  prometheus: () => startPrometheus(),
  'prometheus (basic auth)': () => startPrometheus({ basicAuth: true }),
  "prometheus (waitFor 'ready')": () => startPrometheus({ waitFor: 'ready' }),
  'nginx mTLS': startNginxMtls,
};

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  for (const [name, start] of Object.entries(PEERS)) {
    const times: number[] = [];
    let stopMs = 0;
    for (let i = 0; i < runs; i++) {
      const begin = performance.now();
      const peer = await start();
      times.push(performance.now() - begin);
      const stopBegin = performance.now();
      await peer.stop();
      stopMs = Math.max(stopMs, performance.now() - stopBegin);
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(
      `${name.padEnd(24)} median ${median.toFixed(0).padStart(5)} ms   runs ${times.map((t) => t.toFixed(0)).join(', ')} ms   slowest stop ${stopMs.toFixed(0)} ms`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
