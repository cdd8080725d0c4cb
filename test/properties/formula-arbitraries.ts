/**
 * fast-check generators for formulas: token soups (mostly-formula text, to reach deep into the
 * grammar) and arbitrary ASTs built directly (to check the canonical printer on shapes no
 * fixture has).
 */
import fc from 'fast-check';
import type { BinaryOp, CallArg, Expr, Formula, UnaryOp } from '../../src/formula/ast.js';

const NO_SPAN = { start: 0, end: 0 } as const;

/** Pieces of formula text, valid and invalid, that random strings rarely produce. */
export const FORMULA_TOKENS: readonly string[] = [
  'y', 'x', 'z', 'g', 'h', 'f', 'Days', 'Subject', 'log(y)', '.', '`my var`', '`a``', 'x.1', '_x', 'é', '名',
  ' ', ' ', '\t', '\n', '~', '~', '+', '+', '-', '*', '/', ':', '^', '**', '|', '||', '&', '&&', '!', '==', '<=', '>', '%in%', '%%', '%o%', '%',
  '(', '(', ')', ')', ',', '=', '0', '1', '2', '-1', '+0', '1e-3', '1e', '2.5E+2', '.5', '3L', '0x1F', '1e999', '"s"', "'t'", '"', "'", '`', '\\',
  'I(', 'log(', 'exp(', 'sqrt(', 'abs(', 'scale(', 'factor(', 'as.numeric(', 'poly(', 'offset(', 'cbind(', 'ns(',
  '(1 | g)', '(x | g)', '(0 + x | g)', '(x || g)', '(1 | g/h)', '(1 | g:h)', 'degree = 2', 'TRUE', 'NA', 'Inf', '[', '$', '{', ';', '#',
];

/** Text assembled from formula tokens. */
export function tokenSoup(maxTokens = 30): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...FORMULA_TOKENS), { maxLength: maxTokens }).map((ts) => ts.join(''));
}

/**
 * Operands and operators in turn, with parentheses now and then: mostly-grammatical text, so
 * that a good share of it parses (the printer's round trip needs accepted formulas).
 */
export function grammaticalSoup(): fc.Arbitrary<string> {
  const operand = fc.constantFrom(
    'y', 'x', '`my var`', '`a\\`b`', 'é', '.', '1', '0', '2.5e-3', '0x1F', '3L', '"s\\n"', "'q'", 'log(x)', 'poly(x, degree = 2)', 'f()',
    'I(x^-1)', '(1 | g)', '(x || g/h)', '-1', '!x', 'TRUE', '`f`(x, "n" = 1)',
  );
  const operator = fc.constantFrom(' + ', '-', '*', ' / ', ':', '^', '**', ' | ', '||', ' & ', '&&', ' == ', '<', ' >= ', ' %in% ', '%o p%', ' %% ');
  const side = fc
    .tuple(operand, fc.array(fc.tuple(operator, fc.constantFrom('', '-', '+', '!', '('), operand, fc.constantFrom('', ')')), { maxLength: 5 }))
    .map(([head, tail]) => {
      let s = head;
      let open = 0;
      for (const [op, prefix, x, close] of tail) {
        s += op + prefix + x;
        if (prefix === '(') open++;
        if (close && open > 0) {
          s += close;
          open--;
        }
      }
      return s + ')'.repeat(open);
    });
  return fc.tuple(fc.option(side, { nil: null }), side).map(([l, r]) => (l === null ? `~ ${r}` : `${l} ~ ${r}`));
}

/** Any string: code units (lone surrogates too), control characters, long runs. */
export function anyText(maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength }),
    fc.tuple(fc.constantFrom('(', '-', '!', 'log(', 'x + ', 'x^', '+'), fc.integer({ min: 100, max: 3000 })).map(
      ([unit, n]) => `y ~ ${unit.repeat(n)}x`,
    ),
  );
}

// -------------------------------------------------------------------------------------
// Arbitrary ASTs

/** Names the grammar reads bare (ASCII, a leading dot, or letters from U+00C0 up). */
const bareName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('y', 'x', 'g', 'grp', 'Days', 'TRUE', 'NA', 'Inf', 'L', 'e', 'x.1', 'a_b', '.', '.x', '..', 'é', 'ßx', '名前', 'Ω1') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9._]{0,6}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^\.[A-Za-z._][A-Za-z0-9._]{0,4}$/) },
);

/** Anything at all, written with backquotes. */
const anyName = fc.string({ unit: 'binary', maxLength: 8 });

const nameExpr: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 4, arbitrary: bareName.map((name) => ({ kind: 'name' as const, name, backquoted: false, span: NO_SPAN })) },
  { weight: 1, arbitrary: fc.oneof(bareName, anyName).map((name) => ({ kind: 'name' as const, name, backquoted: true, span: NO_SPAN })) },
);

const numberText = fc.oneof(
  fc.constantFrom('0', '1', '2', '10', '0.5', '.5', '1.', '1e-3', '2.5E+2', '1e999', '0x1F', '0XaB', '007', '3L', '0L', '1e5L'),
  fc.stringMatching(/^(?:0[xX][0-9a-fA-F]{1,6}|(?:[0-9]{1,5}(?:\.[0-9]{0,4})?|\.[0-9]{1,4})(?:[eE][+-]?[0-9]{1,3})?)L?$/),
);

const numberExpr: fc.Arbitrary<Expr> = numberText.map((text) => {
  const integer = text.endsWith('L');
  return { kind: 'number' as const, value: Number(integer ? text.slice(0, -1) : text), integer, text, span: NO_SPAN };
});

const stringExpr: fc.Arbitrary<Expr> = fc.string({ unit: 'binary', maxLength: 8 }).map((value) => ({ kind: 'string' as const, value, span: NO_SPAN }));

const leaf: fc.Arbitrary<Expr> = fc.oneof({ weight: 6, arbitrary: nameExpr }, { weight: 3, arbitrary: numberExpr }, { weight: 1, arbitrary: stringExpr });

const BINARY_OPS: readonly BinaryOp[] = ['+', '-', '*', '/', '^', ':', '|', '||', '==', '!=', '<', '>', '<=', '>=', '&', '&&', '%in%', '%%', '%/%'];
const binaryOp: fc.Arbitrary<BinaryOp> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...BINARY_OPS) },
  { weight: 1, arbitrary: fc.stringMatching(/^%[^%\n]{0,4}%$/).map((s) => s as BinaryOp) },
);
const unaryOp: fc.Arbitrary<UnaryOp> = fc.constantFrom('-', '+', '!');

const fnName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('I', 'log', 'exp', 'sqrt', 'abs', 'scale', 'factor', 'as.numeric', 'poly', 'offset', 'f') },
  { weight: 1, arbitrary: bareName },
  { weight: 1, arbitrary: anyName },
);

/**
 * Expression trees of any shape: operators nested regardless of precedence (the printer must
 * add parentheses), explicit paren nodes, calls with positional and named arguments.
 */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 6 },
    { weight: 5, arbitrary: leaf },
    {
      weight: 4,
      arbitrary: fc.record({ op: binaryOp, left: tie('expr'), right: tie('expr') }).map(
        ({ op, left, right }) => ({ kind: 'binary' as const, op, opSpan: NO_SPAN, left, right, span: NO_SPAN }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: unaryOp, operand: tie('expr') }).map(({ op, operand }) => ({ kind: 'unary' as const, op, operand, span: NO_SPAN })),
    },
    { weight: 1, arbitrary: tie('expr').map((expr) => ({ kind: 'paren' as const, expr, span: NO_SPAN })) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          fn: fnName,
          args: fc.array(
            fc.record({ name: fc.option(fc.oneof(bareName, anyName), { nil: null, freq: 3 }), value: tie('expr') }).map(
              ({ name, value }): CallArg => ({ name, value, span: NO_SPAN }),
            ),
            { maxLength: 3 },
          ),
        })
        .map(({ fn, args }) => ({ kind: 'call' as const, fn, fnSpan: NO_SPAN, args, span: NO_SPAN })),
    },
  ),
})).expr;

/** Formulas from arbitrary trees, with and without a response. */
export const formulaArb: fc.Arbitrary<Pick<Formula, 'lhs' | 'rhs'>> = fc.record({
  lhs: fc.option(exprArb, { nil: null, freq: 5 }),
  rhs: exprArb,
});

/**
 * Formulas shaped like lme4 models (response ~ fixed terms + random bars), built as text from
 * a small vocabulary so that many of them expand and evaluate.
 */
export const modelFormulaArb: fc.Arbitrary<string> = (() => {
  const variable = fc.constantFrom('x', 'z', 'f', 'h', 'b', 'log(z)', 'I(x^2)', 'factor(h)', 'scale(x)', 'poly(x, 2)', '`my var`', 'x:f', 'f*x', 'offset(z)');
  const fixed = fc.array(variable, { minLength: 0, maxLength: 4 }).chain((vs) =>
    fc.constantFrom('', '1 + ', '0 + ', '-1 + ').map((intercept) => intercept + (vs.length > 0 ? vs.join(' + ') : '1')),
  );
  const lhs = fc.constantFrom('1', 'x', '0 + x', '1 + x', 'f', 'x + z', '0 + f');
  const group = fc.constantFrom('g', 'h', 'f', 'g/h', 'g:h', 'g:f', 'b');
  const bar = fc.tuple(lhs, fc.constantFrom('|', '||'), group).map(([l, op, g]) => `(${l} ${op} ${g})`);
  const response = fc.constantFrom('y', 'log(y)', 'I(y/10)', 'sqrt(y)', 'x', 'f', 'cbind(y, x)');
  return fc
    .tuple(response, fixed, fc.array(bar, { minLength: 0, maxLength: 3 }))
    .map(([r, f, bars]) => `${r} ~ ${[f, ...bars].join(' + ')}`);
})();
