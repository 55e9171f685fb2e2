/** The levels that may declare delegate selectors, most specific first. */
export const SELECTOR_LEVELS = ['step', 'stage', 'pipeline', 'connector'] as const;
export type SelectorLevel = (typeof SELECTOR_LEVELS)[number];

export type SelectorSources = Partial<Record<SelectorLevel, readonly string[]>>;

export interface EffectiveSelectors {
  /** Lower-cased, de-duplicated; a delegate must carry every one of them as a tag. */
  selectors: string[];
  /** Which level they came from, for messages such as "no delegate has the step's selectors [...]". */
  source: SelectorLevel | 'none';
}

/**
 * "Selectors from step > stage > pipeline > connector": the most specific level that declares selectors wins
 * outright; levels are not merged. An empty list declares nothing and falls through, so `[]` can never
 * silently widen routing to every delegate. A step that overrides a connector's selectors takes on the duty
 * of naming delegates that can reach that connector.
 */
export function effectiveSelectors(sources: SelectorSources): EffectiveSelectors {
  for (const level of SELECTOR_LEVELS) {
    const selectors = normalizeSelectors(sources[level] ?? []);
    if (selectors.length > 0) return { selectors, source: level };
  }
  return { selectors: [], source: 'none' };
}

/** Selectors match tags case-insensitively: trimmed, lower-cased, blanks dropped, duplicates removed. */
export function normalizeSelectors(selectors: readonly string[]): string[] {
  return [...new Set(selectors.map((selector) => selector.trim().toLowerCase()).filter((selector) => selector !== ''))];
}
