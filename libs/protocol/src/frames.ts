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

const TaskId = z.string().uuid();
const LeaseId = z.string().uuid();

/** The lifecycle stages every connection operation reports (the connectors overview's names). */
export const TaskStage = z.enum(['resolution', 'validation', 'authentication', 'connection', 'operation', 'monitoring']);

const TaskSecretFields = {
  /** How the task refers to it (`account.db_password`). */
  ref: z.string().min(1).max(300),
  /** The envelope's sealing context: the secret's address and version (see @conduit/crypto). */
  secretId: z.string().min(1).max(600),
  version: z.number().int().positive(),
  kind: z.enum(['text', 'file', 'ssh-key', 'certificate', 'reference']),
  sealed: z.record(z.string(), z.unknown()).optional(),
};

/**
 * A secret a task needs, as the delegate receives it: an envelope only it can open, or an external reference
 * with the manager connector that resolves it on the delegate (its type, spec and own secrets, sealed;
 * credentials the spec says to inherit from the delegate are not sent). A manager's secrets are never
 * references themselves: no chains.
 */
export const TaskSecret = z.object({
  ...TaskSecretFields,
  reference: z.object({ manager: z.string(), path: z.string(), key: z.string().optional(), version: z.string().optional() }).optional(),
  manager: z
    .object({
      type: z.string().min(1).max(64),
      spec: z.record(z.string(), z.unknown()),
      secrets: z.array(z.object({ ...TaskSecretFields, kind: z.enum(['text', 'file', 'ssh-key', 'certificate']), sealed: TaskSecretFields.sealed.unwrap() })).max(16).default([]),
    })
    .optional(),
});

/** control plane → delegate: here is work you may claim. Nothing runs until the claim is answered with a lease. */
export const TaskOfferFrame = z.object({
  type: z.literal('task_offer'),
  taskId: TaskId,
  kind: z.string().min(1).max(64),
  attempt: z.number().int().positive(),
  /** A mutating task is never re-run after a lost lease; a read-only one may be. */
  mutating: z.boolean(),
  timeoutMs: z.number().int().positive(),
  payload: z.record(z.string(), z.unknown()),
  secrets: z.array(TaskSecret).max(64).default([]),
});

/** delegate → control plane: I take this task (attempt N). */
export const ClaimFrame = z.object({ type: z.literal('claim'), taskId: TaskId, attempt: z.number().int().positive() });

/**
 * control plane → delegate: the answer to a claim or renewal. `granted` with a fencing token (leaseId) and
 * an expiry; every later frame for the task carries the leaseId. Not granted: stop, someone else has it.
 */
export const LeaseFrame = z.object({
  type: z.literal('lease'),
  taskId: TaskId,
  granted: z.boolean(),
  leaseId: LeaseId.optional(),
  expiresAt: z.number().int().optional(),
  renewEveryMs: z.number().int().positive().optional(),
  reason: z.string().max(512).optional(),
});

/** delegate → control plane: keep my lease (sent on its own timer, about a third of the lease). */
export const RenewFrame = z.object({ type: z.literal('renew'), taskId: TaskId, leaseId: LeaseId });

/** delegate → control plane: a lifecycle stage started or ended. */
export const ProgressFrame = z.object({
  type: z.literal('progress'),
  taskId: TaskId,
  leaseId: LeaseId,
  seq: z.number().int().nonnegative(),
  stage: TaskStage,
  status: z.enum(['started', 'succeeded', 'failed', 'skipped']),
  durationMs: z.number().int().nonnegative().optional(),
  message: z.string().max(4096).optional(),
});

/** delegate → control plane: output, already masked on the delegate. */
export const LogFrame = z.object({
  type: z.literal('log'),
  taskId: TaskId,
  leaseId: LeaseId,
  seq: z.number().int().nonnegative(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  data: z.string().max(64 * 1024),
});

export const TaskError = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(4096),
  hint: z.string().max(1024).optional(),
  stage: TaskStage.optional(),
});

/** delegate → control plane: the outcome. The first accepted result for a task wins. */
export const ResultFrame = z.object({
  type: z.literal('result'),
  taskId: TaskId,
  leaseId: LeaseId,
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  output: z.record(z.string(), z.unknown()).optional(),
  error: TaskError.optional(),
  stages: z
    .array(z.object({ stage: TaskStage, status: z.enum(['succeeded', 'failed', 'skipped']), durationMs: z.number().int().nonnegative(), message: z.string().max(4096).optional() }))
    .max(16)
    .default([]),
  startedAt: z.number().int(),
  finishedAt: z.number().int(),
});

/** control plane → delegate: whether a result was recorded (so the delegate may forget it) or refused. */
export const ResultAckFrame = z.object({ type: z.literal('result_ack'), taskId: TaskId, accepted: z.boolean(), reason: z.string().max(512).optional() });

/** control plane → delegate: stop this task now (user cancel, deadline, lost lease). */
export const CancelFrame = z.object({ type: z.literal('cancel'), taskId: TaskId, reason: z.string().max(512) });

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

export const DelegateFrame = z.discriminatedUnion('type', [HelloFrame, HeartbeatFrame, ClaimFrame, RenewFrame, ProgressFrame, LogFrame, ResultFrame, ErrorFrame]);
export const ControlPlaneFrame = z.discriminatedUnion('type', [WelcomeFrame, TaskOfferFrame, LeaseFrame, ResultAckFrame, CancelFrame, DrainFrame, ErrorFrame]);

export type HelloFrame = z.infer<typeof HelloFrame>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;
export type DrainFrame = z.infer<typeof DrainFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type TaskStage = z.infer<typeof TaskStage>;
export type TaskSecret = z.infer<typeof TaskSecret>;
export type TaskOfferFrame = z.infer<typeof TaskOfferFrame>;
export type ClaimFrame = z.infer<typeof ClaimFrame>;
export type LeaseFrame = z.infer<typeof LeaseFrame>;
export type RenewFrame = z.infer<typeof RenewFrame>;
export type ProgressFrame = z.infer<typeof ProgressFrame>;
export type LogFrame = z.infer<typeof LogFrame>;
export type TaskError = z.infer<typeof TaskError>;
export type ResultFrame = z.infer<typeof ResultFrame>;
export type ResultAckFrame = z.infer<typeof ResultAckFrame>;
export type CancelFrame = z.infer<typeof CancelFrame>;
export type DelegateFrame = z.infer<typeof DelegateFrame>;
export type ControlPlaneFrame = z.infer<typeof ControlPlaneFrame>;
