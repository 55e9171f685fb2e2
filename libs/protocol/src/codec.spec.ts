import { DelegateFrame, ControlPlaneFrame } from './frames';
import { decodeFrame, encodeFrame, FrameErrorCode } from './codec';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from './version';

const hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  name: 'dlg-1',
  group: 'default',
  tags: ['K8s-Prod', 'linux'],
  version: '0.1.0',
  capacity: 4,
};

describe('decodeFrame', () => {
  it('accepts a hello and lower-cases its tags', () => {
    const decoded = decodeFrame(DelegateFrame, encodeFrame(hello));
    expect(decoded).toEqual({ ok: true, frame: { ...hello, tags: ['k8s-prod', 'linux'], taskKinds: [] } });
  });

  it('names the field at fault', () => {
    const decoded = decodeFrame(DelegateFrame, JSON.stringify({ ...hello, capacity: 0 }));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe(FrameErrorCode.Invalid);
      expect(decoded.error.ref).toBe('capacity');
      expect(decoded.error.message).toContain('hello: capacity');
    }
  });

  it('answers an unknown frame type with an error frame', () => {
    const decoded = decodeFrame(DelegateFrame, '{"type":"launch-missiles"}');
    expect(decoded).toMatchObject({ ok: false, error: { code: FrameErrorCode.UnknownType, ref: 'type' } });
  });

  it('rejects frames that are not JSON or too large', () => {
    expect(decodeFrame(ControlPlaneFrame, Buffer.from('{oops'))).toMatchObject({
      ok: false,
      error: { code: FrameErrorCode.NotJson },
    });
    const huge = JSON.stringify({ type: 'heartbeat', pad: 'x'.repeat(MAX_FRAME_BYTES) });
    expect(decodeFrame(DelegateFrame, huge)).toMatchObject({ ok: false, error: { code: FrameErrorCode.TooLarge } });
  });

  it('does not let a delegate send a control-plane frame', () => {
    const welcome = { type: 'welcome', protocolVersion: 1, delegateId: crypto.randomUUID(), heartbeatIntervalMs: 1, replicaId: 'r' };
    expect(decodeFrame(DelegateFrame, JSON.stringify(welcome)).ok).toBe(false);
    expect(decodeFrame(ControlPlaneFrame, JSON.stringify(welcome)).ok).toBe(true);
  });
});
