/**
 * A verify result for people (the comparison table, in the seed post's spirit: lmer's number
 * beside the posterior's, then how each row was judged and the verdict) and for machines (one
 * JSON object with every row and the verdict).
 */
import { table } from '../cli/output.js';
import type { VerifyReport, VerifyRow } from './compare.js';
import type { VerifyResult } from './verify.js';

export function num(x: number): string {
  if (Number.isNaN(x)) return 'NA';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

/** The interval a row's statistic must lie in, as text. */
export function allowedText(r: VerifyRow): string {
  if (r.judged === false) return 'not judged';
  const b = r.bounds;
  if (!b) return `≤ ${num(r.tolerance)}`;
  if (!Number.isFinite(b[1]) && b[0] <= 0) return 'any';
  if (!Number.isFinite(b[1])) return `≥ ${num(b[0])}`;
  if (b[0] === 0 && r.statistic.kind.startsWith('max')) return `≤ ${num(b[1])}`;
  if (Math.abs(b[0] + b[1]) <= 1e-12 * Math.abs(b[1])) return `±${num(b[1])}`;
  return `${num(b[0])} – ${num(b[1])}`;
}

export function mark(r: VerifyRow): string {
  if (r.judged === false) return '·';
  return r.ok ? '✓' : '✗';
}

const VERDICT_WORDS: Record<VerifyReport['verdict'], string> = {
  agree: 'every row is within its rule',
  differ: 'some rows differ beyond tolerance',
  unconverged: 'the chains have not converged, so the conversion cannot be judged',
};

export function verdictText(report: VerifyReport): string {
  const judged = report.rows.filter((r) => r.judged !== false);
  const bad = judged.filter((r) => !r.ok).length;
  const counts = report.verdict === 'differ' ? ` (${bad} of ${judged.length} rows)` : ` (${judged.length} rows judged)`;
  return `${VERDICT_WORDS[report.verdict]}${counts}`;
}

/** The comparison table alone. */
export function formatComparisonTable(report: VerifyReport): string {
  const rows = [['quantity', 'name', 'node', 'lmer', 'posterior', 'statistic', 'allowed', '', 'rule']];
  for (const r of report.rows) {
    rows.push([
      r.quantity,
      r.name,
      r.node.replace(/\{j\}/g, 'j'),
      num(r.lmer),
      `${num(r.bayes)}`,
      `${r.statistic.kind} ${num(r.statistic.value)}`,
      allowedText(r),
      mark(r),
      r.ruleId ?? '',
    ]);
  }
  return table(rows, '');
}

/** The whole human-readable result: header, table, rules, convergence, verdict and reasons. */
export function formatVerifyResult(result: VerifyResult, options: { rules?: boolean } = {}): string {
  const { report } = result;
  const lines: string[] = [];
  const o = result.options;
  lines.push(
    `lmer (${result.method}) and its Bayesian twin for ${result.formula}: ${result.nobs} observations; ${result.engine === 'jags' ? 'JAGS' : 'bundled engine'}, ${result.chains} chains × ${result.drawsPerChain} draws (burn-in ${o.burnin}), --param ${o.param}, --cov ${o.cov}, --priors ${o.priors}`,
  );
  lines.push('');
  lines.push(formatComparisonTable(report));
  lines.push('');
  lines.push('posterior: mean for fixef, sd for se, mean of the group means for ranef, median of the group sds for ranef-sd, median for sd, corr and sigma;');
  lines.push('✓ within the rule, ✗ beyond it, · reported but not judged (see the rule)');
  if (options.rules !== false) {
    lines.push('');
    lines.push('How each row was judged:');
    for (const r of report.rows) {
      lines.push(`  ${r.quantity} ${r.name} [${r.ruleId ?? 'rule'}]: ${r.rule}`);
      if (r.detail) lines.push(`      ${r.detail}`);
    }
  }
  lines.push('');
  const c = report.convergence;
  lines.push(
    `convergence: max R-hat ${c.maxRhat.toFixed(3)}, min bulk ESS ${Math.round(c.minEssBulk)}, min tail ESS ${Math.round(c.minEssTail)}${c.ok ? '' : ` — not converged: ${c.problems.slice(0, 4).join('; ')}`}`,
  );
  lines.push(`verdict: ${report.verdict} — ${verdictText(report)}`);
  for (const r of report.reasons) lines.push(`  - ${r}`);
  return lines.join('\n');
}

const finite = (x: unknown): unknown => (typeof x === 'number' && !Number.isFinite(x) ? null : x);

/** The `verify --json` object: every row, the verdict, the reasons and the run's settings. */
export function verifyResultToJson(result: VerifyResult): Record<string, unknown> {
  const clean = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => finite(x)));
  return {
    formula: result.formula,
    nobs: result.nobs,
    method: result.method,
    engine: result.engine,
    verdict: result.report.verdict,
    reasons: result.report.reasons,
    convergence: clean(result.report.convergence),
    rows: clean(result.report.rows),
    options: result.options,
    chains: result.chains,
    drawsPerChain: result.drawsPerChain,
    out: result.out,
    warnings: result.warnings,
    seconds: result.seconds,
  };
}
