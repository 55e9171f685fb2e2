import fc from 'fast-check';
import { ControlPlaneFrame, DelegateFrame } from './frames';
import { decodeFrame, encodeFrame } from './codec';

/** Runs per property: a few thousand in CI, many more with FUZZ_RUNS (npm run fuzz). */
const runs = Number(process.env['FUZZ_RUNS'] ?? 2000);

describe('decodeFrame under hostile input (property-based)', () => {
  it('never throws, and every rejection is an error frame with a code and a message', () => {
    const input = fc.oneof(
      fc.string(),
      fc.json(),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.record({ type: fc.constantFrom('hello', 'heartbeat', 'claim', 'renew', 'progress', 'log', 'result', 'error', 'welcome', 'lease'), junk: fc.anything() }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(input, (data) => {
        for (const schema of [DelegateFrame, ControlPlaneFrame]) {
          const decoded = decodeFrame(schema, data);
          if (!decoded.ok) {
            expect(decoded.error.type).toBe('error');
            expect(decoded.error.code).toMatch(/^FRAME_/);
            expect(decoded.error.message.length).toBeGreaterThan(0);
            expect(decoded.error.message.length).toBeLessThanOrEqual(2048);
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('accepts what it encodes (valid heartbeats and renewals round-trip)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.uuid(), (sentAt, running, id) => {
        expect(decodeFrame(DelegateFrame, encodeFrame({ type: 'heartbeat', sentAt, running }))).toEqual({ ok: true, frame: { type: 'heartbeat', sentAt, running } });
        expect(decodeFrame(DelegateFrame, encodeFrame({ type: 'renew', taskId: id, leaseId: id })).ok).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
