import { Injectable } from '@nestjs/common';
import { bindSecretExpressionsToEnv, collectSecretRefs, effectiveEnv, effectiveSelectors, parseSecretExpressions, Pipeline, renderSecretExpressions, SecretEnvBinding, Stage } from '@conduit/pipeline';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { describeScope, refFrom, Scope } from '../scopes/scope';
import { ScopesService } from '../scopes/scopes.service';
import { SecretsService } from '../secrets/secrets.service';

const SOURCE_CODE_TYPES = new Set(['Git', 'Github', 'Gitlab', 'Bitbucket', 'AzureRepo']);
const CLUSTER_TYPES = new Set(['K8sCluster']);

interface ResolvedConnector {
  id: string;
  ref: string;
  type: string;
  /** The spec with its secret references rewritten as seen from the pipeline's scope. */
  spec: Record<string, unknown>;
  secretRefs: string[];
  delegateSelectors: string[];
}

/** One stage, ready to become a task. */
export interface StagePlan {
  kind: 'pipeline.ci' | 'pipeline.deploy';
  payload: Record<string, unknown>;
  secrets: string[];
  selectors: string[];
  timeoutMs: number;
  target: Record<string, unknown>;
}

interface Problem {
  path: string;
  message: string;
}

/**
 * Before anything runs: every connector and secret reference of the pipeline is resolved by the scope
 * rules and checked (exists, right kind of connector); all problems are reported at once with their
 * YAML paths. What comes out is one task plan per stage.
 */
@Injectable()
export class ExecutionPlanner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopesService,
    private readonly secrets: SecretsService,
  ) {}

  async plan(scope: Scope, pipeline: Pipeline): Promise<StagePlan[]> {
    const problems: Problem[] = [];
    const connectors = new Map<string, ResolvedConnector>();
    for (const [i, stage] of pipeline.stages.entries()) {
      const ref = stage.type === 'ci' ? stage.spec.codebase?.connector : stage.spec.connector;
      const path = stage.type === 'ci' ? `stages[${i}].spec.codebase.connector` : `stages[${i}].spec.connector`;
      if (!ref) continue;
      const resolved = await this.connector(scope, ref, path, problems);
      if (!resolved) continue;
      const allowed = stage.type === 'ci' ? SOURCE_CODE_TYPES : CLUSTER_TYPES;
      if (!allowed.has(resolved.type)) {
        problems.push({ path, message: `${path}: '${ref}' is a ${resolved.type} connector; a ${stage.type} stage needs ${[...allowed].join(', ')}` });
        continue;
      }
      connectors.set(path, resolved);
      if (stage.type === 'ci') {
        const stageSelectors = effectiveSelectors({ stage: stage.delegateSelectors, pipeline: pipeline.delegateSelectors, connector: resolved.delegateSelectors }).selectors;
        stage.spec.steps.forEach((step, j) => {
          if (step.delegateSelectors.length && step.delegateSelectors.join() !== stageSelectors.join()) {
            problems.push({
              path: `stages[${i}].spec.steps[${j}].delegateSelectors`,
              message: `stages[${i}].spec.steps[${j}].delegateSelectors: the steps of a ci stage share one workspace on one delegate; put the selectors on the stage`,
            });
          }
        });
      }
    }
    const secretUses = collectSecretRefs(pipeline);
    const missing = await this.secrets.missing(scope, secretUses.map((u) => ({ path: u.path, ref: u.ref })));
    problems.push(...missing.map((m) => ({ path: m.path, message: m.message })));
    if (problems.length) throw ApiError.badRequest(problems[0]?.message ?? 'pipeline cannot run', problems);
    return pipeline.stages.map((stage, i) => this.stagePlan(pipeline, stage, i, connectors));
  }

  private stagePlan(pipeline: Pipeline, stage: Stage, i: number, connectors: Map<string, ResolvedConnector>): StagePlan {
    if (stage.type === 'ci') {
      const codebase = stage.spec.codebase ? (connectors.get(`stages[${i}].spec.codebase.connector`) as ResolvedConnector) : undefined;
      let bindings: SecretEnvBinding[] = [];
      const steps = stage.spec.steps.map((step) => {
        const bound = bindSecretExpressionsToEnv(step.spec.command, bindings);
        bindings = bound.bindings;
        return {
          name: step.name,
          shell: step.spec.shell,
          command: bound.text,
          env: effectiveEnv({ pipeline: pipeline.env, stage: stage.env, step: step.env }),
          timeoutMs: step.timeoutMs,
          failureStrategy: step.failureStrategy,
        };
      });
      const envRefs = steps.flatMap((s) => Object.values(s.env)).join('\n');
      const secretRefs = new Set([...bindings.map((b) => b.ref.ref), ...parseSecretExpressions(envRefs).expressions.map((e) => e.ref), ...(codebase?.secretRefs ?? [])]);
      return {
        kind: 'pipeline.ci',
        payload: {
          stage: stage.name,
          ...(codebase ? { codebase: { type: codebase.type, spec: codebase.spec, repo: stage.spec.codebase?.repo } } : {}),
          steps,
          secretEnv: Object.fromEntries(bindings.map((b) => [b.name, b.ref.ref])),
        },
        secrets: [...secretRefs],
        selectors: effectiveSelectors({ stage: stage.delegateSelectors, pipeline: pipeline.delegateSelectors, connector: codebase?.delegateSelectors ?? [] }).selectors,
        timeoutMs: stage.timeoutMs,
        target: codebase ? { connector: codebase.ref, connectorId: codebase.id, repo: stage.spec.codebase?.repo } : {},
      };
    }
    const cluster = connectors.get(`stages[${i}].spec.connector`) as ResolvedConnector;
    return {
      kind: 'pipeline.deploy',
      payload: {
        stage: stage.name,
        service: stage.spec.service,
        ...(stage.spec.manifests !== undefined ? { manifests: stage.spec.manifests } : {}),
        environment: stage.spec.environment,
        cluster: { type: cluster.type, spec: cluster.spec },
      },
      secrets: cluster.secretRefs,
      selectors: effectiveSelectors({ stage: stage.delegateSelectors, pipeline: pipeline.delegateSelectors, connector: cluster.delegateSelectors }).selectors,
      timeoutMs: stage.timeoutMs,
      target: { connector: cluster.ref, connectorId: cluster.id, service: stage.spec.service, environment: stage.spec.environment.name, deployTo: stage.spec.environment.deployTo },
    };
  }

  /** Looks a connector up as the pipeline's scope sees it; its secret refs are rebased to that scope. */
  private async connector(scope: Scope, ref: string, path: string, problems: Problem[]): Promise<ResolvedConnector | undefined> {
    let target;
    try {
      target = this.scopes.targetOf(scope, ref);
    } catch (error) {
      problems.push({ path, message: `${path}: ${(error as Error).message}` });
      return undefined;
    }
    const [row] = (await this.dataSource.query(
      `SELECT id, type, spec, secret_refs, delegate_selectors FROM connectors
        WHERE account_id = $1 AND organization_id IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3 AND identifier = $4`,
      [target.scope.accountId, target.scope.organizationId, target.scope.projectId, target.identifier],
    )) as Array<{ id: string; type: string; spec: Record<string, unknown>; secret_refs: Array<{ path: string; ref: string; expression?: true }>; delegate_selectors: string[] }>;
    if (!row) {
      problems.push({ path, message: `${path}: '${ref}' not found in ${describeScope(target.scope)}` });
      return undefined;
    }
    const missing = await this.secrets.missing(target.scope, row.secret_refs);
    for (const m of missing) problems.push({ path, message: `${path}: connector '${ref}' cannot be used: ${m.message}` });
    // A connector's bare `x` means its own scope's secret; the task runs at the pipeline's scope.
    const spec = structuredClone(row.spec);
    const asSeen = (secretRef: string) => {
      const where = this.scopes.targetOf(target.scope, secretRef);
      return refFrom(scope, where.scope, where.identifier);
    };
    const rebased = row.secret_refs.map(({ path: field, ref: secretRef, expression }) => {
      if (expression) {
        // Rewrite the reference inside the text, keeping the rest of the field.
        setPath(spec, field, renderSecretExpressions(getPath(spec, field), ({ ref: r }) => `<+secrets.getValue("${asSeen(r)}")>`));
      } else {
        setPath(spec, field, asSeen(secretRef));
      }
      return asSeen(secretRef);
    });
    return { id: row.id, ref, type: row.type, spec, secretRefs: [...new Set(rebased)], delegateSelectors: row.delegate_selectors };
  }
}

const keysOf = (path: string) =>
  path
    .replace(/^spec\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((k) => k !== undefined && k !== '');

/** Sets `spec.a.b[2].c` (a path as collectSecretRefs gives it) inside a spec object. */
function setPath(spec: Record<string, unknown>, path: string, value: string): void {
  const keys = keysOf(path);
  let node: unknown = spec;
  for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown>)[key];
  (node as Record<string, unknown>)[keys[keys.length - 1] as string] = value;
}

function getPath(spec: Record<string, unknown>, path: string): string {
  let node: unknown = spec;
  for (const key of keysOf(path)) node = (node as Record<string, unknown>)[key];
  return node as string;
}
