/**
 * A ModelSpec described for people and machines: what `lmer2jags parse` prints.
 */
import type { ModelSpec } from './spec.js';

/** The `parse --json` contract. */
export interface SpecSummary {
  readonly response: string;
  readonly nobs: number;
  readonly fixef: readonly string[];
  readonly random: readonly {
    readonly group: string;
    readonly terms: readonly string[];
    readonly levels: number;
    readonly correlated: boolean;
  }[];
  readonly dropped: { readonly rows: number; readonly columns: readonly string[] };
}

export function summarizeSpec(spec: ModelSpec): SpecSummary {
  return {
    response: spec.response.name,
    nobs: spec.nobs,
    fixef: spec.fixed.columns.map((c) => c.name),
    random: spec.random.map((t) => ({
      group: t.group,
      terms: t.columns.map((c) => c.name),
      levels: t.levels.length,
      correlated: t.columns.length > 1,
    })),
    dropped: { rows: spec.rows.dropped, columns: spec.fixed.dropped },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatSpec(spec: ModelSpec, dataLabel: string): string {
  const lines: string[] = [];
  lines.push(`formula    ${spec.formula}`);
  lines.push(`data       ${dataLabel} (${plural(spec.rows.total, 'row')})`);
  lines.push(`response   ${spec.response.name}`);
  lines.push(
    `rows       ${spec.rows.used} used, ${spec.rows.dropped} dropped${spec.rows.dropped > 0 ? ' (missing values in variables the formula uses)' : ''}`,
  );
  if (spec.offset) lines.push('offset     yes');
  if (spec.weights) lines.push('weights    yes');
  lines.push('');
  lines.push(`fixed effects: ${plural(spec.fixed.columns.length, 'column')}`);
  for (const c of spec.fixed.columns) lines.push(`  ${c.name}`);
  if (spec.fixed.dropped.length > 0) {
    lines.push(`  dropped (rank deficient): ${spec.fixed.dropped.join(', ')}`);
  }
  lines.push('');
  lines.push(`random effects: ${plural(spec.random.length, 'term')}`);
  const rows = [['group', 'levels', 'columns', 'correlated']];
  for (const t of spec.random) {
    rows.push([
      t.group,
      String(t.levels.length),
      t.columns.map((c) => c.name).join(', '),
      t.columns.length > 1 ? 'yes' : t.fromDoubleBar ? 'no (||)' : 'no',
    ]);
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  for (const r of rows) {
    lines.push('  ' + r.map((c, j) => (j === 1 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd());
  }
  for (const m of spec.messages) lines.push('', `note: ${m}`);
  return lines.join('\n');
}
