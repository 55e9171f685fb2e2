import { z } from 'zod';
import { ErrorFrame } from './frames';
import { MAX_FRAME_BYTES } from './version';

export type Decoded<T> = { ok: true; frame: T } | { ok: false; error: ErrorFrame };

/** Error codes carried by error frames. */
export const FrameErrorCode = {
  TooLarge: 'FRAME_TOO_LARGE',
  NotJson: 'FRAME_NOT_JSON',
  Invalid: 'FRAME_INVALID',
  UnknownType: 'FRAME_UNKNOWN_TYPE',
  Unexpected: 'FRAME_UNEXPECTED',
} as const;

type RawData = string | Buffer | ArrayBuffer | Buffer[];

function toText(data: RawData): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function byteLength(data: RawData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/**
 * Decodes one WebSocket message against a frame schema. Never throws: every rejection is an error frame
 * that names what was wrong, ready to send back.
 */
export function decodeFrame<S extends z.ZodType<{ type: string }>>(schema: S, data: RawData): Decoded<z.infer<S>> {
  const size = byteLength(data);
  if (size > MAX_FRAME_BYTES) {
    return fail(FrameErrorCode.TooLarge, `frame of ${size} bytes exceeds the limit of ${MAX_FRAME_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(toText(data));
  } catch {
    return fail(FrameErrorCode.NotJson, 'frame is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  const issue = parsed.error.issues[0];
  if (issue && issue.path.length === 1 && issue.path[0] === 'type') {
    const shown = typeof type === 'string' ? `'${type.slice(0, 64)}'` : 'missing';
    return fail(FrameErrorCode.UnknownType, `frame type ${shown} is not known`, 'type');
  }
  const path = issue ? issue.path.join('.') : '';
  return fail(
    FrameErrorCode.Invalid,
    `${typeof type === 'string' ? type.slice(0, 64) : 'frame'}: ${path || '(root)'}: ${issue?.message ?? 'invalid'}`,
    path || undefined,
  );
}

function fail(code: string, message: string, ref?: string): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: 'error', code, message, ...(ref ? { ref } : {}) } };
}

export function encodeFrame<F extends { type: string }>(frame: F): string {
  return JSON.stringify(frame);
}
