import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lmer2JagsError } from '../../src/errors.js';
import { expandFormula } from '../../src/formula/bars.js';
import { parseFormula } from '../../src/formula/parse.js';

function expand(text: string, dataNames?: string[]) {
  return expandFormula(parseFormula(text), dataNames ? { dataNames } : {});
}

function labels(text: string): string[] {
  return expand(text).fixed.terms.map((t) => t.label);
}

function bars(text: string): string[] {
  return expand(text).bars.map(
    (b) => `${b.lhs.intercept ? '1' : '0'}${b.lhs.terms.map((t) => `+${t.label}`).join('')} | ${b.groupLabel}${b.fromDoubleBar ? ' (||)' : ''}`,
  );
}

describe("R's term algebra (terms.formula)", () => {
  // Expected labels are attr(terms(f), "term.labels") from R 4.2.2.
  const cases: [string, string[], boolean][] = [
    ['y ~ a + b', ['a', 'b'], true],
    ['y ~ a * b', ['a', 'b', 'a:b'], true],
    ['y ~ a * b * c - a:b:c', ['a', 'b', 'c', 'a:b', 'a:c', 'b:c'], true],
    ['y ~ (a + b + c)^2', ['a', 'b', 'c', 'a:b', 'a:c', 'b:c'], true],
    ['y ~ a/b', ['a', 'a:b'], true],
    ['y ~ (a + b)/c', ['a', 'b', 'a:b:c'], true],
    ['y ~ b %in% a', ['b:a'], true],
    ['y ~ b:a + a', ['a', 'b:a'], true],
    ['y ~ a:b + b:a', ['a:b'], true],
    ['y ~ x - 1', ['x'], false],
    ['y ~ 0 + x', ['x'], false],
    ['y ~ -1 + x', ['x'], false],
    ['y ~ x + 0 + 1', ['x'], true],
    ['y ~ a * b - a', ['b', 'a:b'], true],
    ['y ~ log(x) + I(x^2) + poly(x, 2)', ['log(x)', 'I(x^2)', 'poly(x, 2)'], true],
    ['y ~ x + offset(log(z))', ['x'], true],
  ];
  for (const [f, expected, intercept] of cases) {
    it(`${f} → ${expected.join(' + ')}${intercept ? '' : ' (no intercept)'}`, () => {
      const x = expand(`${f} + (1 | g)`);
      assert.deepEqual(x.fixed.terms.map((t) => t.label), expected);
      assert.equal(x.fixed.intercept, intercept);
    });
  }
  it('drops the response from the right-hand side, as model.matrix does', () => {
    assert.deepEqual(labels('y ~ y + x + (1 | g)'), ['x']);
  });
  it('records offsets apart from the terms', () => {
    const x = expand('y ~ x + offset(log(z)) + (1 | g)');
    assert.equal(x.fixed.offsets.length, 1);
    assert.ok(x.fixed.variables.some((v) => v.label === 'offset(log(z))'));
  });
  it('expands . to the other data columns', () => {
    assert.deepEqual(expand('y ~ . + (1 | g)', ['y', 'a', 'b']).fixed.terms.map((t) => t.label), ['a', 'b']);
  });
  it('refuses numbers other than 0/1 and non-integer powers, at the right span', () => {
    assert.throws(() => labels('y ~ x + 2 + (1|g)'), (e: unknown) => e instanceof Lmer2JagsError && /the number 2 cannot be a term/.test(e.message));
    assert.throws(() => labels('y ~ (a + b)^x + (1|g)'), (e: unknown) => e instanceof Lmer2JagsError && /whole number/.test(e.message));
    assert.throws(() => labels('y ~ a == b + (1|g)'), (e: unknown) => e instanceof Lmer2JagsError && /wrap it in I\(\)/.test(e.hint ?? ''));
  });
});

describe("lme4's random-effects terms", () => {
  it('keeps the fixed part without bars (nobars)', () => {
    assert.deepEqual(labels('y ~ x + (x | g) + z'), ['x', 'z']);
    assert.equal(expand('y ~ (1 | g)').fixed.intercept, true);
    assert.deepEqual(labels('y ~ z:x + (x | g)'), ['z:x']);
  });
  it('finds bars in order', () => {
    assert.deepEqual(bars('y ~ x + (x | g) + (1 | h)'), ['1+x | g', '1 | h']);
    assert.deepEqual(bars('y ~ (0 + x | g)'), ['0+x | g']);
  });
  it('expands || into one term per column, a factor staying one block', () => {
    assert.deepEqual(bars('y ~ x + (x || g)'), ['1 | g (||)', '0+x | g (||)']);
    assert.deepEqual(bars('y ~ (x * z || g)'), ['1 | g (||)', '0+x | g (||)', '0+z | g (||)', '0+x:z | g (||)']);
    assert.deepEqual(bars('y ~ (0 + f || g)'), ['0+f | g (||)']);
  });
  it('expands / in the grouping as lme4 does (b:a, then a)', () => {
    assert.deepEqual(bars('strength ~ 1 + (1 | batch/cask)'), ['1 | cask:batch', '1 | batch']);
    assert.deepEqual(bars('y ~ (1 | a/b/c)'), ['1 | c:b:a', '1 | b:a', '1 | a']);
  });
  it('keeps interaction grouping as written', () => {
    const b = expand('y ~ service + (1 | dept:service)').bars[0];
    assert.equal(b.groupLabel, 'dept:service');
    assert.deepEqual(b.group.map((v) => v.label), ['dept', 'service']);
  });
  it('refuses a bar inside an interaction with a clear message only when it is not additive', () => {
    assert.throws(() => expand('y ~ x + (offset(z) | g)'), (e: unknown) => e instanceof Lmer2JagsError && /offset/.test(e.message));
  });
});
