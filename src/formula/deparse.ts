/**
 * R's deparse of a formula expression: the text R uses for variable labels, term labels and
 * so model.matrix column names ("log(x)", "I(x/2 + 1)", "poly(x, 2)", "`my var`").
 */
import { formatRNumber } from '../util/rformat.js';
import type { Expr, Formula } from './ast.js';

const SYNTACTIC = /^((\.[A-Za-z._]|[A-Za-z])[A-Za-z0-9._]*|\.)$/;
const RESERVED = new Set([
  'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'in',
  'TRUE', 'FALSE', 'NULL', 'Inf', 'NaN', 'NA', 'NA_integer_', 'NA_real_', 'NA_character_',
]);

/** A name as R prints it: backquoted unless syntactic. */
export function deparseName(name: string, allowReserved = false): string {
  if (SYNTACTIC.test(name) && (allowReserved || !RESERVED.has(name))) return name;
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function deparseString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

/** Binary operators R deparses without surrounding spaces. */
const TIGHT = new Set(['/', '^', ':', '%%', '%/%']);

export function deparse(e: Expr): string {
  switch (e.kind) {
    case 'name':
      // TRUE/FALSE etc. written bare are constants, printed bare.
      return e.backquoted ? deparseName(e.name) : deparseName(e.name, true);
    case 'number':
      return e.integer ? `${formatRNumber(e.value)}L` : formatRNumber(e.value);
    case 'string':
      return deparseString(e.value);
    case 'call':
      return `${deparseName(e.fn, true)}(${e.args
        .map((a) => (a.name === null ? deparse(a.value) : `${deparseName(a.name)} = ${deparse(a.value)}`))
        .join(', ')})`;
    case 'binary':
      return TIGHT.has(e.op)
        ? `${deparse(e.left)}${e.op}${deparse(e.right)}`
        : `${deparse(e.left)} ${e.op} ${deparse(e.right)}`;
    case 'unary':
      return `${e.op}${deparse(e.operand)}`;
    case 'paren':
      return `(${deparse(e.expr)})`;
  }
}

export function deparseFormula(f: Formula): string {
  return f.lhs ? `${deparse(f.lhs)} ~ ${deparse(f.rhs)}` : `~${deparse(f.rhs)}`;
}
