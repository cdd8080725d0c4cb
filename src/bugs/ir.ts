/**
 * The compiled form of BUGS expressions: a small tree over value slots (every scalar of every
 * variable has a slot in one Float64Array), with data folded into constants at compile time.
 * The same tree is evaluated (through closures made once by `evaluator`) and analysed
 * (linearity in some slots, see linear.ts).
 */

export type BinOp = '+' | '-' | '*' | '/' | '^' | '>' | '>=' | '<' | '<=' | '==' | '!=' | '&&' | '||';

/** A scalar expression. */
export type IR =
  | { readonly t: 'const'; readonly v: number }
  | { readonly t: 'slot'; readonly s: number }
  | { readonly t: 'neg'; readonly a: IR }
  | { readonly t: 'not'; readonly a: IR }
  | { readonly t: 'bin'; readonly op: BinOp; readonly a: IR; readonly b: IR }
  | { readonly t: 'fn'; readonly f: string; readonly args: readonly IR[] }
  | { readonly t: 'agg'; readonly f: string; readonly args: readonly ArrIR[] };

/** An array-valued expression: column-major elements and extents. */
export interface ArrIR {
  readonly dim: readonly number[];
  readonly elems: readonly IR[];
}

/** Evaluates a scalar expression against the slot values. */
export type Evaluator = (v: Float64Array) => number;

export function constIR(v: number): IR {
  return { t: 'const', v };
}

export function isConst(ir: IR): ir is { t: 'const'; v: number } {
  return ir.t === 'const';
}

// ---------------------------------------------------------------------------------------------
// Scalar functions of scalars.

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function ilogit(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export interface ScalarFn {
  /** Number of arguments, or -1 for "one or more". */
  readonly arity: number;
  readonly f: (...args: number[]) => number;
}

import { pnorm, lgamma } from './math.js';
import { normalQuantile } from '../mcmc/rng.js';

export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFn> = new Map<string, ScalarFn>([
  ['pow', { arity: 2, f: (a, b) => Math.pow(a, b) }],
  ['sqrt', { arity: 1, f: Math.sqrt }],
  ['exp', { arity: 1, f: Math.exp }],
  ['log', { arity: 1, f: Math.log }],
  ['logit', { arity: 1, f: logit }],
  ['ilogit', { arity: 1, f: ilogit }],
  ['probit', { arity: 1, f: normalQuantile }],
  ['phi', { arity: 1, f: pnorm }],
  ['cloglog', { arity: 1, f: (p) => Math.log(-Math.log1p(-p)) }],
  ['icloglog', { arity: 1, f: (x) => -Math.expm1(-Math.exp(x)) }],
  ['abs', { arity: 1, f: Math.abs }],
  ['step', { arity: 1, f: (x) => (x >= 0 ? 1 : 0) }],
  ['equals', { arity: 2, f: (a, b) => (a === b ? 1 : 0) }],
  ['round', { arity: 1, f: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)) }],
  ['trunc', { arity: 1, f: Math.trunc }],
  ['loggam', { arity: 1, f: lgamma }],
  ['logfact', { arity: 1, f: (x) => lgamma(x + 1) }],
  ['ifelse', { arity: 3, f: (c, a, b) => (c ? a : b) }],
  ['sin', { arity: 1, f: Math.sin }],
  ['cos', { arity: 1, f: Math.cos }],
  ['tan', { arity: 1, f: Math.tan }],
]);

/** The inverse of each link function allowed on the left of `<-`. */
export const LINK_INVERSES: ReadonlyMap<string, string> = new Map([
  ['logit', 'ilogit'],
  ['log', 'exp'],
  ['probit', 'phi'],
  ['cloglog', 'icloglog'],
]);

/** Scalar-valued functions of arrays (scalars count as arrays of length 1). */
export const AGGREGATES: ReadonlyMap<string, { readonly arity: number }> = new Map([
  ['sum', { arity: 1 }],
  ['mean', { arity: 1 }],
  ['prod', { arity: 1 }],
  ['sd', { arity: 1 }],
  ['length', { arity: 1 }],
  ['inprod', { arity: 2 }],
  ['min', { arity: -1 }],
  ['max', { arity: -1 }],
]);

/** Array-valued functions (evaluated by a deterministic node of their own). */
export const ARRAY_FUNCTIONS: ReadonlySet<string> = new Set(['inverse', 't', '%*%']);

function binaryOp(op: BinOp): (a: number, b: number) => number {
  switch (op) {
    case '+': return (a, b) => a + b;
    case '-': return (a, b) => a - b;
    case '*': return (a, b) => a * b;
    case '/': return (a, b) => a / b;
    case '^': return Math.pow;
    case '>': return (a, b) => (a > b ? 1 : 0);
    case '>=': return (a, b) => (a >= b ? 1 : 0);
    case '<': return (a, b) => (a < b ? 1 : 0);
    case '<=': return (a, b) => (a <= b ? 1 : 0);
    case '==': return (a, b) => (a === b ? 1 : 0);
    case '!=': return (a, b) => (a !== b ? 1 : 0);
    case '&&': return (a, b) => (a && b ? 1 : 0);
    case '||': return (a, b) => (a || b ? 1 : 0);
  }
}

/** The value of an aggregate over already evaluated arrays. */
export function aggregate(f: string, args: readonly ArrayLike<number>[]): number {
  const x = args[0];
  switch (f) {
    case 'sum': {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i];
      return s;
    }
    case 'mean': {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i];
      return s / x.length;
    }
    case 'prod': {
      let s = 1;
      for (let i = 0; i < x.length; i++) s *= x[i];
      return s;
    }
    case 'sd': {
      let m = 0;
      for (let i = 0; i < x.length; i++) m += x[i];
      m /= x.length;
      let ss = 0;
      for (let i = 0; i < x.length; i++) ss += (x[i] - m) * (x[i] - m);
      return Math.sqrt(ss / (x.length - 1));
    }
    case 'length':
      return x.length;
    case 'inprod': {
      const y = args[1];
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * y[i];
      return s;
    }
    case 'min':
    case 'max': {
      let best = f === 'min' ? Infinity : -Infinity;
      for (const a of args) {
        for (let i = 0; i < a.length; i++) best = f === 'min' ? Math.min(best, a[i]) : Math.max(best, a[i]);
      }
      return best;
    }
    default:
      throw new Error(`unknown aggregate ${f}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Constant folding constructors.

export function neg(a: IR): IR {
  if (a.t === 'const') return constIR(-a.v);
  if (a.t === 'neg') return a.a;
  return { t: 'neg', a };
}

export function bin(op: BinOp, a: IR, b: IR): IR {
  if (a.t === 'const' && b.t === 'const') return constIR(binaryOp(op)(a.v, b.v));
  // Identities that keep the trees small (exact in floating point).
  if (op === '+' && a.t === 'const' && a.v === 0) return b;
  if ((op === '+' || op === '-') && b.t === 'const' && b.v === 0) return a;
  if (op === '*' && a.t === 'const' && a.v === 1) return b;
  if ((op === '*' || op === '/') && b.t === 'const' && b.v === 1) return a;
  if (op === '^' && b.t === 'const' && b.v === 1) return a;
  return { t: 'bin', op, a, b };
}

export function call(f: string, args: readonly IR[]): IR {
  if (args.every((a) => a.t === 'const')) {
    const fn = SCALAR_FUNCTIONS.get(f);
    if (fn) return constIR(fn.f(...args.map((a) => (a as { v: number }).v)));
  }
  return { t: 'fn', f, args };
}

export function agg(f: string, args: readonly ArrIR[]): IR {
  if (f === 'length') return constIR(args[0].elems.length);
  if (args.every((a) => a.elems.every((e) => e.t === 'const'))) {
    return constIR(aggregate(f, args.map((a) => a.elems.map((e) => (e as { v: number }).v))));
  }
  return { t: 'agg', f, args };
}

// ---------------------------------------------------------------------------------------------
// Closures.

/** A closure evaluating `ir` (made once; called many times). */
export function evaluator(ir: IR): Evaluator {
  switch (ir.t) {
    case 'const': {
      const c = ir.v;
      return () => c;
    }
    case 'slot': {
      const s = ir.s;
      return (v) => v[s];
    }
    case 'neg': {
      const a = evaluator(ir.a);
      return (v) => -a(v);
    }
    case 'not': {
      const a = evaluator(ir.a);
      return (v) => (a(v) ? 0 : 1);
    }
    case 'bin':
      return binaryEvaluator(ir.op, ir.a, ir.b);
    case 'fn': {
      const fn = SCALAR_FUNCTIONS.get(ir.f);
      if (!fn) throw new Error(`unknown function ${ir.f}`);
      const f = fn.f;
      const args = ir.args.map(evaluator);
      if (args.length === 1) {
        const a = args[0];
        return (v) => f(a(v));
      }
      if (args.length === 2) {
        const [a, b] = args;
        if (ir.f === 'pow' && ir.args[1].t === 'const') {
          const k = ir.args[1].v;
          if (k === 2) return (v) => { const x = a(v); return x * x; };
          if (k === -2) return (v) => { const x = a(v); return 1 / (x * x); };
          if (k === -1) return (v) => 1 / a(v);
          if (k === 0.5) return (v) => Math.sqrt(a(v));
        }
        return (v) => f(a(v), b(v));
      }
      const scratch = new Array<number>(args.length);
      return (v) => {
        for (let i = 0; i < args.length; i++) scratch[i] = args[i](v);
        return f(...scratch);
      };
    }
    case 'agg':
      return aggregateEvaluator(ir.f, ir.args);
  }
}

function binaryEvaluator(op: BinOp, ai: IR, bi: IR): Evaluator {
  // Specialised shapes for the commonest cases: slot ∘ slot, slot ∘ const, const ∘ slot.
  if (ai.t === 'slot' && bi.t === 'slot') {
    const s = ai.s;
    const t = bi.s;
    if (op === '+') return (v) => v[s] + v[t];
    if (op === '-') return (v) => v[s] - v[t];
    if (op === '*') return (v) => v[s] * v[t];
    if (op === '/') return (v) => v[s] / v[t];
  }
  if (ai.t === 'slot' && bi.t === 'const') {
    const s = ai.s;
    const c = bi.v;
    if (op === '+') return (v) => v[s] + c;
    if (op === '-') return (v) => v[s] - c;
    if (op === '*') return (v) => v[s] * c;
    if (op === '/') return (v) => v[s] / c;
    if (op === '^') {
      if (c === 2) return (v) => v[s] * v[s];
      if (c === -2) return (v) => 1 / (v[s] * v[s]);
      if (c === -1) return (v) => 1 / v[s];
    }
  }
  if (ai.t === 'const' && bi.t === 'slot') {
    const c = ai.v;
    const t = bi.s;
    if (op === '+') return (v) => c + v[t];
    if (op === '-') return (v) => c - v[t];
    if (op === '*') return (v) => c * v[t];
    if (op === '/') return (v) => c / v[t];
  }
  const a = evaluator(ai);
  const b = evaluator(bi);
  if (bi.t === 'const') {
    const c = bi.v;
    if (op === '+') return (v) => a(v) + c;
    if (op === '*') return (v) => a(v) * c;
    if (op === '^') {
      if (c === 2) return (v) => { const x = a(v); return x * x; };
      if (c === -2) return (v) => { const x = a(v); return 1 / (x * x); };
    }
  }
  if (ai.t === 'const') {
    const c = ai.v;
    if (op === '*') return (v) => c * b(v);
    if (op === '/') return (v) => c / b(v);
  }
  switch (op) {
    case '+': return (v) => a(v) + b(v);
    case '-': return (v) => a(v) - b(v);
    case '*': return (v) => a(v) * b(v);
    case '/': return (v) => a(v) / b(v);
    default: {
      const f = binaryOp(op);
      return (v) => f(a(v), b(v));
    }
  }
}

/** Slot indices when every element is a plain slot read, else null. */
export function slotsOf(arr: ArrIR): Int32Array | null {
  const out = new Int32Array(arr.elems.length);
  for (let i = 0; i < arr.elems.length; i++) {
    const e = arr.elems[i];
    if (e.t !== 'slot') return null;
    out[i] = e.s;
  }
  return out;
}

/** Fills `out` with the elements of an array expression. */
export type ArrayEvaluator = (v: Float64Array, out: Float64Array) => void;

export function arrayEvaluator(arr: ArrIR): ArrayEvaluator {
  const slots = slotsOf(arr);
  if (slots) {
    return (v, out) => {
      for (let i = 0; i < slots.length; i++) out[i] = v[slots[i]];
    };
  }
  const evs = arr.elems.map(evaluator);
  return (v, out) => {
    for (let i = 0; i < evs.length; i++) out[i] = evs[i](v);
  };
}

function aggregateEvaluator(f: string, args: readonly ArrIR[]): Evaluator {
  const slotArgs = args.map(slotsOf);
  if (f === 'sum' && slotArgs[0]) {
    const s = slotArgs[0];
    return (v) => {
      let acc = 0;
      for (let i = 0; i < s.length; i++) acc += v[s[i]];
      return acc;
    };
  }
  if (f === 'inprod' && slotArgs[0] && slotArgs[1]) {
    const s = slotArgs[0];
    const t = slotArgs[1];
    return (v) => {
      let acc = 0;
      for (let i = 0; i < s.length; i++) acc += v[s[i]] * v[t[i]];
      return acc;
    };
  }
  if (f === 'inprod') {
    const a = args[0].elems.map(evaluator);
    const b = args[1].elems.map(evaluator);
    return (v) => {
      let acc = 0;
      for (let i = 0; i < a.length; i++) acc += a[i](v) * b[i](v);
      return acc;
    };
  }
  const evs = args.map(arrayEvaluator);
  const bufs = args.map((a) => new Float64Array(a.elems.length));
  return (v) => {
    for (let i = 0; i < evs.length; i++) evs[i](v, bufs[i]);
    return aggregate(f, bufs);
  };
}

/** Every slot an expression reads. */
export function collectSlots(ir: IR, out: Set<number>): Set<number> {
  switch (ir.t) {
    case 'const':
      break;
    case 'slot':
      out.add(ir.s);
      break;
    case 'neg':
    case 'not':
      collectSlots(ir.a, out);
      break;
    case 'bin':
      collectSlots(ir.a, out);
      collectSlots(ir.b, out);
      break;
    case 'fn':
      for (const a of ir.args) collectSlots(a, out);
      break;
    case 'agg':
      for (const a of ir.args) for (const e of a.elems) collectSlots(e, out);
      break;
  }
  return out;
}
