/**
 * Properties of the formula front end: the grammar, the term algebra and the whole model build
 * never fail with anything but Lmer2JagsError, whatever the text. (The printer's round trip is
 * in printer.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCsv } from '../../src/data/csv.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { expandFormula } from '../../src/formula/bars.js';
import { MAX_TERMS } from '../../src/formula/expand.js';
import { MAX_FORMULA_DEPTH, parseFormula } from '../../src/formula/parse.js';
import { printFormula } from '../../src/formula/print.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath, loadFixtures } from '../helpers/fixtures.js';
import { FORMULA_TOKENS, anyText, modelFormulaArb, tokenSoup } from './formula-arbitraries.js';
import { formulaShape, mutate, mutationArb, onlyUserErrors, params } from './support.js';

const fixtures = loadFixtures<{ formula: string }>('parse').map((f) => f.formula);

/** A small data set with every kind of column the formulas above name. */
const table = (() => {
  const rows = ['y,x,z,f,g,h,b,my var'];
  for (let i = 0; i < 24; i++) {
    rows.push([10 + ((i * 7) % 11) + i / 3, (i % 6) - 2.5, 1 + (i % 5), 'abc'[i % 3], `g${i % 4}`, 1 + (i % 2), i % 3 === 0 ? 'TRUE' : 'FALSE', (i * 13) % 7].join(','));
  }
  return parseCsv(`${rows.join('\n')}\n`, 'props.csv').table;
})();

const sleepstudy = parseCsv(readFileSync(fixturePath('data/sleepstudy.csv'), 'utf8'), 'sleepstudy.csv').table;

/** Parse, then expand (with data names for `.`): user errors only. */
function frontEnd(text: string): void {
  const parsed = onlyUserErrors(() => parseFormula(text));
  if (parsed.value === null) return;
  onlyUserErrors(() => expandFormula(parsed.value, { dataNames: table.names }));
}

/** print ∘ parse is a fixed point and parse ∘ print gives the same tree, spans aside. */
function assertRoundTrip(text: string): void {
  const a = parseFormula(text);
  const printed = printFormula(a);
  let b;
  try {
    b = parseFormula(printed);
  } catch (e) {
    assert.fail(`the printed form of ${JSON.stringify(text)} does not parse: ${JSON.stringify(printed)}\n${e instanceof Lmer2JagsError ? e.format() : String(e)}`);
  }
  assert.deepEqual(formulaShape(b), formulaShape(a), `${JSON.stringify(text)} printed as ${JSON.stringify(printed)}`);
  assert.equal(printFormula(b), printed, 'printing is idempotent');
}

describe('properties: the formula grammar and term algebra', () => {
  it('fail only with Lmer2JagsError on arbitrary strings (unicode, control characters, long and deep inputs)', () => {
    fc.assert(fc.property(anyText(300), (text) => frontEnd(text)), params(400));
  });

  it('fail only with Lmer2JagsError on token soups of formula pieces', () => {
    fc.assert(fc.property(tokenSoup(40), (text) => frontEnd(text)), params(1500));
  });

  it('fail only with Lmer2JagsError on mutations of the 77 fixture formulas, and still round-trip when they parse', () => {
    assert.equal(fixtures.length, 77);
    const insertion = fc.oneof(fc.constantFrom(...FORMULA_TOKENS), fc.string({ unit: 'binary', maxLength: 3 }));
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.array(mutationArb(insertion), { minLength: 1, maxLength: 4 }), (formula, mutations) => {
        const text = mutate(formula, mutations);
        frontEnd(text);
        const parsed = onlyUserErrors(() => parseFormula(text));
        if (parsed.value !== null) assertRoundTrip(text);
      }),
      params(1500),
    );
  });

  it('whole model build fails only with Lmer2JagsError on mutations of the sleepstudy fixture formulas', () => {
    const sleepFormulas = loadFixtures<{ formula: string; data: string }>('parse')
      .filter((f) => f.data === 'data/sleepstudy.csv')
      .map((f) => f.formula);
    assert.ok(sleepFormulas.length >= 10);
    const insertion = fc.oneof(fc.constantFrom(...FORMULA_TOKENS, 'Days', 'Subject', 'Reaction'), fc.string({ unit: 'binary', maxLength: 2 }));
    fc.assert(
      fc.property(fc.constantFrom(...sleepFormulas), fc.array(mutationArb(insertion), { minLength: 1, maxLength: 3 }), (formula, mutations) => {
        onlyUserErrors(() => buildModelSpec(mutate(formula, mutations), sleepstudy));
      }),
      params(400),
    );
  });

  it('whole model build (frame, model matrix, grouping factors) fails only with Lmer2JagsError on lme4-shaped formulas', () => {
    fc.assert(
      fc.property(modelFormulaArb, (text) => {
        onlyUserErrors(() => buildModelSpec(text, table));
      }),
      params(300),
    );
  });

  it('refuses formulas nested past the depth limit with a caret, before anything recurses', () => {
    for (const text of [
      `y ~ ${'('.repeat(5000)}x${')'.repeat(5000)} + (1 | g)`,
      `y ~ ${Array.from({ length: MAX_FORMULA_DEPTH + 1 }, (_, i) => `x${i}`).join(' + ')} + (1 | g)`,
      `y ~ I(${'-'.repeat(20000)}x) + (1 | g)`,
      `y ~ ${'log('.repeat(3000)}x${')'.repeat(3000)}`,
    ]) {
      const r = onlyUserErrors(() => parseFormula(text));
      assert.ok(r.error, 'refused');
      assert.match(r.error.message, /nested too deeply/);
    }
    // Just inside the limit, the whole pipeline works.
    const wide = `y ~ ${Array.from({ length: MAX_FORMULA_DEPTH - 10 }, () => 'x').join(' + ')} + (1 | g)`;
    assert.equal(buildModelSpec(wide, table).fixed.columns.length, 2);
  });

  it('refuses term expansions past the limit instead of hanging (a*b*c*… is exponential)', () => {
    const vars = Array.from({ length: 14 }, (_, i) => `x${i}`);
    for (const text of [`y ~ ${vars.join('*')} + (1 | g)`, `y ~ (${vars.join(' + ')})^14 + (1 | g)`, `y ~ (${vars.join('*')} | g)`]) {
      const started = Date.now();
      const r = onlyUserErrors(() => expandFormula(parseFormula(text)));
      assert.ok(r.error, `${text} is refused`);
      assert.match(r.error.message, new RegExp(`the limit is ${MAX_TERMS}`));
      assert.ok(Date.now() - started < 2000, 'refused quickly');
    }
    // A huge power of a short sum is its square: no loop over the exponent.
    const started = Date.now();
    const e = expandFormula(parseFormula('y ~ (a + b + c)^1000000000 + (1 | g)'));
    assert.deepEqual(e.fixed.terms.map((t) => t.label), ['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c']);
    assert.ok(Date.now() - started < 1000);
  });
});
