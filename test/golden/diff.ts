/**
 * A line diff for golden-file failures: the longest common subsequence of the two texts'
 * lines, shown as hunks with `context` unchanged lines around each change, `-` for lines
 * only in the expected (golden) text and `+` for lines only in the actual one.
 */
export function lineDiff(expected: string, actual: string, context = 3): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: LCS length of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  type Op = { kind: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', text: a[i], ai: i++, bi: j++ });
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ kind: '-', text: a[i], ai: i++, bi: j });
    else ops.push({ kind: '+', text: b[j], ai: i, bi: j++ });
  }
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const hunks: string[] = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let end = Math.min(ops.length, changed[k] + context + 1);
    while (k + 1 < changed.length && changed[k + 1] - context <= end) {
      k++;
      end = Math.min(ops.length, changed[k] + context + 1);
    }
    k++;
    const first = ops[start];
    const lines = ops.slice(start, end).map((o) => `${o.kind}${o.text}`);
    hunks.push(`@@ golden line ${first.ai + 1}, generated line ${first.bi + 1} @@\n${lines.join('\n')}`);
  }
  return hunks.join('\n');
}
