import { EnvVars } from './model';

/**
 * The environment a step runs with: pipeline, then stage, then step variables, the more specific level
 * overriding the same name. Unlike selectors, env merges name by name: each level adds what it knows.
 */
export function effectiveEnv(levels: { pipeline?: EnvVars; stage?: EnvVars; step?: EnvVars }): EnvVars {
  return Object.fromEntries([
    ...Object.entries(levels.pipeline ?? {}),
    ...Object.entries(levels.stage ?? {}),
    ...Object.entries(levels.step ?? {}),
  ]);
}
