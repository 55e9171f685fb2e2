import { parseDuration } from '@conduit/pipeline';
import { z } from 'zod';
import { ConnectorRefParam } from '../connectors/connector.dto';
import { DisplayName, Identifier } from '../common/identifier';

/** `30s`, `10m`, `1h30m`: kept as written, checked here. */
const DurationText = (min: { ms: number; text: string }) =>
  z
    .string()
    .max(32)
    .superRefine((text, ctx) => {
      const parsed = parseDuration(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
      else if (parsed.ms < min.ms) ctx.addIssue({ code: 'custom', message: `must be at least ${min.text}` });
    });

export const durationMs = (text: string): number => {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.ms;
};

const DelegateName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'a delegate or delegate group name');

/** What makes a rule fire; each kind may narrow itself to some connectors, delegates or pipelines. */
export const AlertCondition = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('ConnectorStatusChange'),
      /** Only these connectors (references from the rule's scope); empty: every connector in and below it. */
      connectors: z.array(ConnectorRefParam).max(100).default([]),
      /** Only changes to these statuses; empty: any change. */
      toStatus: z.array(z.enum(['ACTIVE', 'FAILED', 'UNCONFIGURED'])).max(3).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('DelegateDisconnected'),
      /** How long a delegate must have been gone before the rule fires. */
      for: DurationText({ ms: 1000, text: '1s' }),
      /** Only delegates with these names or in these groups; empty: every delegate in and below the scope. */
      delegates: z.array(DelegateName).max(100).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('PipelineFailed'),
      /** Only these pipelines (identifiers); empty: every pipeline in and below the scope. */
      pipelines: z.array(Identifier).max(100).default([]),
    })
    .strict(),
]);
export type AlertCondition = z.infer<typeof AlertCondition>;

export const AlertRuleInput = z
  .object({
    identifier: Identifier,
    name: DisplayName,
    description: z.string().max(2048).default(''),
    enabled: z.boolean().default(true),
    condition: AlertCondition,
    /** Notification connectors (Slack, Microsoft Teams, PagerDuty, Http webhook) by reference from the rule's scope. */
    notify: z.array(ConnectorRefParam).min(1).max(10),
    /** After a notification about a subject (a connector, a delegate, a pipeline), hold back repeats this long. */
    cooldown: DurationText({ ms: 0, text: '0s' }).default('15m'),
  })
  .strict();
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;

export const AlertRuleUpdate = AlertRuleInput.extend({ version: z.number().int().positive() }).strict();
export type AlertRuleUpdate = z.infer<typeof AlertRuleUpdate>;
