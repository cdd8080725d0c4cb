import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr } from '../../src/formula/ast.js';
import { parseFormula } from '../../src/formula/parse.js';
import { isBareName, printExpr, printFormula } from '../../src/formula/print.js';

const S = { start: 0, end: 0 };
const n = (name: string, backquoted = false): Expr => ({ kind: 'name', name, backquoted, span: S });
const num = (text: string): Expr => ({ kind: 'number', value: Number(text.replace(/L$/, '')), integer: text.endsWith('L'), text, span: S });
const bin = (op: Extract<Expr, { kind: 'binary' }>['op'], left: Expr, right: Expr): Expr => ({ kind: 'binary', op, opSpan: S, left, right, span: S });
const un = (op: '-' | '+' | '!', operand: Expr): Expr => ({ kind: 'unary', op, operand, span: S });
const str = (value: string): Expr => ({ kind: 'string', value, span: S });
const call = (fn: string, ...args: (Expr | [string, Expr])[]): Expr => ({
  kind: 'call',
  fn,
  fnSpan: S,
  args: args.map((a) => (Array.isArray(a) ? { name: a[0], value: a[1], span: S } : { name: null, value: a, span: S })),
  span: S,
});

const reprint = (text: string): string => printFormula(parseFormula(text));

describe('canonical printer', () => {
  it('prints parsed formulas in one layout: spaced operators, tight : ^ /, ", " between arguments', () => {
    assert.equal(reprint('y~x+(x|grp)'), 'y ~ x + (x | grp)');
    assert.equal(reprint('log( y )~a:b*c^2+I(x/2)+poly(x,degree=2)'), 'log(y) ~ a:b * c^2 + I(x/2) + poly(x, degree = 2)');
    assert.equal(reprint('y ~ x ** 2'), 'y ~ x^2');
    assert.equal(reprint('  ~ x'), '~x');
    assert.equal(reprint('y ~ 0 + x - 1 + (0+x||g/h)'), 'y ~ 0 + x - 1 + (0 + x || g/h)');
  });

  it('keeps the number text and the backquotes as written', () => {
    assert.equal(reprint('y ~ I(1e-3 * x) + I(0x1F + 3L) + I(.5 + 1.)'), 'y ~ I(1e-3 * x) + I(0x1F + 3L) + I(.5 + 1.)');
    assert.equal(reprint('`y` ~ `my var` + `a\\`b`'), '`y` ~ `my var` + `a\\`b`');
  });

  it('escapes strings and quotes names the grammar cannot read bare', () => {
    assert.equal(printExpr(str('say "hi"\n\\')), '"say \\"hi\\"\\n\\\\"');
    assert.equal(printExpr(n('my var')), '`my var`');
    assert.equal(printExpr(n('2x')), '`2x`');
    assert.equal(printExpr(call('my fun', n('x'), ['the arg', num('1')])), '`my fun`(x, `the arg` = 1)');
    assert.ok(isBareName('.x') && isBareName('x.1_b') && isBareName('é') && isBareName('.'));
    assert.ok(!isBareName('.5x') && !isBareName('_x') && !isBareName('a b') && !isBareName(''));
  });

  it('adds parentheses exactly where a tree needs them under R precedence', () => {
    const [a, b, c, x] = [n('a'), n('b'), n('c'), n('x')];
    assert.equal(printExpr(bin('*', bin('+', a, b), c)), '(a + b) * c');
    assert.equal(printExpr(bin('+', bin('*', a, b), c)), 'a * b + c');
    assert.equal(printExpr(bin('+', a, bin('+', b, c))), 'a + (b + c)');
    assert.equal(printExpr(bin('-', a, un('-', b))), 'a - -b');
    assert.equal(printExpr(un('-', bin('^', x, num('2')))), '-x^2');
    assert.equal(printExpr(bin('^', un('-', x), num('2'))), '(-x)^2');
    assert.equal(printExpr(bin('^', x, un('-', num('1')))), 'x^-1');
    assert.equal(printExpr(bin('^', bin('^', x, a), b)), '(x^a)^b');
    assert.equal(printExpr(bin('^', x, bin('^', a, b))), 'x^a^b');
    assert.equal(printExpr(bin('==', bin('<', a, b), c)), '(a < b) == c');
    assert.equal(printExpr(un('!', bin('&', a, b))), '!(a & b)');
    assert.equal(printExpr(bin('&', un('!', a), b)), '!a & b');
    assert.equal(printExpr(bin('+', a, un('!', b))), 'a + (!b)');
    assert.equal(printExpr(bin(':', bin('%in%', a, b), c)), '(a %in% b):c');
    assert.equal(printExpr(bin('|', bin('+', num('1'), x), bin('/', a, b))), '1 + x | a/b');
    assert.equal(printExpr(bin('+', a, bin('|', num('1'), b))), 'a + (1 | b)');
    assert.equal(printExpr(call('f', bin('|', a, b))), 'f(a | b)');
  });

  it('what it prints parses back to the tree it printed', () => {
    const trees = [bin('*', bin('+', n('a'), n('b')), n('c')), bin('^', un('-', n('x')), num('2')), un('!', bin('==', n('a'), str('"')))];
    for (const t of trees) {
      const back = parseFormula(`y ~ ${printExpr(t)}`);
      assert.equal(printExpr(back.rhs), printExpr(t));
    }
  });
});
