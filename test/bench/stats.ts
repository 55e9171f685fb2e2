/** Latency statistics and the table every benchmark prints. */
export interface Sample {
  name: string;
  unit: 'ms';
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(name: string, values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { name, unit: 'ms', n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] as number) };
}

/** Times `fn` `n` times (after `warmup` untimed runs), one at a time. */
export async function measure(name: string, n: number, fn: () => Promise<unknown>, warmup = 20): Promise<Sample> {
  for (let i = 0; i < warmup; i++) await fn();
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    values.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return summarize(name, values);
}

export function printTable(title: string, samples: Sample[], floor?: Sample): void {
  const header = ['case', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', ...(floor ? ['p50 / floor'] : [])];
  const rows = samples.map((s) => [s.name, String(s.n), s.p50.toFixed(2), s.p90.toFixed(2), s.p99.toFixed(2), s.max.toFixed(2), ...(floor ? [(s.p50 / floor.p50).toFixed(2) + 'x'] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
}
