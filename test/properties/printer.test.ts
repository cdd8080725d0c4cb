/**
 * The canonical printer (src/formula/print.ts) round-trips: every formula the grammar accepts
 * prints to text that parses back to the same tree (spans aside), and printing is idempotent;
 * arbitrary trees print to text that parses to the same tree up to the parentheses it needs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Lmer2JagsError } from '../../src/errors.js';
import { parseFormula } from '../../src/formula/parse.js';
import { printFormula } from '../../src/formula/print.js';
import { loadFixtures } from '../helpers/fixtures.js';
import { formulaArb, grammaticalSoup, tokenSoup } from './formula-arbitraries.js';
import { formulaShape, onlyUserErrors, params } from './support.js';

const fixtures = loadFixtures<{ formula: string }>('parse').map((f) => f.formula);

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

describe('properties: the canonical printer', () => {
  it('round-trips all 77 fixture formulas', () => {
    for (const f of fixtures) assertRoundTrip(f);
  });

  it('prints the fixture formulas as they are written (they are already canonical)', () => {
    const changed = fixtures.filter((f) => printFormula(parseFormula(f)) !== f);
    assert.deepEqual(changed, []);
  });

  it('round-trips every generated formula text the grammar accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(grammaticalSoup(), tokenSoup(25)), (text) => {
        if (onlyUserErrors(() => parseFormula(text)).value === null) return;
        accepted++;
        assertRoundTrip(text);
      }),
      params(1500),
    );
    assert.ok(accepted >= 200, `only ${accepted} soups parsed: the generator no longer reaches the grammar`);
  });

  it('prints arbitrary trees (any nesting, any names, strings and numbers) as text that parses back to the same tree', () => {
    fc.assert(
      fc.property(formulaArb, (tree) => {
        const printed = printFormula(tree);
        let parsed;
        try {
          parsed = parseFormula(printed);
        } catch (e) {
          assert.fail(`printed tree does not parse: ${JSON.stringify(printed)}\n${e instanceof Lmer2JagsError ? e.format() : String(e)}`);
        }
        // The parser adds paren nodes exactly where the printer needed parentheses.
        assert.deepEqual(formulaShape(parsed, true), formulaShape(tree, true), JSON.stringify(printed));
        // And from there on the round trip is exact, paren nodes included.
        assert.equal(printFormula(parsed), printed);
        assert.deepEqual(formulaShape(parseFormula(printFormula(parsed))), formulaShape(parsed));
      }),
      params(2000),
    );
  });
});
