/**
 * Fast evaluation of many expressions: recomputation of deterministic nodes, and batches of
 * expressions evaluated into a buffer (ExprProgram, used by the samplers for the
 * coefficients, offsets and precisions of their rows). Unrolled loops make many nodes with the same
 * expression up to slot indices and constants (y.hat[i] <- a[g[i]] + b[g[i]] * x[i] gives
 * v[s1] + v[s2] * c for every i). Each such shape is compiled once into a JavaScript loop
 * (new Function) over a table of slot indices and constants, so a run of same-shape nodes is
 * recomputed by one tight loop that writes straight into the value array: no closure call
 * and no boxed number per node. Nodes that do not fit (array functions, large aggregates)
 * fall back to their own compute().
 */
import type { CompiledModel, GraphNode } from './compile.js';
import { type Evaluator, type IR, SCALAR_FUNCTIONS, aggregate, evaluator } from './ir.js';

/** A generated loop: for j < n, dst[O[j]] = expression over v[S[…]] and C[…]. */
type Kernel = (v: Float64Array, S: Int32Array, C: Float64Array, O: Int32Array, n: number, dst: Float64Array) => void;

interface Segment {
  readonly kernel: Kernel | null;
  readonly S: Int32Array;
  readonly C: Float64Array;
  readonly O: Int32Array;
  readonly n: number;
  /** For fallback segments: the node to compute. */
  readonly node: GraphNode | null;
}

/** Helpers the generated code may call. */
const LIB: Record<string, (...args: number[]) => number> = {};
for (const [name, fn] of SCALAR_FUNCTIONS) LIB[name] = fn.f;
const AGG = (f: string, xs: number[]): number => aggregate(f, [xs]);

const cache = new Map<string, Kernel>();

/** Generated code for one expression, with its slots and constants in order; null if unsuited. */
interface Gen {
  code: string;
  slots: number[];
  consts: number[];
}

const MATH1 = new Set(['sqrt', 'exp', 'log', 'abs', 'sin', 'cos', 'tan', 'trunc']);
const MAX_INLINE = 64;

function genExpr(ir: IR, g: Gen): boolean {
  switch (ir.t) {
    case 'const':
      g.code += `C[c+${g.consts.length}]`;
      g.consts.push(ir.v);
      return true;
    case 'slot':
      g.code += `v[S[b+${g.slots.length}]]`;
      g.slots.push(ir.s);
      return true;
    case 'neg':
      g.code += '(-';
      if (!genExpr(ir.a, g)) return false;
      g.code += ')';
      return true;
    case 'not':
      g.code += '(';
      if (!genExpr(ir.a, g)) return false;
      g.code += '?0:1)';
      return true;
    case 'bin': {
      const op = ir.op;
      if (op === '^') return genPow(ir.a, ir.b, g);
      if (op === '+' || op === '-' || op === '*' || op === '/') {
        g.code += '(';
        if (!genExpr(ir.a, g)) return false;
        g.code += op;
        if (!genExpr(ir.b, g)) return false;
        g.code += ')';
        return true;
      }
      const js = op === '==' ? '===' : op === '!=' ? '!==' : op;
      g.code += '((';
      if (!genExpr(ir.a, g)) return false;
      g.code += `)${js}(`;
      if (!genExpr(ir.b, g)) return false;
      g.code += ')?1:0)';
      return true;
    }
    case 'fn': {
      if (ir.f === 'pow') return genPow(ir.args[0], ir.args[1], g);
      g.code += MATH1.has(ir.f) ? `Math.${ir.f}(` : `L[${JSON.stringify(ir.f)}](`;
      for (let i = 0; i < ir.args.length; i++) {
        if (i > 0) g.code += ',';
        if (!genExpr(ir.args[i], g)) return false;
      }
      g.code += ')';
      return true;
    }
    case 'agg': {
      const total = ir.args.reduce((s, a) => s + a.elems.length, 0);
      if (total > MAX_INLINE) return false;
      const f = ir.f;
      if (f === 'sum' || f === 'mean' || f === 'inprod') {
        g.code += '(';
        const x = ir.args[0].elems;
        if (x.length === 0) g.code += '0';
        for (let i = 0; i < x.length; i++) {
          if (i > 0) g.code += '+';
          if (f === 'inprod') {
            g.code += '(';
            if (!genExpr(x[i], g)) return false;
            g.code += '*';
            if (!genExpr(ir.args[1].elems[i], g)) return false;
            g.code += ')';
          } else if (!genExpr(x[i], g)) return false;
        }
        g.code += f === 'mean' ? `)/${x.length}` : ')';
        return true;
      }
      g.code += `A(${JSON.stringify(f)},[`;
      let first = true;
      for (const a of ir.args) {
        for (const e of a.elems) {
          if (!first) g.code += ',';
          first = false;
          if (!genExpr(e, g)) return false;
        }
      }
      g.code += '])';
      return f === 'min' || f === 'max' || ir.args.length === 1;
    }
  }
}

/** x^k, with squares and inverse squares of simple bases written out. */
function genPow(base: IR, exp: IR, g: Gen): boolean {
  if (exp.t === 'const' && (base.t === 'slot' || base.t === 'const')) {
    const k = exp.v;
    if (k === 2 || k === -2 || k === -1 || k === 1) {
      const b = base.t === 'slot' ? `v[S[b+${g.slots.length}]]` : `C[c+${g.consts.length}]`;
      if (base.t === 'slot') g.slots.push(base.s);
      else g.consts.push(base.v);
      g.code += k === 2 ? `(${b}*${b})` : k === -2 ? `(1/(${b}*${b}))` : k === -1 ? `(1/${b})` : b;
      return true;
    }
    if (k === 0.5) {
      g.code += 'Math.sqrt(';
      genExpr(base, g);
      g.code += ')';
      return true;
    }
  }
  g.code += 'Math.pow(';
  if (!genExpr(base, g)) return false;
  g.code += ',';
  if (!genExpr(exp, g)) return false;
  g.code += ')';
  return true;
}

function kernelFor(code: string, ns: number, nc: number): Kernel {
  const key = `${ns}|${nc}|${code}`;
  let k = cache.get(key);
  if (!k) {
    const src =
      `return function kernel(v, S, C, O, n, dst) {\n` +
      `  let b = 0, c = 0;\n` +
      `  for (let j = 0; j < n; j++) {\n` +
      `    dst[O[j]] = ${code};\n` +
      `    b += ${ns}; c += ${nc};\n` +
      `  }\n` +
      `};`;
    k = new Function('L', 'A', src)(LIB, AGG) as Kernel;
    cache.set(key, k);
  }
  return k;
}

/**
 * The nodes of a topologically ordered list regrouped so that runs of one shape are as long
 * as possible: each node gets its level (1 + the highest level of its parents in the list)
 * and the list is ordered by level, then by relation (its location in the model file), then
 * by the original order. Nodes of one level do not read each other, so any order among them
 * is topological; unrolled loops that define several variables (a[j] <- …; b[j] <- …) then
 * give one run per variable instead of alternating single nodes.
 */
function levelOrder(model: CompiledModel, ids: ArrayLike<number>): number[] {
  const level = new Map<number, number>();
  const list = Array.from(ids);
  for (const id of list) {
    let l = 0;
    for (const p of model.nodes[id].parents) {
      const pl = level.get(p);
      if (pl !== undefined && pl + 1 > l) l = pl + 1;
    }
    level.set(id, l);
  }
  const rank = new Map<number, number>();
  list.forEach((id, i) => rank.set(id, i));
  const where = (id: number) => model.nodes[id].loc.start;
  return list.sort((a, b) => level.get(a)! - level.get(b)! || where(a) - where(b) || rank.get(a)! - rank.get(b)!);
}

/** Recomputes a fixed list of deterministic nodes (in topological order). */
export class RefreshProgram {
  private readonly segments: readonly Segment[];
  /** Number of nodes (for tests). */
  readonly size: number;

  constructor(model: CompiledModel, idsInOrder: ArrayLike<number>) {
    const ids = levelOrder(model, idsInOrder);
    const segs: Segment[] = [];
    let cur: { code: string; ns: number; nc: number; S: number[]; C: number[]; O: number[] } | null = null;
    const flush = () => {
      if (!cur) return;
      segs.push({
        kernel: kernelFor(cur.code, cur.ns, cur.nc),
        S: Int32Array.from(cur.S),
        C: Float64Array.from(cur.C),
        O: Int32Array.from(cur.O),
        n: cur.O.length,
        node: null,
      });
      cur = null;
    };
    for (let i = 0; i < ids.length; i++) {
      const node = model.nodes[ids[i]];
      if (node.kind !== 'deterministic') continue;
      let gens: Gen[] | null = null;
      if (node.irs) {
        gens = [];
        for (const ir of node.irs) {
          const g: Gen = { code: '', slots: [], consts: [] };
          if (!genExpr(ir, g)) {
            gens = null;
            break;
          }
          gens.push(g);
        }
      }
      if (!gens) {
        flush();
        segs.push({ kernel: null, S: new Int32Array(0), C: new Float64Array(0), O: new Int32Array(0), n: 0, node });
        continue;
      }
      gens.forEach((g, e) => {
        if (!cur || cur.code !== g.code) {
          flush();
          cur = { code: g.code, ns: g.slots.length, nc: g.consts.length, S: [], C: [], O: [] };
        }
        cur.S.push(...g.slots);
        cur.C.push(...g.consts);
        cur.O.push(node.slots[e]);
      });
    }
    flush();
    this.segments = segs;
    this.size = ids.length;
  }

  run(v: Float64Array): void {
    const segs = this.segments;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      if (s.kernel) s.kernel(v, s.S, s.C, s.O, s.n, v);
      else if (s.node && s.node.kind === 'deterministic') s.node.compute(v);
    }
  }
}

interface ExprSegment {
  readonly kernel: Kernel;
  readonly S: Int32Array;
  readonly C: Float64Array;
  readonly O: Int32Array;
  readonly n: number;
}

/**
 * Evaluates a fixed list of expressions into a buffer: `run(v, out)` sets out[at[i]] to the
 * value of exprs[i]. Constant expressions are written once, by `fill(out)`, and skipped by
 * `run`. Runs of expressions of the same shape (the same tree up to slots and constants)
 * become one generated loop, as in RefreshProgram; the rare expression that cannot be
 * generated is evaluated through its closure.
 */
export class ExprProgram {
  private readonly segments: readonly ExprSegment[];
  private readonly fallbackAt: Int32Array;
  private readonly fallback: readonly Evaluator[];
  private readonly constAt: Int32Array;
  private readonly constValue: Float64Array;
  /** Number of expressions that are not constant. */
  readonly size: number;

  constructor(exprs: readonly IR[], at?: ArrayLike<number>) {
    const segs: ExprSegment[] = [];
    const fbAt: number[] = [];
    const fb: Evaluator[] = [];
    const cAt: number[] = [];
    const cVal: number[] = [];
    // The expressions are independent, so all of one shape share a loop, whatever their order.
    const byShape = new Map<string, { ns: number; nc: number; S: number[]; C: number[]; O: number[] }>();
    let size = 0;
    exprs.forEach((ir, i) => {
      const o = at ? at[i] : i;
      if (ir.t === 'const') {
        cAt.push(o);
        cVal.push(ir.v);
        return;
      }
      size++;
      const g: Gen = { code: '', slots: [], consts: [] };
      if (!genExpr(ir, g)) {
        fbAt.push(o);
        fb.push(evaluator(ir));
        return;
      }
      let cur = byShape.get(g.code);
      if (!cur) byShape.set(g.code, (cur = { ns: g.slots.length, nc: g.consts.length, S: [], C: [], O: [] }));
      for (const x of g.slots) cur.S.push(x);
      for (const x of g.consts) cur.C.push(x);
      cur.O.push(o);
    });
    for (const [code, cur] of byShape) {
      segs.push({ kernel: kernelFor(code, cur.ns, cur.nc), S: Int32Array.from(cur.S), C: Float64Array.from(cur.C), O: Int32Array.from(cur.O), n: cur.O.length });
    }
    this.segments = segs;
    this.fallbackAt = Int32Array.from(fbAt);
    this.fallback = fb;
    this.constAt = Int32Array.from(cAt);
    this.constValue = Float64Array.from(cVal);
    this.size = size;
  }

  /** Writes the constant expressions' values. */
  fill(out: Float64Array): void {
    for (let i = 0; i < this.constAt.length; i++) out[this.constAt[i]] = this.constValue[i];
  }

  /** Writes the values of the other expressions at the current slot values. */
  run(v: Float64Array, out: Float64Array): void {
    const segs = this.segments;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      s.kernel(v, s.S, s.C, s.O, s.n, out);
    }
    const fb = this.fallback;
    for (let i = 0; i < fb.length; i++) out[this.fallbackAt[i]] = fb[i](v);
  }
}
