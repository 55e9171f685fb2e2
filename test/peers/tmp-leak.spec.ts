import { startSshd } from './sshd';
it('leaks on purpose', async () => {
  const peer = await startSshd();
  require('fs').writeFileSync('/tmp/leak-port', String(peer.port));
});
