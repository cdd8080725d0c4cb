import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import type { DataTable } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';
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
