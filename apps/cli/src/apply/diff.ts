type Edit = { op: ' ' | '-' | '+'; line: string };

/** Line edits from `before` to `after` by longest common subsequence (documents here are small). */
function edits(before: string[], after: string[]): Edit[] {
  const n = before.length;
  const m = after.length;
  // lcs[i * (m + 1) + j]: length of the longest common subsequence of before[i..] and after[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => lcs[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = before[i] === after[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ op: ' ', line: before[i] ?? '' });
      i++;
      j++;
    } else if (i < n && (j === m || at(i + 1, j) >= at(i, j + 1))) {
      out.push({ op: '-', line: before[i++] ?? '' });
    } else {
      out.push({ op: '+', line: after[j++] ?? '' });
    }
  }
  return out;
}

const toLines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/**
 * A unified diff (`--- a`, `+++ b`, `@@ -l,n +l,n @@` hunks with `context` lines around each change);
 * empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string[] {
  const all = edits(toLines(before), toLines(after));
  if (all.every((e) => e.op === ' ')) return [];
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  const changed = all.map((e, index) => (e.op === ' ' ? -1 : index)).filter((index) => index >= 0);
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] ?? 0;
    const start = Math.max(0, first - context);
    let end = Math.min(all.length, first + context + 1);
    while (k + 1 < changed.length && (changed[k + 1] ?? 0) - context <= end) end = Math.min(all.length, (changed[++k] ?? 0) + context + 1);
    k++;
    const beforeStart = all.slice(0, start).filter((e) => e.op !== '+').length;
    const afterStart = all.slice(0, start).filter((e) => e.op !== '-').length;
    const hunk = all.slice(start, end);
    const beforeCount = hunk.filter((e) => e.op !== '+').length;
    const afterCount = hunk.filter((e) => e.op !== '-').length;
    out.push(`@@ -${beforeCount ? beforeStart + 1 : beforeStart},${beforeCount} +${afterCount ? afterStart + 1 : afterStart},${afterCount} @@`);
    out.push(...hunk.map((e) => `${e.op}${e.line}`));
  }
  return out;
}
