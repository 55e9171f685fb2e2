import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { Identifier, ScopeQuerySchema } from '../common/identifier';
import { ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { ExecutionEntity } from './execution.entity';
import { ExecutionsService } from './executions.service';
import { PipelinesService } from './pipelines.service';

const LogsQuery = ScopeQuerySchema.extend({
  follow: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
});

const view = (e: ExecutionEntity) => ({
  id: e.id,
  pipeline: e.pipelineIdentifier,
  pipelineVersion: e.pipelineVersion,
  status: e.status,
  currentStage: e.currentStage,
  stages: e.stages.map(({ name, type, status, attempts, taskIds, startedAt, finishedAt, steps, error, target }) => ({ name, type, status, attempts, taskIds, startedAt, finishedAt, steps, error, target })),
  error: e.error,
  createdBy: e.createdBy,
  startedAt: e.startedAt,
  finishedAt: e.finishedAt,
});

type Event = Awaited<ReturnType<ExecutionsService['eventsOf']>>[number];
const line = (stageName: string, e: Event) =>
  e.type === 'log' ? `[${stageName}] ${(e.data ?? '').replace(/\n$/, '')}` : `[${stageName}] ${e.stage} ${e.status}${e.data ? `: ${e.data}` : ''}`;

/** Log chunks joined back into lines (a chunk may end mid-line), each prefixed with its pipeline stage. */
function renderLog(events: Event[], stageOf: (taskId: string) => string): string {
  const out: string[] = [];
  let pending = '';
  let pendingStage = '';
  const flush = () => {
    if (pending) out.push(`[${pendingStage}] ${pending}`);
    pending = '';
  };
  for (const e of events) {
    const stage = stageOf(e.taskId);
    if (e.type !== 'log') {
      flush();
      out.push(line(stage, e));
      continue;
    }
    if (stage !== pendingStage) flush();
    pendingStage = stage;
    const parts = (pending + (e.data ?? '')).split('\n');
    pending = parts.pop() ?? '';
    out.push(...parts.map((text) => `[${stage}] ${text}`));
  }
  flush();
  return out.length ? `${out.join('\n')}\n` : '';
}

@ApiTags('pipelines')
@ApiBearerAuth()
@Controller('v1/pipelines/:id/executions')
export class ExecutionsController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly pipelines: PipelinesService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
  ) {}

  /** Runs the pipeline: every reference is resolved and checked first, all problems reported at once. */
  @Post()
  @HttpCode(201)
  @ApiZodQuery(ScopeQuerySchema)
  async run(
    @CurrentActor() actor: Actor,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'pipeline:run', scope);
    return view(await this.executions.start(actor, scope, await this.pipelines.get(scope, id)));
  }

  @Get()
  @ApiZodQuery(ScopeQuerySchema)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(Identifier, 'param')) id: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'pipeline:view', scope);
    return { items: (await this.executions.list((await this.pipelines.get(scope, id)).id)).map(view) };
  }

  @Get(':executionId')
  @ApiZodQuery(ScopeQuerySchema)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('executionId', new ParseUUIDPipe()) executionId: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'pipeline:view', scope);
    return view(await this.executions.get(principal.accountId, executionId));
  }

  /** Masked logs (masked on the delegate); `follow=true` streams them as Server-Sent Events until the run ends. */
  @Get(':executionId/logs')
  @ApiZodQuery(LogsQuery)
  async logs(
    @CurrentPrincipal() principal: Principal,
    @Param('executionId', new ParseUUIDPipe()) executionId: string,
    @Query(new ZodValidationPipe(LogsQuery, 'query')) query: z.infer<typeof LogsQuery>,
    @Res() response: Response,
  ): Promise<void> {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'pipeline:view', scope);
    let execution = await this.executions.get(principal.accountId, executionId);
    const stageOf = (taskId: string) => execution.stages.find((s) => s.taskIds.includes(taskId))?.name ?? '?';
    if (!query.follow) {
      const events = await this.executions.eventsOf(execution, null);
      response.type('text/plain').send(renderLog(events, stageOf));
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    let closed = false;
    response.on('close', () => (closed = true));
    let cursor: { stage: number; attempt: number; seq: number } | null = null;
    while (!closed) {
      const events = await this.executions.eventsOf(execution, cursor);
      const taskIds = execution.stages.flatMap((s) => s.taskIds);
      for (const e of events) {
        response.write(`event: ${e.type}\ndata: ${JSON.stringify({ ...e, pipelineStage: stageOf(e.taskId), line: line(stageOf(e.taskId), e) })}\n\n`);
        cursor = { stage: taskIds.indexOf(e.taskId) + 1, attempt: e.attempt, seq: e.seq };
      }
      if (execution.status !== 'running' && events.length === 0) {
        response.write(`event: end\ndata: ${JSON.stringify({ status: execution.status, error: execution.error })}\n\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
      execution = await this.executions.get(principal.accountId, executionId);
    }
    response.end();
  }

  @Post(':executionId/cancel')
  @ApiZodQuery(ScopeQuerySchema)
  async cancel(
    @CurrentActor() actor: Actor,
    @Param('executionId', new ParseUUIDPipe()) executionId: string,
    @Query(new ZodValidationPipe(ScopeQuerySchema, 'query')) query: z.infer<typeof ScopeQuerySchema>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'pipeline:run', scope);
    return view(await this.executions.cancel(actor, await this.executions.get(actor.principal.accountId, executionId)));
  }
}
