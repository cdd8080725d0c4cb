import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { makeTable, type Column, type DataTable } from '../../src/data/table.js';
import { Lmer2JagsError, type ErrorLocation } from '../../src/errors.js';
import { expandFormula } from '../../src/formula/bars.js';
import { parseFormula } from '../../src/formula/parse.js';
import { buildModelSpec } from '../../src/model/build.js';
import { summarizeSpec } from '../../src/model/describe.js';
import { assertClose, fixturePath, loadFixtures } from '../helpers/fixtures.js';

interface ParseFixture {
  id: string;
  formula: string;
  data: string;
  weights?: string | null;
  offsetArg?: string | null;
  nrowData: number;
  nobs: number;
  rowsDropped: number;
  response: string;
  termLabels: string[];
  intercept: number;
  modelMatrixColumns: string[];
  fixef: string[];
  droppedColumns: string[];
  X: { colSums: number[]; firstRows: number[][] };
  response_firstValues: number[];
  offset_firstValues: number[] | null;
  random: {
    group: string;
    term: string;
    columns: string[];
    nlevels: number;
    levels: string[];
    firstIndex: number[];
    colSums: number[];
    lhsFirstRows: number[][];
  }[];
  messages: string[];
}

interface ErrorFixture {
  id: string;
  formula: string;
  data: string;
  error: string;
  stage: string;
}

const tables = new Map<string, Promise<DataTable>>();
function table(rel: string): Promise<DataTable> {
  if (!tables.has(rel)) tables.set(rel, readDataFile(fixturePath(rel)));
  return tables.get(rel) as Promise<DataTable>;
}

const fixtures = loadFixtures<ParseFixture>('parse');

describe('the IR equals lme4 on every parse fixture', () => {
  it('has at least 30 fixtures', () => assert.ok(fixtures.length >= 30, `${fixtures.length} fixtures`));
  for (const fx of fixtures) {
    it(`${fx.id}: ${fx.formula}`, async () => {
      const data = await table(fx.data);
      assert.equal(data.nrow, fx.nrowData, 'rows in the data');
      const ex = expandFormula(parseFormula(fx.formula), { dataNames: data.names });
      assert.deepEqual(ex.fixed.terms.map((t) => t.label), fx.termLabels.filter((l) => l !== fx.response), 'term labels');
      assert.equal(ex.fixed.intercept, fx.intercept === 1, 'intercept');
      const spec = buildModelSpec(fx.formula, data, {
        ...(fx.weights ? { weights: fx.weights } : {}),
        ...(fx.offsetArg ? { offset: fx.offsetArg } : {}),
      });
      assert.equal(spec.nobs, fx.nobs, 'nobs');
      assert.equal(spec.rows.dropped, fx.rowsDropped, 'rows dropped');
      assert.equal(spec.response.name, fx.response, 'response');
      assert.deepEqual(spec.fixed.columns.map((c) => c.name), fx.fixef, 'fixef names');
      assert.deepEqual([...spec.fixed.dropped], fx.droppedColumns, 'dropped columns');
      for (const m of fx.messages.filter((m) => /rank deficient/.test(m))) {
        assert.ok(spec.messages.includes(m), `message "${m}" in ${JSON.stringify(spec.messages)}`);
      }
      const n = spec.nobs;
      const p = spec.fixed.columns.length;
      const sums = Array.from({ length: p }, (_, j) => spec.fixed.X.subarray(j * n, (j + 1) * n).reduce((a, b) => a + b, 0));
      assertClose(sums, fx.X.colSums, 1e-6, 'X column sums');
      fx.X.firstRows.forEach((row, i) => assertClose(row.map((_, j) => spec.fixed.X[j * n + i]), row, 1e-9, `X row ${i + 1}`));
      assertClose(spec.response.values.subarray(0, fx.response_firstValues.length), fx.response_firstValues, 1e-9, 'response');
      if (fx.offset_firstValues === null) assert.equal(spec.offset, null, 'no offset');
      else assertClose((spec.offset as Float64Array).subarray(0, fx.offset_firstValues.length), fx.offset_firstValues, 1e-9, 'offset');

      assert.equal(spec.random.length, fx.random.length, 'number of random terms');
      fx.random.forEach((r, k) => {
        const t = spec.random[k];
        assert.equal(t.group, r.group, `term ${k + 1} group`);
        assert.equal(t.label, r.term, `term ${k + 1} label`);
        assert.deepEqual(t.columns.map((c) => c.name), r.columns, `term ${k + 1} columns`);
        assert.equal(t.levels.length, r.nlevels, `term ${k + 1} levels`);
        assert.deepEqual([...t.levels], r.levels, `term ${k + 1} level names`);
        assert.deepEqual(Array.from(t.index.subarray(0, r.firstIndex.length), (i) => i + 1), r.firstIndex, `term ${k + 1} level index`);
        const q = t.columns.length;
        const zs = Array.from({ length: q }, (_, j) => t.Z.subarray(j * n, (j + 1) * n).reduce((a, b) => a + b, 0));
        assertClose(zs, r.colSums, 1e-6, `term ${k + 1} column sums`);
        r.lhsFirstRows.forEach((row, i) => assertClose(row.map((_, j) => t.Z[j * n + i]), row, 1e-9, `term ${k + 1} row ${i + 1}`));
      });
      const summary = summarizeSpec(spec);
      assert.deepEqual(summary.fixef, fx.fixef);
    });
  }
});

describe('formulas lme4 rejects are rejected with its message', () => {
  for (const fx of loadFixtures<ErrorFixture>('parse-errors')) {
    it(`${fx.id}: ${fx.formula}`, async () => {
      const data = await table(fx.data);
      assert.throws(
        () => buildModelSpec(fx.formula, data),
        (e: unknown) => {
          assert.ok(e instanceof Lmer2JagsError, `not a Lmer2JagsError: ${String(e)}`);
          const expected = OUR_MESSAGES[fx.id] ?? fx.error;
          assert.ok(e.message.includes(expected), `"${e.message}" should include "${expected}"`);
          assert.ok(e.hint, 'has a hint');
          return true;
        },
      );
    });
  }
});

/**
 * Where lme4's message is R's own or unhelpful (R's "object 'x' not found", lme4's internal
 * "updateMu: Size mismatch" for cbind), ours says it in words instead.
 */
const OUR_MESSAGES: Record<string, string> = {
  'all-rows-na': 'no rows left after removing rows with missing values',
  'cbind-response': 'cbind() responses are binomial models',
  'factor-response': 'the response f is not numeric',
  'unknown-group': "unknown variable 'Subjct'",
  'unknown-variable': "unknown variable 'Dayz'",
};

// ---------------------------------------------------------------------------------------
// Non-finite values. R's na.omit drops rows with NA or NaN but keeps ±Inf, and lme4 refuses them
// (fixtures/parse-errors: inf-response "NA/NaN/Inf in 'y'"; inf-predictor and log-zero "NA/NaN/Inf
// in foreign function call (arg 1)"; inf-slope and inf-offset "objective in x0 returns NA").
// ---------------------------------------------------------------------------------------

const num = (name: string, values: readonly (number | null)[]): Column => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
  integer: false,
});
const fac = (name: string, values: readonly string[]): Column => {
  const levels = [...new Set(values)].sort();
  return { kind: 'factor', name, levels, codes: Int32Array.from(values, (v) => levels.indexOf(v)) };
};

function refused(build: () => unknown, message: RegExp, location: ErrorLocation, hint: RegExp): void {
  assert.throws(build, (e: unknown) => {
    assert.ok(e instanceof Lmer2JagsError, `not a Lmer2JagsError: ${String(e)}`);
    assert.match(e.message, message);
    assert.deepEqual(e.location, location);
    assert.match(e.hint ?? '', hint);
    return true;
  });
}

const textAt = (text: string, part: string): ErrorLocation => {
  const start = text.indexOf(part);
  assert.ok(start >= 0);
  return { kind: 'text', label: 'formula', text, span: { start, end: start + part.length } };
};

describe('non-finite values are refused, as lme4 refuses them', () => {
  const ids = fixturePath('data/sim_ids.csv');
  // A CSV-like table (data row r on line r + 2); row 1 has a missing y, so the rows after it
  // are one observation further down than their table row.
  const rows = (extra: Column[]) =>
    makeTable(
      'd.csv',
      [
        num('y', [1, null, 3, 4, 5, 6, 7, 8]),
        fac('g', ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd']),
        ...extra,
      ],
      (r) => r + 2,
    );

  it('an Inf response: the data line, and lme4\'s words', async () => {
    const t = await table('data/sim_ids.csv');
    refused(
      () => buildModelSpec('y_inf ~ x + (1 | id)', t),
      /^the response 'y_inf' is Inf on line 4 of .*sim_ids\.csv; lme4 refuses non-finite values \("NA\/NaN\/Inf in 'y'"\)$/,
      { kind: 'file', path: ids, line: 4 },
      /write NA there so that the row is dropped.*na\.omit drops rows with NA or NaN, but not ±Inf/,
    );
  });

  it('an Inf predictor, random slope or offset column: the line of the first bad row, after dropped rows', () => {
    const t = rows([num('x', [1, 2, 3, Infinity, 5, -Infinity, 7, 8]), num('o', [0, 0, 0, 0, 0, 0, -Infinity, 0])]);
    const loc: ErrorLocation = { kind: 'file', path: 'd.csv', line: 5 };
    refused(() => buildModelSpec('y ~ x + (1 | g)', t), /^the fixed-effects variable 'x' is Inf on line 5 of d\.csv; .*"NA\/NaN\/Inf in foreign function call \(arg 1\)"/, loc, /finite numbers/);
    refused(() => buildModelSpec('y ~ 1 + (x | g)', t), /^the variable 'x' of the random-effects term \(x \| g\) is Inf on line 5 of d\.csv; .*"objective in x0 returns NA"/, loc, /finite numbers/);
    // An interaction with a factor: Inf times a 0 indicator is NaN, still the variable x is named.
    refused(() => buildModelSpec('y ~ g:x + (1 | g)', t), /^the fixed-effects variable 'x' is Inf on line 5/, loc, /finite numbers/);
    refused(
      () => buildModelSpec('y ~ 1 + (1 | g)', t, { offset: 'o' }),
      /^the offset column 'o' is -Inf on line 8 of d\.csv; lme4 refuses non-finite values in offsets/,
      { kind: 'file', path: 'd.csv', line: 8 },
      /finite numbers/,
    );
  });

  it('a transformation that gives ±Inf points at its span and shows its inputs', async () => {
    const t = await table('data/sim_ids.csv');
    const f1 = 'y ~ log(z0) + (1 | id)';
    refused(
      () => buildModelSpec(f1, t),
      /^the fixed-effects variable 'log\(z0\)' is -Inf on line 8 of .*sim_ids\.csv \(where z0 = 0\); lme4 refuses non-finite values in the fixed-effects model matrix/,
      textAt(f1, 'log(z0)'),
      /log\(\) of 0 is -Inf.*e\.g\. log\(z0 \+ 1\)/,
    );
    const f2 = 'y ~ x + offset(log(z0)) + (1 | id)';
    refused(() => buildModelSpec(f2, t), /^the offset 'offset\(log\(z0\)\)' is -Inf on line 8 .*"objective in x0 returns NA"/, textAt(f2, 'offset(log(z0))'), /log\(z0 \+ 1\)/);
    const f3 = 'I(1/(z0 * y)) ~ x + (1 | id)';
    refused(() => buildModelSpec(f3, t), /^the response 'I\(1\/\(z0 \* y\)\)' is Inf on line 8 .* \(where z0 = 0, y = 0\.0671\)/, textAt(f3, 'I(1/(z0 * y))'), /division by 0/);
  });

  it('finite parts whose product overflows: the model-matrix column is named', () => {
    const t = rows([num('a', [1, 2, 1e200, 1, 1, 2, 3, 4]), num('b', [1, 1, 1e200, 2, 3, 1, 2, 2])]);
    const f = 'y ~ a:b + (1 | g)';
    refused(() => buildModelSpec(f, t), /^the fixed-effects column 'a:b' is Inf on line 4 of d\.csv: the product of its finite parts overflows/, textAt(f, 'a:b'), /rescale/);
  });

  it('without file lines (JSON, R dump): the formula span and the row number', () => {
    const t = makeTable('d.json', [num('y', [1, 2, 3, 4, 5, 6]), num('x', [1, 2, 3, 4, Infinity, 6]), fac('g', ['a', 'a', 'b', 'b', 'c', 'c'])]);
    const f = 'y ~ x + (1 | g)';
    refused(() => buildModelSpec(f, t), /^the fixed-effects variable 'x' is Inf on row 5 of the data \(d\.json\)/, textAt(f, 'x'), /finite numbers/);
  });

  it('weights that are negative or infinite: the value and its line', () => {
    for (const [w, shown] of [[-1, '-1'], [Infinity, 'Inf']] as const) {
      const t = rows([num('w', [1, 1, 1, 1, w, 1, 1, 1])]);
      refused(
        () => buildModelSpec('y ~ 1 + (1 | g)', t, { weights: 'w' }),
        new RegExp(`^the weights column 'w' must hold finite non-negative numbers: it is ${shown} on line 6 of d\\.csv$`),
        { kind: 'file', path: 'd.csv', line: 6 },
        /prior weights/,
      );
    }
  });

  it('an Inf in a grouping factor or inside factor() is a level, not an error (as in R)', async () => {
    // R: levels(factor(x_inf)) ends with "Inf" (fixtures/levels/sim_ids.json); lme4 groups by factor().
    const t = rows([num('h', [1, 1, 2, 2, Infinity, Infinity, 3, 3]), num('x', [1, 2, 3, 4, 5, 6, 7, 8])]);
    const spec = buildModelSpec('y ~ x + (1 | h)', t);
    assert.deepEqual([...spec.random[0].levels], ['1', '2', '3', 'Inf']);
    const s2 = buildModelSpec('y ~ factor(x_inf > 0) + (1 | id)', await table('data/sim_ids.csv'));
    assert.deepEqual(s2.fixed.columns.map((c) => c.name), ['(Intercept)', 'factor(x_inf > 0)TRUE']);
  });
});
