/**
 * Hand-built model descriptions (see helpers.ts handSpec) for the models the lmer tests fit,
 * keyed by formula text, and the derived columns test/lmer/make-reference.R adds to sleepstudy.
 */
import type { DataTable, NumericColumn } from '../../src/data/table.js';
import { makeTable } from '../../src/data/table.js';
import { asFactor, dataPath, numeric, readCsv, type HandModel } from './helpers.js';

const intercept = (group: string): HandModel['random'][number] => ({ lhs: ['(Intercept)'], group: [group] });

/** Models buildable by hand, by formula (whitespace-insensitive). */
const MODELS: readonly HandModel[] = [
  {
    formula: 'Reaction ~ Days + (Days | Subject)',
    response: 'Reaction',
    fixed: ['(Intercept)', 'Days'],
    random: [{ lhs: ['(Intercept)', 'Days'], group: ['Subject'] }],
  },
  {
    formula: 'Reaction ~ Days + (Days || Subject)',
    response: 'Reaction',
    fixed: ['(Intercept)', 'Days'],
    random: [
      { lhs: ['(Intercept)'], group: ['Subject'], fromDoubleBar: true },
      { lhs: ['Days'], group: ['Subject'], fromDoubleBar: true },
    ],
  },
  {
    formula: 'Reaction ~ Days + (1 | Subject) + (Days | g4)',
    response: 'Reaction',
    fixed: ['(Intercept)', 'Days'],
    random: [intercept('Subject'), { lhs: ['(Intercept)', 'Days'], group: ['g4'] }],
  },
  { formula: 'Yield ~ 1 + (1 | Batch)', response: 'Yield', fixed: ['(Intercept)'], random: [intercept('Batch')] },
  {
    formula: 'diameter ~ 1 + (1 | plate) + (1 | sample)',
    response: 'diameter',
    fixed: ['(Intercept)'],
    random: [intercept('plate'), intercept('sample')],
  },
  {
    formula: 'strength ~ 1 + (1 | batch/cask)',
    response: 'strength',
    fixed: ['(Intercept)'],
    random: [{ lhs: ['(Intercept)'], group: ['cask', 'batch'] }, intercept('batch')],
  },
  {
    formula: 'y ~ service + (1 | s) + (1 | d) + (1 | dept:service)',
    response: 'y',
    fixed: ['(Intercept)', { factor: 'service', level: '1' }],
    random: [intercept('s'), intercept('d'), { lhs: ['(Intercept)'], group: ['dept', 'service'] }],
  },
];

const norm = (f: string): string => f.replace(/\s+/g, '');

export function handModelFor(formula: string): HandModel | undefined {
  return MODELS.find((m) => norm(m.formula) === norm(formula));
}

/** sleepstudy plus w, o, g4 exactly as make-reference.R defines them. */
export function withSleepstudyExtras(t: DataTable): DataTable {
  const days = numeric(t, 'Days');
  const subj = asFactor(t, 'Subject');
  const n = t.nrow;
  const w = Float64Array.from(days, (d) => 1 + (d % 3) / 2);
  const o = Float64Array.from(days, (d) => d / 10);
  const g4 = Float64Array.from({ length: n }, (_, i) => (subj.codes[i] + 1 + days[i]) % 6);
  const extra: NumericColumn[] = [
    { kind: 'numeric', name: 'w', values: w, integer: false },
    { kind: 'numeric', name: 'o', values: o, integer: false },
    { kind: 'numeric', name: 'g4', values: g4, integer: true },
  ];
  return makeTable(t.source, [...t.names.map((nm) => t.columns.get(nm)!), ...extra]);
}

/** A data set by name (with the sleepstudy extras), or null when unavailable. */
export function loadData(name: string): DataTable | null {
  const path = dataPath(name);
  if (!path) return null;
  const t = readCsv(path);
  return name === 'sleepstudy' ? withSleepstudyExtras(t) : t;
}
