import { DelegateTag, TaskKind } from '@conduit/protocol';
import { z } from 'zod';
import { ScopeQuerySchema } from '../common/identifier';

/**
 * Kinds a caller may create directly: the diagnostic ones. Connection tests, pipeline stages and
 * re-sealing are created by their own endpoints, which check what they need first.
 */
const KINDS = [TaskKind.Noop, TaskKind.Sleep, TaskKind.SleepMutating, TaskKind.Echo] as const;
const SecretRefString = z.string().regex(/^((account|org)\.)?[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a secret reference: 'x', 'org.x' or 'account.x'");

/** A task requested directly through the API (operations on connectors create theirs themselves). */
export const TaskInput = z
  .object({
    kind: z.enum(KINDS),
    payload: z.record(z.string(), z.unknown()).default({}),
    selectors: z.array(DelegateTag).max(32).default([]),
    secrets: z.array(SecretRefString).max(64).default([]),
    timeoutMs: z.number().int().min(100).max(86_400_000).optional(),
    /** How long the task may wait for an eligible delegate before it fails. */
    queueTimeoutMs: z.number().int().min(100).max(86_400_000).default(300_000),
  })
  .strict();
export type TaskInput = z.infer<typeof TaskInput>;

export const TaskListQuery = ScopeQuerySchema.extend({
  status: z.enum(['queued', 'offered', 'claimed', 'running', 'succeeded', 'failed', 'cancelled', 'unknown']).optional(),
  kind: z.string().max(64).optional(),
  connector: z.string().uuid().optional(),
  delegate: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(256).optional(),
});

export const TaskGetQuery = z.object({
  wait: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
  timeoutMs: z.coerce.number().int().min(1).max(120_000).default(30_000),
});

/** `POST /v1/tasks`: the scope, and optionally to answer with the finished task (like `GET …?wait=true`). */
export const TaskCreateQuery = ScopeQuerySchema.extend(TaskGetQuery.shape);
