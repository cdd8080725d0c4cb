/**
 * The canonical printer: a formula AST back to formula text that our grammar (grammar.peggy)
 * parses to the same AST, spans aside. It differs from `deparse.ts`, which copies R's deparse
 * for labels and column names: here the goal is an exact round trip, so
 *
 * - numbers keep the text they were written with (`1e-3`, `0x1F`, `3L`);
 * - a name keeps its backquotes when it had them (`` `x` `` stays backquoted), and gets them
 *   when it is not a name the grammar reads bare;
 * - strings are double-quoted with `\\`, `\"`, `\n`, `\t`, `\r` and `\0` escaped;
 * - `**` prints as `^` (the parser makes both `^`);
 * - parentheses are printed where the tree has a paren node, and added only where the tree's
 *   shape needs them under the grammar's precedence (a tree the parser made never needs any).
 *
 * Layout: binary operators spaced (`a + b`, `x | g`), except the tight `:`, `^` and `/`
 * (`a:b`, `x^2`, `a/b`, as R writes them); call arguments separated by `, `; `y ~ rhs`, or
 * `~rhs` when one-sided.
 */
import { assert } from '../errors.js';
import type { BinaryOp, CallArg, Expr, Formula } from './ast.js';

/** Binding strength, loosest first, as grammar.peggy's rules nest. */
const enum Level {
  Or = 1, // | ||
  And, // & &&
  Not, // prefix !
  Compare, // == != < > <= >= (non-associative)
  Add, // + - (binary)
  Mul, // * /
  Special, // %in% %any%
  Colon, // :
  Sign, // prefix + -
  Power, // ^ (right associative; its base is a primary)
  Primary, // names, numbers, strings, calls, ( … )
}

function binaryLevel(op: BinaryOp): Level {
  switch (op) {
    case '|':
    case '||':
      return Level.Or;
    case '&':
    case '&&':
      return Level.And;
    case '==':
    case '!=':
    case '<':
    case '>':
    case '<=':
    case '>=':
      return Level.Compare;
    case '+':
    case '-':
      return Level.Add;
    case '*':
    case '/':
      return Level.Mul;
    case ':':
      return Level.Colon;
    case '^':
      return Level.Power;
    default:
      return Level.Special;
  }
}

function levelOf(e: Expr): Level {
  switch (e.kind) {
    case 'binary':
      return binaryLevel(e.op);
    case 'unary':
      return e.op === '!' ? Level.Not : Level.Sign;
    default:
      return Level.Primary;
  }
}

/** A name the grammar reads without backquotes: `("." !Digit / Letter) (Letter / Digit / [._])*`. */
const BARE_NAME = /^(?:\.(?![0-9])|[A-Za-z\u00C0-\uFFFF])[A-Za-z0-9._\u00C0-\uFFFF]*$/;

/** Number text as the grammar reads it (hex, or mantissa with optional exponent), `L` optional. */
const NUMBER_TEXT = /^(?:0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)L?$/;

/** Whether `name` can be written without backquotes. */
export function isBareName(name: string): boolean {
  return BARE_NAME.test(name);
}

function backquote(name: string): string {
  return '`' + name.replace(/[\\`]/g, (c) => `\\${c}`) + '`';
}

/** A name or function name: bare when it may be, else backquoted. */
function printName(name: string, backquoted: boolean): string {
  return !backquoted && isBareName(name) ? name : backquote(name);
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\0': '\\0',
};

function printString(value: string): string {
  return '"' + value.replace(/[\\"\n\t\r\0]/g, (c) => STRING_ESCAPES[c]) + '"';
}

function printNumber(e: Extract<Expr, { kind: 'number' }>): string {
  if (NUMBER_TEXT.test(e.text) && e.text.endsWith('L') === e.integer) {
    const digits = e.integer ? e.text.slice(0, -1) : e.text;
    if (Object.is(Number(digits), e.value)) return e.text;
  }
  // A hand-made node whose text does not match its value: print the value itself.
  assert(Number.isFinite(e.value) && e.value >= 0 && !Object.is(e.value, -0), `cannot print the number ${e.value} as formula text`);
  return `${String(e.value)}${e.integer ? 'L' : ''}`;
}

function printArg(a: CallArg): string {
  const value = printExpr(a.value);
  return a.name === null ? value : `${printName(a.name, false)} = ${value}`;
}

/** `e` printed where the grammar wants at least `min`: parenthesised when it binds looser. */
function operand(e: Expr, min: Level): string {
  const text = printExpr(e);
  return levelOf(e) >= min ? text : `(${text})`;
}

const TIGHT: ReadonlySet<BinaryOp> = new Set<BinaryOp>([':', '^', '/']);

function printBinary(e: Extract<Expr, { kind: 'binary' }>): string {
  const level = binaryLevel(e.op);
  let left: string;
  let right: string;
  if (level === Level.Power) {
    // The base is a primary; the exponent may carry signs (x^-1) and is right associative.
    left = operand(e.left, Level.Primary);
    right = operand(e.right, Level.Sign);
  } else if (level === Level.Compare) {
    // Comparisons do not chain: both sides are sums or tighter.
    left = operand(e.left, Level.Add);
    right = operand(e.right, Level.Add);
  } else {
    // Left associative: a right operand at the same level needs parentheses.
    left = operand(e.left, level);
    right = operand(e.right, level + 1);
  }
  return TIGHT.has(e.op) ? `${left}${e.op}${right}` : `${left} ${e.op} ${right}`;
}

/** One expression as formula text. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'name':
      return printName(e.name, e.backquoted);
    case 'number':
      return printNumber(e);
    case 'string':
      return printString(e.value);
    case 'call':
      return `${printName(e.fn, false)}(${e.args.map(printArg).join(', ')})`;
    case 'paren':
      return `(${printExpr(e.expr)})`;
    case 'unary':
      return e.op === '!' ? `!${operand(e.operand, Level.Not)}` : `${e.op}${operand(e.operand, Level.Sign)}`;
    case 'binary':
      return printBinary(e);
  }
}

/** A whole formula as text: `lhs ~ rhs`, or `~rhs` when it has no response. */
export function printFormula(f: Pick<Formula, 'lhs' | 'rhs'>): string {
  return f.lhs === null ? `~${printExpr(f.rhs)}` : `${printExpr(f.lhs)} ~ ${printExpr(f.rhs)}`;
}
