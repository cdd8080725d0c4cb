import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lmer2JagsError } from '../../src/errors.js';
import type { Expr } from '../../src/formula/ast.js';
import { deparse } from '../../src/formula/deparse.js';
import { parseFormula } from '../../src/formula/parse.js';

/** The formula's right-hand side printed back with full parentheses, to check precedence. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'name':
      return e.backquoted ? `\`${e.name}\`` : e.name;
    case 'number':
      return e.text;
    case 'string':
      return JSON.stringify(e.value);
    case 'call':
      return `${e.fn}(${e.args.map((a) => (a.name ? `${a.name}=${shape(a.value)}` : shape(a.value))).join(',')})`;
    case 'binary':
      return `[${shape(e.left)} ${e.op} ${shape(e.right)}]`;
    case 'unary':
      return `${e.op}{${shape(e.operand)}}`;
    case 'paren':
      return `(${shape(e.expr)})`;
  }
}

function rhs(text: string): string {
  return shape(parseFormula(text).rhs);
}

function syntaxError(text: string): Lmer2JagsError {
  try {
    parseFormula(text);
  } catch (e) {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected "${text}" to fail`);
}

describe('formula grammar: R precedence', () => {
  it('parses the seed model', () => {
    const f = parseFormula('y ~ x + (x | grp)');
    assert.equal(f.lhs?.kind, 'name');
    assert.equal(rhs('y ~ x + (x | grp)'), '[x + ([x | grp])]');
  });
  it('binds | below +, and || like |', () => {
    assert.equal(rhs('y ~ (1 + x | g)'), '([[1 + x] | g])');
    assert.equal(rhs('y ~ (x || g)'), '([x || g])');
  });
  it('orders + - < * / < %in% < : < unary < ^', () => {
    assert.equal(rhs('y ~ a + b * c'), '[a + [b * c]]');
    assert.equal(rhs('y ~ a * b %in% c'), '[a * [b %in% c]]');
    assert.equal(rhs('y ~ a %in% b:c'), '[a %in% [b : c]]');
    assert.equal(rhs('y ~ a:b^2'), '[a : [b ^ 2]]');
    assert.equal(rhs('y ~ -1 + x'), '[-{1} + x]');
    assert.equal(rhs('y ~ x - 1'), '[x - 1]');
    assert.equal(rhs('y ~ -x^2'), '-{[x ^ 2]}');
    assert.equal(rhs('y ~ I(x^-1)'), 'I([x ^ -{1}])');
    assert.equal(rhs('y ~ a/b/c'), '[[a / b] / c]');
    assert.equal(rhs('y ~ x^2^3'), '[x ^ [2 ^ 3]]');
  });
  it('reads comparisons and logic inside calls', () => {
    assert.equal(rhs('y ~ I(x > 0 & z <= 1)'), 'I([[x > 0] & [z <= 1]])');
    assert.equal(rhs('y ~ I(!flag)'), 'I(!{flag})');
  });
  it('reads calls with named arguments, numbers, strings and backquoted names', () => {
    assert.equal(rhs('y ~ poly(x, degree = 2) + `my var` + log(z, 10)'), '[[poly(x,degree=2) + `my var`] + log(z,10)]');
    assert.equal(rhs("y ~ I(x * 1e-3) + I(x + 2.5E+2) + I(.5 * x) + I(3L * x)"), '[[[I([x * 1e-3]) + I([x + 2.5E+2])] + I([.5 * x])] + I([3L * x])]');
    assert.equal(rhs('y ~ relevel(f, "b")'), 'relevel(f,"b")');
    assert.equal(rhs('y ~ my.var_2 + .hidden'), '[my.var_2 + .hidden]');
  });
  it('parses responses that are calls and one-sided formulas', () => {
    assert.equal(shape(parseFormula('log(y) ~ x + (1|g)').lhs as Expr), 'log(y)');
    assert.equal(parseFormula('~ x').lhs, null);
  });
  it('accepts newlines and tabs as white space', () => {
    assert.equal(rhs('y ~ x +\n\t(1 | g)'), '[x + ([1 | g])]');
  });
});

describe('formula grammar: source spans', () => {
  it('gives every node the span of its text', () => {
    const text = 'Reaction ~ Days + (Days | Subject)';
    const f = parseFormula(text);
    const walk = (e: Expr): void => {
      const t = text.slice(e.span.start, e.span.end);
      assert.ok(t.length > 0, 'empty span');
      if (e.kind === 'name') assert.equal(t, e.name);
      if (e.kind === 'paren') assert.ok(t.startsWith('(') && t.endsWith(')'));
      if (e.kind === 'binary') {
        assert.equal(text.slice(e.opSpan.start, e.opSpan.end), e.op);
        walk(e.left);
        walk(e.right);
      }
      if (e.kind === 'paren') walk(e.expr);
    };
    walk(f.rhs);
    assert.equal(text.slice(f.tildeSpan.start, f.tildeSpan.end), '~');
    assert.deepEqual(f.span, { start: 0, end: text.length });
  });
});

describe('formula grammar: deparse as R prints', () => {
  // Expected strings are R 4.2.2's deparse() of the same expressions.
  const cases: [string, string][] = [
    ['I(x/2+y*3-z^2)', 'I(x/2 + y * 3 - z^2)'],
    ['b %in% a', 'b %in% a'],
    ['I(x*1e-3)', 'I(x * 0.001)'],
    ['I(x+2.5e+2)', 'I(x + 250)'],
    ['I(x*1e5)', 'I(x * 1e+05)'],
    ['I(x*100000)', 'I(x * 1e+05)'],
    ['I(x*123456)', 'I(x * 123456)'],
    ['I(x*0.0001)', 'I(x * 1e-04)'],
    ['I(x*.5)', 'I(x * 0.5)'],
    ['I(x**2)', 'I(x^2)'],
    ['I(x %% 2)', 'I(x%%2)'],
    ['`my var`', '`my var`'],
    ['poly(x, degree=2)', 'poly(x, degree = 2)'],
    ['I(x^-1)', 'I(x^-1)'],
    ['I(x*3.14159265358979)', 'I(x * 3.14159265358979)'],
    ['I(x * 1e15)', 'I(x * 1e+15)'],
    ['I(x*0x10)', 'I(x * 16)'],
  ];
  for (const [src, r] of cases) {
    it(`${src} → ${r}`, () => assert.equal(deparse(parseFormula(`y ~ ${src}`).rhs), r));
  }
});

describe('formula grammar: syntax errors point at the spot', () => {
  it('an unclosed parenthesis names the column it opened at', () => {
    const e = syntaxError('y ~ x + (x | grp');
    assert.match(e.message, /parenthesis is not closed/);
    assert.equal(e.hint, "unclosed parenthesis opened at column 9: add ')'");
    assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: 16, end: 16 });
    assert.equal(e.format().split('\n')[3], '                  ^');
  });
  it('a stray closing parenthesis', () => {
    const e = syntaxError('y ~ x + (x | grp))');
    assert.match(e.message, /closes nothing/);
    assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: 17, end: 18 });
  });
  it('a trailing operator', () => {
    const e = syntaxError('y ~ x +');
    assert.match(e.message, /right after '\+'/);
    assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: 6, end: 7 });
  });
  it('a missing tilde, with = suggested away', () => {
    assert.match(syntaxError('y = x + (1|g)').hint ?? '', /write ~ instead of =/);
    assert.match(syntaxError('y x').message, /needs a ~/);
  });
  it('two terms without an operator', () => {
    const e = syntaxError('y ~ x z');
    assert.match(e.message, /no operator between them/);
    assert.deepEqual(e.location?.kind === 'text' && e.location.span, { start: 6, end: 7 });
  });
  it('an empty formula', () => {
    assert.match(syntaxError('   ').message, /empty/);
  });
  it('a second tilde', () => {
    assert.match(syntaxError('y ~ x ~ z').message, /one ~/);
  });
  it('an unterminated backquote or string', () => {
    assert.match(syntaxError('y ~ `my var + x').message, /unterminated backquoted name/);
    assert.match(syntaxError('y ~ relevel(f, "b)').message, /unterminated string/);
  });
  it('R syntax formulas do not use', () => {
    assert.match(syntaxError('y ~ x[1]').message, /not supported/);
  });
  it('the code frame shows the formula with a caret under the spot', () => {
    const lines = syntaxError('y ~ x + (x | grp').format().split('\n');
    assert.equal(lines[0], 'error: unexpected end of formula: a parenthesis is not closed');
    assert.equal(lines[2], '  y ~ x + (x | grp');
    assert.equal(lines[4], "hint: unclosed parenthesis opened at column 9: add ')'");
  });
});
