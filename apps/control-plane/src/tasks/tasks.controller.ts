import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AccessService } from '../auth/access.service';
import { Actor, CurrentActor } from '../auth/actor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiZodBody, ApiZodQuery } from '../common/openapi';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ScopesService } from '../scopes/scopes.service';
import { TaskCreateQuery, TaskGetQuery, TaskInput, TaskListQuery } from './task.dto';
import { TaskEntity } from './task.entity';
import { TasksService } from './tasks.service';

/** A task as the API shows it: its timings make queue wait and run time visible. */
export function taskView(t: TaskEntity) {
  return {
    id: t.id,
    kind: t.kind,
    mutating: t.mutating,
    status: t.status,
    connectorId: t.connectorId,
    selectors: t.selectors,
    attempt: t.attempt,
    runs: t.claims,
    maxAttempts: t.maxAttempts,
    delegate: t.delegateId ? { id: t.delegateId, name: t.delegateName } : null,
    replicaId: t.replicaId,
    queuedAt: t.queuedAt,
    offeredAt: t.offeredAt,
    claimedAt: t.claimedAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    deadlineAt: t.deadlineAt,
    timeoutMs: t.timeoutMs,
    output: t.output,
    error: t.error,
    stages: t.stages,
    createdBy: t.createdBy,
  };
}

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly scopes: ScopesService,
    private readonly access: AccessService,
  ) {}

  /** `?wait=true` answers once the task is terminal (or `timeoutMs` passed): create and result in one request. */
  @Post()
  @HttpCode(201)
  @ApiZodQuery(TaskCreateQuery)
  @ApiZodBody(TaskInput)
  async create(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(TaskCreateQuery, 'query')) query: z.infer<typeof TaskCreateQuery>,
    @Body(new ZodValidationPipe(TaskInput)) body: z.infer<typeof TaskInput>,
  ) {
    const scope = await this.scopes.resolve(actor.principal.accountId, query);
    this.access.require(actor.principal, 'connector:use', scope);
    const created = query.wait
      ? await this.tasks.createAndWait(actor.principal.name, scope, body, query.timeoutMs)
      : await this.tasks.create(actor.principal.name, scope, body);
    return taskView(created);
  }

  @Get()
  @ApiZodQuery(TaskListQuery)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodValidationPipe(TaskListQuery, 'query')) query: z.infer<typeof TaskListQuery>) {
    const scope = await this.scopes.resolve(principal.accountId, query);
    this.access.require(principal, 'connector:view', scope);
    const page = await this.tasks.list(principal.accountId, scope, query);
    return { items: page.items.map(taskView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiZodQuery(TaskGetQuery)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(TaskGetQuery, 'query')) query: z.infer<typeof TaskGetQuery>,
  ) {
    const authorize = async (task: TaskEntity) => this.access.require(principal, 'connector:view', await this.tasks.scopeOf(task));
    if (query.wait) return taskView(await this.tasks.waitFor(principal.accountId, id, query.timeoutMs, authorize));
    const task = await this.tasks.get(principal.accountId, id);
    await authorize(task);
    return taskView(task);
  }

  /** Progress and (masked) log events, in order. */
  @Get(':id/events')
  async events(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    const task = await this.tasks.get(principal.accountId, id);
    this.access.require(principal, 'connector:view', await this.tasks.scopeOf(task));
    return { items: await this.tasks.eventsOf(id) };
  }

  @Post(':id/cancel')
  async cancel(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string) {
    const task = await this.tasks.get(actor.principal.accountId, id);
    this.access.require(actor.principal, 'connector:use', await this.tasks.scopeOf(task));
    return taskView(await this.tasks.cancel(task, `cancelled by ${actor.principal.name}`));
  }
}
