import { PIPELINE_LIMITS } from './limits';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_IN_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

// Units largest first, each at most once: '1h30m', '90s', '1m30s500ms'. `m(?!s)` keeps minutes apart from ms.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/** Parses a duration such as `10m`, `30s` or `1h30m` (blanks between parts allowed) into milliseconds. */
export function parseDuration(text: string): DurationResult {
  const compact = text.replace(/\s+/g, '');
  const match = compact === '' ? null : DURATION.exec(compact);
  if (!match) {
    return {
      ok: false,
      message: `'${text.slice(0, 40)}' is not a duration: use numbers with units d, h, m, s or ms, e.g. '30s', '10m' or '1h30m'`,
    };
  }
  const ms = UNITS_IN_ORDER.reduce((total, unit, i) => total + Number(match[i + 1] ?? 0) * UNIT_MS[unit], 0);
  return { ok: true, ms };
}

/** Parses a duration and checks it against the timeout bounds. */
export function parseTimeout(text: string): DurationResult {
  const parsed = parseDuration(text);
  if (!parsed.ok) return parsed;
  if (parsed.ms < PIPELINE_LIMITS.minTimeoutMs) {
    return {
      ok: false,
      message: `timeout '${text}' is shorter than the minimum of ${formatDuration(PIPELINE_LIMITS.minTimeoutMs)}`,
    };
  }
  if (parsed.ms > PIPELINE_LIMITS.maxTimeoutMs) {
    return {
      ok: false,
      message: `timeout '${text}' is longer than the maximum of ${formatDuration(PIPELINE_LIMITS.maxTimeoutMs)}`,
    };
  }
  return parsed;
}

/** Formats milliseconds as the shortest duration text that parses back to the same value: 5400000 → '1h30m'. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`${ms} is not a whole, non-negative number of milliseconds`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of UNITS_IN_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return text;
}
