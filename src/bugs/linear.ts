/**
 * Linear-Gaussian structure: which normal nodes can be drawn together from their joint full
 * conditional, and the rows of that conditional.
 *
 * A set B of unobserved, untruncated dnorm / dmnorm nodes forms Gaussian blocks when every
 * stochastic node that reads B (B's own members included) is a normal node whose mean is an
 * affine function of B's values (coefficients and offsets may depend on anything outside B)
 * and whose precision does not depend on B. Each such node is a "row":
 *
 *   residual e = value − mean = d − Σ_k g_k θ_k,   log density = −½ e' Ω e + const,
 *
 * so the conditional of θ is normal with precision Σ G'ΩG and linear term Σ G'Ω d. B starts
 * as every candidate and loses the nodes that break the rule until nothing changes; it is
 * then split into connected components, one block sampler each.
 *
 * The affine analysis works on the compiled expression trees, looking through scalar and
 * elementwise deterministic nodes (y.hat[i] <- a[g[i]] + b[g[i]] * x[i]).
 */
import type { CompiledModel, StochasticNode } from './compile.js';
import { type ArrIR, type IR, bin, collectSlots, constIR, neg } from './ir.js';

export interface Term {
  /** Index of the block variable. */
  readonly k: number;
  readonly coef: IR;
}

export interface Affine {
  readonly c: IR;
  /** Sorted by k, unique. */
  readonly terms: readonly Term[];
}

/** One normal node's contribution: e = d − Σ g θ with precision prec. */
export interface ScalarRow {
  readonly kind: 'scalar';
  readonly node: number;
  readonly d: IR;
  readonly g: readonly Term[];
  readonly prec: IR;
}

/** A dmnorm node's contribution: e (q-vector) = d − G θ with precision matrix prec (q×q). */
export interface VectorRow {
  readonly kind: 'vector';
  readonly node: number;
  readonly q: number;
  readonly d: readonly IR[];
  readonly g: readonly (readonly Term[])[];
  readonly prec: ArrIR;
}

export type Row = ScalarRow | VectorRow;

export interface BlockSpec {
  /** Slots of the block's variables (index k ↔ vars[k]). */
  readonly vars: Int32Array;
  /** The stochastic nodes whose values are the variables. */
  readonly nodes: readonly number[];
  readonly rows: readonly Row[];
}

const ZERO = constIR(0);
const ONE = constIR(1);

/** Affine analysis of expressions in a set of variables (slots). */
export class Linearity {
  private readonly memo = new Map<number, Affine | null>();

  constructor(
    private readonly model: CompiledModel,
    /** slot → variable index */
    private readonly varOf: ReadonlyMap<number, number>,
    /** per node id: 1 if a deterministic node depends on some variable */
    private readonly dependent: Uint8Array,
  ) {}

  /** Does the value of slot s change with the variables? */
  slotDepends(s: number): boolean {
    if (this.varOf.has(s)) return true;
    const o = this.model.owner[s];
    return o >= 0 && this.dependent[o] === 1;
  }

  depends(ir: IR): boolean {
    switch (ir.t) {
      case 'const':
        return false;
      case 'slot':
        return this.slotDepends(ir.s);
      case 'neg':
      case 'not':
        return this.depends(ir.a);
      case 'bin':
        return this.depends(ir.a) || this.depends(ir.b);
      case 'fn':
        return ir.args.some((a) => this.depends(a));
      case 'agg':
        return ir.args.some((a) => a.elems.some((e) => this.depends(e)));
    }
  }

  affine(ir: IR): Affine | null {
    switch (ir.t) {
      case 'const':
        return { c: ir, terms: [] };
      case 'slot':
        return this.affineSlot(ir);
      case 'neg': {
        const a = this.affine(ir.a);
        return a && scale(a, constIR(-1));
      }
      case 'bin': {
        if (!this.depends(ir)) return { c: ir, terms: [] };
        const op = ir.op;
        if (op === '+' || op === '-') {
          const a = this.affine(ir.a);
          const b = a && this.affine(ir.b);
          return b && add(a!, op === '+' ? b : scale(b, constIR(-1)));
        }
        if (op === '*') {
          const a = this.affine(ir.a);
          const b = a && this.affine(ir.b);
          if (!a || !b) return null;
          if (a.terms.length === 0) return scale(b, a.c);
          if (b.terms.length === 0) return scale(a, b.c);
          return null;
        }
        if (op === '/') {
          if (this.depends(ir.b)) return null;
          const a = this.affine(ir.a);
          return a && divide(a, ir.b);
        }
        return null;
      }
      case 'agg': {
        if (!this.depends(ir)) return { c: ir, terms: [] };
        if (ir.f === 'sum' || ir.f === 'mean') {
          let acc: Affine = { c: ZERO, terms: [] };
          for (const e of ir.args[0].elems) {
            const a = this.affine(e);
            if (!a) return null;
            acc = add(acc, a);
          }
          return ir.f === 'mean' ? divide(acc, constIR(ir.args[0].elems.length)) : acc;
        }
        if (ir.f === 'inprod') {
          let acc: Affine = { c: ZERO, terms: [] };
          const [x, y] = ir.args;
          for (let i = 0; i < x.elems.length; i++) {
            const a = this.affine(x.elems[i]);
            const b = a && this.affine(y.elems[i]);
            if (!a || !b) return null;
            if (a.terms.length === 0) acc = add(acc, scale(b, a.c));
            else if (b.terms.length === 0) acc = add(acc, scale(a, b.c));
            else return null;
          }
          return acc;
        }
        return null;
      }
      default:
        return this.depends(ir) ? null : { c: ir, terms: [] };
    }
  }

  private affineSlot(ir: { t: 'slot'; s: number }): Affine | null {
    const s = ir.s;
    const k = this.varOf.get(s);
    if (k !== undefined) return { c: ZERO, terms: [{ k, coef: ONE }] };
    const o = this.model.owner[s];
    if (o < 0 || this.dependent[o] !== 1) return { c: ir, terms: [] };
    if (this.memo.has(s)) return this.memo.get(s)!;
    const node = this.model.nodes[o];
    let result: Affine | null = null;
    if (node.kind === 'deterministic' && node.irs) {
      const idx = node.slots.indexOf(s);
      result = this.affine(node.irs[idx]);
    }
    this.memo.set(s, result);
    return result;
  }

  /** The variable indices an expression depends on (through deterministic nodes). */
  varsOf(ir: IR, out: Set<number>): Set<number> {
    const slots = collectSlots(ir, new Set());
    for (const s of slots) this.varsOfSlot(s, out, new Set());
    return out;
  }

  private varsOfSlot(s: number, out: Set<number>, seen: Set<number>): void {
    const k = this.varOf.get(s);
    if (k !== undefined) {
      out.add(k);
      return;
    }
    const o = this.model.owner[s];
    if (o < 0 || this.dependent[o] !== 1 || seen.has(o)) return;
    seen.add(o);
    const node = this.model.nodes[o];
    if (node.kind !== 'deterministic') return;
    if (node.irs) {
      for (const e of node.irs) for (const t of collectSlots(e, new Set())) this.varsOfSlot(t, out, seen);
    } else {
      // An array function: read its parents.
      for (const p of node.parents) for (const t of this.model.nodes[p].slots) this.varsOfSlot(t, out, seen);
    }
  }
}

function add(a: Affine, b: Affine): Affine {
  const c = bin('+', a.c, b.c);
  if (b.terms.length === 0) return { c, terms: a.terms };
  if (a.terms.length === 0) return { c, terms: b.terms };
  const map = new Map<number, IR>();
  for (const t of a.terms) map.set(t.k, t.coef);
  for (const t of b.terms) {
    const prev = map.get(t.k);
    map.set(t.k, prev ? bin('+', prev, t.coef) : t.coef);
  }
  return { c, terms: [...map.entries()].sort((x, y) => x[0] - y[0]).map(([k, coef]) => ({ k, coef })) };
}

/** Is the expression the constant 0 (a zero offset stays zero when scaled: 0 · x = 0 for the finite values of the model)? */
function isZero(ir: IR): boolean {
  return ir.t === 'const' && ir.v === 0;
}

function scale(a: Affine, f: IR): Affine {
  if (f.t === 'const' && f.v === -1) return { c: neg(a.c), terms: a.terms.map((t) => ({ k: t.k, coef: neg(t.coef) })) };
  return { c: isZero(a.c) ? ZERO : bin('*', a.c, f), terms: a.terms.map((t) => ({ k: t.k, coef: bin('*', t.coef, f) })) };
}

function divide(a: Affine, f: IR): Affine {
  return { c: isZero(a.c) ? ZERO : bin('/', a.c, f), terms: a.terms.map((t) => ({ k: t.k, coef: bin('/', t.coef, f) })) };
}

/** Is this node a candidate member of a Gaussian block? */
function isCandidate(n: StochasticNode): boolean {
  return !n.observed && n.bounds === null && (n.dist.name === 'dnorm' || n.dist.name === 'dmnorm');
}

/** Can this node be a row (a normal node whose mean may be affine in the block)? */
function isNormalRow(n: StochasticNode): boolean {
  return n.bounds === null && (n.dist.name === 'dnorm' || n.dist.name === 'dmnorm');
}

/** Which deterministic nodes depend on the given stochastic nodes (forward in topological order). */
function dependentDet(model: CompiledModel, members: ReadonlySet<number>): Uint8Array {
  const dep = new Uint8Array(model.nodes.length);
  for (const id of model.order) {
    const node = model.nodes[id];
    if (node.kind !== 'deterministic') continue;
    for (const p of node.parents) {
      if (members.has(p) || dep[p] === 1) {
        dep[id] = 1;
        break;
      }
    }
  }
  return dep;
}

/**
 * The Gaussian blocks of a model: the largest set of candidate nodes satisfying the rule,
 * split into connected components. `exclude` lists nodes that must not be block members.
 */
export function findGaussianBlocks(model: CompiledModel, exclude: ReadonlySet<number> = new Set()): BlockSpec[] {
  const members = new Set<number>();
  for (const node of model.nodes) {
    if (node.kind === 'stochastic' && isCandidate(node) && !exclude.has(node.id)) members.add(node.id);
  }
  for (let round = 0; round < 1000 && members.size > 0; round++) {
    const { removed, rows, varOf, slots } = analyse(model, members);
    if (removed.size === 0) return components(model, members, rows, varOf, slots);
    for (const id of removed) members.delete(id);
  }
  return [];
}

function analyse(
  model: CompiledModel,
  members: ReadonlySet<number>,
  ownRows: 'all' | 'normal-only' | 'none' = 'all',
): { removed: Set<number>; rows: Row[]; varOf: Map<number, number>; slots: number[] } {
  const varOf = new Map<number, number>();
  const slots: number[] = [];
  const nodeOfVar: number[] = [];
  for (const id of [...members].sort((a, b) => a - b)) {
    for (const s of model.nodes[id].slots) {
      varOf.set(s, slots.length);
      slots.push(s);
      nodeOfVar.push(id);
    }
  }
  const lin = new Linearity(model, varOf, dependentDet(model, members));
  const removed = new Set<number>();
  const removeVars = (ks: Iterable<number>) => {
    for (const k of ks) removed.add(nodeOfVar[k]);
  };
  // Every stochastic node reading the members, and the members themselves.
  const affected = new Set<number>(ownRows === 'none' ? [] : members);
  for (const id of members) for (const c of (model.nodes[id] as StochasticNode).stochChildren) if (ownRows !== 'none' || !members.has(c)) affected.add(c);
  const rows: Row[] = [];
  for (const id of [...affected].sort((a, b) => a - b)) {
    const node = model.nodes[id] as StochasticNode;
    const inBlock = members.has(id);
    if (!isNormalRow(node)) {
      if (inBlock && ownRows === 'normal-only') {
        // The member's own prior is handled by the caller; its parameters must not read the members.
        let reads = false;
        for (const p of node.params) {
          if (p.kind === 'scalar') reads ||= lin.depends(p.ir);
          else reads ||= p.arr.elems.some((e) => lin.depends(e));
        }
        if (!reads) continue;
      }
      for (const p of node.params) {
        if (p.kind === 'scalar') removeVars(lin.varsOf(p.ir, new Set()));
        else for (const e of p.arr.elems) removeVars(lin.varsOf(e, new Set()));
      }
      if (node.bounds?.lower) removeVars(lin.varsOf(node.bounds.lower, new Set()));
      if (node.bounds?.upper) removeVars(lin.varsOf(node.bounds.upper, new Set()));
      if (inBlock) removed.add(id);
      continue;
    }
    if (node.dist.name === 'dnorm') {
      const mean = (node.params[0] as { ir: IR }).ir;
      const prec = (node.params[1] as { ir: IR }).ir;
      if (lin.depends(prec)) {
        removeVars(lin.varsOf(prec, new Set()));
        continue;
      }
      const m = lin.affine(mean);
      if (!m) {
        removeVars(lin.varsOf(mean, new Set()));
        continue;
      }
      const value: Affine = inBlock
        ? { c: ZERO, terms: [{ k: varOf.get(node.slots[0])!, coef: ONE }] }
        : { c: valueIR(model, node.slots[0]), terms: [] };
      rows.push(scalarRow(id, value, m, prec));
      continue;
    }
    // dmnorm
    const mean = (node.params[0] as { arr: ArrIR }).arr;
    const prec = (node.params[1] as { arr: ArrIR }).arr;
    if (prec.elems.some((e) => lin.depends(e))) {
      for (const e of prec.elems) removeVars(lin.varsOf(e, new Set()));
      continue;
    }
    const forms = mean.elems.map((e) => lin.affine(e));
    if (forms.some((f) => f === null)) {
      // Only the variables of the elements that are not affine leave the block.
      mean.elems.forEach((e, i) => {
        if (forms[i] === null) removeVars(lin.varsOf(e, new Set()));
      });
      continue;
    }
    const q = node.slots.length;
    const d: IR[] = [];
    const g: Term[][] = [];
    for (let i = 0; i < q; i++) {
      const value: Affine = inBlock
        ? { c: ZERO, terms: [{ k: varOf.get(node.slots[i])!, coef: ONE }] }
        : { c: valueIR(model, node.slots[i]), terms: [] };
      const r = scalarRow(id, value, forms[i]!, ZERO);
      d.push(r.d);
      g.push([...r.g]);
    }
    rows.push({ kind: 'vector', node: id, q, d, g, prec });
  }
  return { removed, rows, varOf, slots };
}

/**
 * The rows of the joint conditional of `members` (nodes held as variables), or null when some
 * node reading them is not a normal row that is linear in them. `ownRows`: 'all' includes
 * the members' own priors as rows (they must be normal); 'normal-only' includes them when they
 * are normal and otherwise leaves them to the caller; 'none' leaves all of them out.
 */
export function rowsFor(
  model: CompiledModel,
  members: readonly number[],
  ownRows: 'all' | 'normal-only' | 'none',
): { rows: Row[]; vars: Int32Array; lin: Linearity } | null {
  const set = new Set(members);
  const r = analyse(model, set, ownRows);
  if (r.removed.size > 0) return null;
  const lin = new Linearity(model, r.varOf, dependentDet(model, set));
  return { rows: r.rows, vars: Int32Array.from(r.slots), lin };
}

/** The value of an observed or outside node: its slot (a constant once observed). */
function valueIR(model: CompiledModel, s: number): IR {
  const x = model.initial[s];
  return Number.isNaN(x) ? { t: 'slot', s } : constIR(x);
}

/** e = value − mean = d − Σ g θ. */
function scalarRow(node: number, value: Affine, mean: Affine, prec: IR): ScalarRow {
  const d = bin('-', value.c, mean.c);
  const map = new Map<number, IR>();
  for (const t of mean.terms) map.set(t.k, t.coef);
  for (const t of value.terms) {
    const prev = map.get(t.k);
    map.set(t.k, prev ? bin('-', prev, t.coef) : neg(t.coef));
  }
  const g = [...map.entries()]
    .filter(([, coef]) => !(coef.t === 'const' && coef.v === 0))
    .sort((x, y) => x[0] - y[0])
    .map(([k, coef]) => ({ k, coef }));
  return { kind: 'scalar', node, d, g, prec };
}

/** Splits the block into connected components, re-indexing variables within each. */
function components(model: CompiledModel, members: ReadonlySet<number>, rows: readonly Row[], varOf: Map<number, number>, slots: readonly number[]): BlockSpec[] {
  const n = slots.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const rowVars = (r: Row): number[] => (r.kind === 'scalar' ? r.g.map((t) => t.k) : r.g.flatMap((ts) => ts.map((t) => t.k)));
  // Elements of one dmnorm node belong together.
  for (const id of members) {
    const ss = model.nodes[id].slots;
    for (let i = 1; i < ss.length; i++) union(varOf.get(ss[0])!, varOf.get(ss[i])!);
  }
  for (const r of rows) {
    const ks = rowVars(r);
    for (let i = 1; i < ks.length; i++) union(ks[0], ks[i]);
  }
  const groups = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const root = find(k);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(k);
  }
  const specs: BlockSpec[] = [];
  for (const ks of groups.values()) {
    const local = new Map<number, number>();
    ks.forEach((k, i) => local.set(k, i));
    const remap = (ts: readonly Term[]): Term[] => ts.map((t) => ({ k: local.get(t.k)!, coef: t.coef }));
    const myRows: Row[] = [];
    for (const r of rows) {
      const ks2 = rowVars(r);
      if (ks2.length === 0 || !local.has(ks2[0])) continue;
      myRows.push(r.kind === 'scalar' ? { ...r, g: remap(r.g) } : { ...r, g: r.g.map(remap) });
    }
    const nodeIds = new Set<number>();
    for (const k of ks) nodeIds.add(model.owner[slots[k]]);
    specs.push({ vars: Int32Array.from(ks.map((k) => slots[k])), nodes: [...nodeIds].sort((a, b) => a - b), rows: myRows });
  }
  return specs;
}
