import { z } from 'zod';

/** A delegate tag or selector: case-insensitive, so it is normalized to lower case on the wire. */
export const DelegateTag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'tags are letters, digits and _ . : / -')
  .transform((tag) => tag.toLowerCase());

export const DelegateName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'names are letters, digits and _ . -');

/** delegate → control plane, first frame on a new socket. */
export const HelloFrame = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int().positive(),
  name: DelegateName,
  group: DelegateName,
  tags: z.array(DelegateTag).max(64).default([]),
  version: z.string().min(1).max(64),
  capacity: z.number().int().min(1).max(10_000),
  publicKey: z.string().max(512).optional(),
  taskKinds: z.array(z.string().min(1).max(64)).max(256).default([]),
});

/** control plane → delegate, answer to hello: who the delegate is and how often to report. */
export const WelcomeFrame = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().int().positive(),
  delegateId: z.string().uuid(),
  heartbeatIntervalMs: z.number().int().positive(),
  replicaId: z.string().min(1),
});

/** delegate → control plane, every heartbeatIntervalMs. */
export const HeartbeatFrame = z.object({
  type: z.literal('heartbeat'),
  sentAt: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
});

/** control plane → delegate: finish running work, take no new work, then disconnect. */
export const DrainFrame = z.object({
  type: z.literal('drain'),
  reason: z.string().max(512),
  graceMs: z.number().int().nonnegative(),
});

/** Either side: the other side sent something it could not accept. Never closes the socket by itself. */
export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: z.string().min(1).max(64),
  message: z.string().max(2048),
  /** The field path or frame type at fault, where there is one. */
  ref: z.string().max(256).optional(),
});

export const DelegateFrame = z.discriminatedUnion('type', [HelloFrame, HeartbeatFrame, ErrorFrame]);
export const ControlPlaneFrame = z.discriminatedUnion('type', [WelcomeFrame, DrainFrame, ErrorFrame]);

export type HelloFrame = z.infer<typeof HelloFrame>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;
export type DrainFrame = z.infer<typeof DrainFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type DelegateFrame = z.infer<typeof DelegateFrame>;
export type ControlPlaneFrame = z.infer<typeof ControlPlaneFrame>;
