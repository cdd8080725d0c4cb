/**
 * Test helpers for lmer: read the CSV data sets (fixtures/data, or an export made with Rscript
 * into a temp directory when the fixtures are not there), and build ModelSpecs by hand for
 * simple models (numeric and intercept columns, factor dummies, random terms on one factor or
 * an interaction of factors, lme4's term order), until the model builder exists.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { Column, DataTable, FactorColumn } from '../../src/data/table.js';
import { factorFromNumbers, factorFromStrings, makeTable } from '../../src/data/table.js';
import type { MatrixColumn, ModelSpec, RandomTerm } from '../../src/model/spec.js';

/** The repository root (tests run from dist/test/lmer). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const fixturesDir = join(repoRoot, 'fixtures');

const R_DATASETS = ['sleepstudy', 'Dyestuff', 'Dyestuff2', 'Penicillin', 'Pastes', 'InstEval', 'cake', 'cbpp'];

/**
 * Path of a data set's CSV: fixtures/data/<name>.csv, or an Rscript export of lme4's data set
 * (cached in the temp directory). Null when neither is available.
 */
export function dataPath(name: string): string | null {
  const inFixtures = join(fixturesDir, 'data', `${name}.csv`);
  if (existsSync(inFixtures)) return inFixtures;
  if (!R_DATASETS.includes(name)) return null;
  const dir = join(tmpdir(), 'lmer2jags-lmer-test-data');
  const file = join(dir, `${name}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    'Rscript',
    ['-e', `suppressMessages(library(lme4)); write.csv(${name}, ${JSON.stringify(file)}, row.names = FALSE)`],
    { encoding: 'utf8' },
  );
  return r.status === 0 && existsSync(file) ? file : null;
}

/** Minimal CSV reader for write.csv output: numeric columns, NA, quoted strings → factors. */
export function readCsv(path: string): DataTable {
  const text = readFileSync(path, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');
  const lines = text.split('\n');
  const parse = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    let wasQuoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') {
        quoted = true;
        wasQuoted = true;
      } else if (ch === ',') {
        out.push(wasQuoted ? `\u0000${cur}` : cur);
        cur = '';
        wasQuoted = false;
      } else cur += ch;
    }
    out.push(wasQuoted ? `\u0000${cur}` : cur);
    return out;
  };
  const header = parse(lines[0]).map((h) => h.replace(/^\u0000/, ''));
  const rows = lines.slice(1).map(parse);
  const columns: Column[] = header.map((name, c) => {
    const raw = rows.map((r) => r[c] ?? '');
    const isNA = (v: string): boolean => v === 'NA' || v === '';
    const numeric = raw.every((v) => isNA(v) || (!v.startsWith('\u0000') && v.trim() !== '' && Number.isFinite(Number(v))));
    if (numeric) {
      const values = Float64Array.from(raw, (v) => (isNA(v) ? NaN : Number(v)));
      return { kind: 'numeric', name, values, integer: values.every((v) => Number.isNaN(v) || Number.isInteger(v)) };
    }
    return factorFromStrings(
      name,
      raw.map((v) => (v === 'NA' ? null : v.replace(/^\u0000/, ''))),
    );
  });
  return makeTable(path, columns);
}

/** A column as a factor (numeric columns as factor(x), like lme4 does for grouping). */
export function asFactor(table: DataTable, name: string): FactorColumn {
  const col = table.columns.get(name);
  if (!col) throw new Error(`no column ${name}`);
  if (col.kind === 'factor') return col;
  if (col.kind === 'numeric') return factorFromNumbers(name, col.values);
  throw new Error(`column ${name} is logical`);
}

export function numeric(table: DataTable, name: string): Float64Array {
  const col = table.columns.get(name);
  if (!col || col.kind !== 'numeric') throw new Error(`no numeric column ${name}`);
  return col.values;
}

/** A fixed-effects column: the intercept, a numeric variable, or a treatment dummy of a factor. */
export type FixedColumnSpec = '(Intercept)' | string | { readonly factor: string; readonly level: string };

export interface RandomTermSpec {
  /** LHS columns: '(Intercept)' or numeric variables. */
  readonly lhs: readonly string[];
  /** One factor, or several for an interaction `a:b` (the first varies slowest). */
  readonly group: readonly string[];
  readonly fromDoubleBar?: boolean;
}

export interface HandModel {
  readonly formula: string;
  readonly response: string;
  readonly fixed: readonly FixedColumnSpec[];
  readonly random: readonly RandomTermSpec[];
  readonly weights?: string;
  readonly offset?: string;
}

const span = { start: 0, end: 0 };

/** Build a ModelSpec by hand (no NA handling: the data sets used here are complete). */
export function handSpec(table: DataTable, model: HandModel): ModelSpec {
  const n = table.nrow;
  const y = numeric(table, model.response);
  const fixedCols: MatrixColumn[] = [];
  const X = new Float64Array(n * model.fixed.length);
  model.fixed.forEach((f, a) => {
    let name: string;
    if (f === '(Intercept)') {
      name = f;
      X.fill(1, a * n, (a + 1) * n);
    } else if (typeof f === 'string') {
      name = f;
      X.set(numeric(table, f), a * n);
    } else {
      const fac = asFactor(table, f.factor);
      const li = fac.levels.indexOf(f.level);
      name = `${f.factor}${f.level}`;
      for (let i = 0; i < n; i++) X[a * n + i] = fac.codes[i] === li ? 1 : 0;
    }
    fixedCols.push({ name, span });
  });
  let terms: RandomTerm[] = model.random.map((r) => randomTerm(table, r));
  // lme4's order: decreasing number of levels, only when some later term has more levels.
  const nl = terms.map((t) => t.levels.length);
  if (nl.some((v, i) => i > 0 && v > nl[i - 1])) {
    const order = nl.map((_, i) => i).sort((i, j) => nl[i] - nl[j] || i - j);
    terms = order.reverse().map((i) => terms[i]);
  }
  const mean = (v: Float64Array): number => v.reduce((s, x) => s + x, 0) / v.length;
  const sd = (v: Float64Array): number => {
    const m = mean(v);
    return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
  };
  return {
    kind: 'lmm',
    formula: model.formula,
    response: { name: model.response, values: Float64Array.from(y), span },
    nobs: n,
    fixed: { columns: fixedCols, X, hasIntercept: model.fixed.includes('(Intercept)'), dropped: [] },
    random: terms,
    offset: model.offset ? Float64Array.from(numeric(table, model.offset)) : null,
    weights: model.weights ? Float64Array.from(numeric(table, model.weights)) : null,
    rows: { total: n, used: n, dropped: 0, rowIndex: Int32Array.from({ length: n }, (_, i) => i) },
    scales: {
      response: { mean: mean(y), sd: sd(y), min: Math.min(...y), max: Math.max(...y) },
      fixed: fixedCols.map((c, a) => {
        const col = X.subarray(a * n, (a + 1) * n);
        return { name: c.name, mean: mean(col), sd: c.name === '(Intercept)' ? 0 : sd(col) };
      }),
    },
    messages: [],
  };
}

function randomTerm(table: DataTable, r: RandomTermSpec): RandomTerm {
  const n = table.nrow;
  const factors = r.group.map((g) => asFactor(table, g));
  let levels: string[];
  let index: Int32Array;
  if (factors.length === 1) {
    // Unused levels dropped.
    const used = new Set(factors[0].codes);
    const keep = factors[0].levels.map((_, i) => i).filter((i) => used.has(i));
    const remap = new Map(keep.map((old, k) => [old, k]));
    levels = keep.map((i) => factors[0].levels[i]);
    index = Int32Array.from(factors[0].codes, (c) => remap.get(c) as number);
  } else {
    // Observed combinations, first factor varying slowest.
    const keyOf = (i: number): number[] => factors.map((f) => f.codes[i]);
    const combos = new Map<string, number[]>();
    for (let i = 0; i < n; i++) combos.set(keyOf(i).join(','), keyOf(i));
    const sorted = [...combos.values()].sort((a, b) => {
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
      return 0;
    });
    const pos = new Map(sorted.map((c, k) => [c.join(','), k]));
    levels = sorted.map((c) => c.map((code, k) => factors[k].levels[code]).join(':'));
    index = Int32Array.from({ length: n }, (_, i) => pos.get(keyOf(i).join(',')) as number);
  }
  const q = r.lhs.length;
  const Z = new Float64Array(n * q);
  r.lhs.forEach((c, k) => {
    if (c === '(Intercept)') Z.fill(1, k * n, (k + 1) * n);
    else Z.set(numeric(table, c), k * n);
  });
  return {
    kind: q === 1 ? 'scalar' : 'vector',
    group: r.group.join(':'),
    label: `${lhsLabel(r.lhs)} | ${r.group.join(':')}`,
    factors: r.group,
    levels,
    index,
    columns: r.lhs.map((name) => ({ name, span })),
    Z,
    fromDoubleBar: r.fromDoubleBar ?? false,
    span,
  };
}

/** lme4's deparse of a term's LHS for the common shapes used here. */
function lhsLabel(lhs: readonly string[]): string {
  const vars = lhs.filter((c) => c !== '(Intercept)');
  if (!lhs.includes('(Intercept)')) return ['0', ...vars].join(' + ');
  return vars.length === 0 ? '1' : vars.join(' + ');
}

/** JSON fixture files of lme4 references (fixtures/lmer/*.json), if any. */
export function lmerFixtureFiles(): string[] {
  const dir = join(fixturesDir, 'lmer');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'timings.json')
    .sort()
    .map((f) => join(dir, f));
}
