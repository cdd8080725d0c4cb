/**
 * Compiles a parsed BUGS model and its data into a graph of nodes over value slots, as JAGS
 * does: loops are unrolled; every scalar of every variable gets a slot in one Float64Array;
 * data are folded into the expressions as constants; each relation instance becomes a node
 * (stochastic: observed or not; deterministic), with its parents, children and a topological
 * order.
 *
 * JAGS's rules, each enforced with the file, line and column:
 * - variables not on any left-hand side must be data; a data variable cannot be defined by
 *   `<-`; each element is defined at most once; loop bounds and indices must be computable
 *   from the data (stochastic indices are not supported); indices must lie in range;
 * - the extent of a variable that is not data comes from the largest index on the left-hand
 *   sides that define it (or a `var` declaration);
 * - a stochastic node whose data value is NA is not observed (it is sampled); a multivariate
 *   node must be wholly observed or wholly missing;
 * - the graph must have no directed cycle.
 */
import { Lmer2JagsError, nearNames } from '../errors.js';
import type { RDumpData } from '../data/rdump.js';
import type { BinaryOp, DeterministicRelation, Expr, Loc, ModelFile, Relation, StochasticRelation, VarExpr } from './ast.js';
import { modelError } from './parse.js';
import {
  AGGREGATES,
  ARRAY_FUNCTIONS,
  type ArrIR,
  type BinOp,
  type Evaluator,
  type IR,
  LINK_INVERSES,
  SCALAR_FUNCTIONS,
  agg,
  arrayEvaluator,
  bin,
  call,
  collectSlots,
  constIR,
  evaluator,
  neg,
} from './ir.js';
import {
  DIST_NAMES,
  type Dist,
  type ScalarDist,
  cholesky,
  dcatLogp,
  dmnormLogp,
  dwishLogp,
  inverseFromCholesky,
  inverseGeneral,
  lookupDist,
} from './distributions.js';

export interface Variable {
  readonly name: string;
  /** Extents; [] for a scalar. */
  readonly dim: readonly number[];
  /** First slot (elements follow in column-major order). */
  readonly offset: number;
  readonly length: number;
  readonly isData: boolean;
}

/** A distribution parameter: a scalar expression or an array of them. */
export type Param = { readonly kind: 'scalar'; readonly ir: IR } | { readonly kind: 'array'; readonly arr: ArrIR };

export interface NodeBounds {
  readonly lower: IR | null;
  readonly upper: IR | null;
  /** T(,) renormalises the density; I(,) only restricts the support. */
  readonly normalize: boolean;
}

export interface StochasticNode {
  readonly kind: 'stochastic';
  readonly id: number;
  /** e.g. `a[3]`, `b[2,1:2]`, `sigma.y`. */
  readonly label: string;
  readonly loc: Loc;
  readonly dist: Dist;
  readonly slots: Int32Array;
  readonly observed: boolean;
  readonly params: readonly Param[];
  readonly bounds: NodeBounds | null;
  /** Extents of the value (dmnorm: [k]; dwish: [p, p]; scalars: []). */
  readonly dim: readonly number[];
  /** log density of the node's current value given its parents' current values. */
  readonly logp: (v: Float64Array) => number;
  parents: Int32Array;
  /** Stochastic nodes whose distribution reads this node (through deterministic nodes). */
  stochChildren: Int32Array;
  /** Deterministic descendants to recompute when this node changes, in topological order. */
  detDescendants: Int32Array;
}

export interface DeterministicNode {
  readonly kind: 'deterministic';
  readonly id: number;
  readonly label: string;
  readonly loc: Loc;
  readonly slots: Int32Array;
  /** The expression of each slot (used by the linearity analysis); null for array functions. */
  readonly irs: readonly IR[] | null;
  /** Recomputes the node's slots from its parents. */
  readonly compute: (v: Float64Array) => void;
  /** Internal nodes hold array functions used inside expressions; never monitored. */
  readonly hidden: boolean;
  parents: Int32Array;
}

export type GraphNode = StochasticNode | DeterministicNode;

export interface CompiledModel {
  readonly path: string;
  readonly text: string;
  readonly nslots: number;
  /** Data values in their slots; NaN elsewhere. */
  readonly initial: Float64Array;
  readonly variables: ReadonlyMap<string, Variable>;
  readonly nodes: readonly GraphNode[];
  /** Node ids, parents before children. */
  readonly order: Int32Array;
  /** For each slot, the id of the node that owns it, or -1 (data constant or undefined). */
  readonly owner: Int32Array;
  readonly warnings: readonly string[];
}

type Val = { readonly kind: 'scalar'; readonly ir: IR } | { readonly kind: 'array'; readonly arr: ArrIR };

interface Instance {
  readonly rel: StochasticRelation | DeterministicRelation;
  readonly env: ReadonlyMap<string, number>;
  /** Per index, the 1-based inclusive range (null: the LHS has no indices). */
  ranges: { lo: number; hi: number }[] | null;
  /** Indices that were single values (their dimension is dropped from the value's shape). */
  singles: boolean[];
}

interface VarDraft {
  name: string;
  dim: number[] | null;
  ndims: number;
  isData: boolean;
  firstLoc: Loc;
}

/** Distributions of JAGS 4.3.1 (modules bugs, mix, msm) that the bundled engine lacks. */
const JAGS_ONLY_DISTRIBUTIONS: ReadonlySet<string> = new Set([
  'dbetabin', 'dchisqr', 'ddexp', 'ddirch', 'df', 'dggamma', 'dhyper', 'dinterval', 'dlogis', 'dmnorm.vcov',
  'dmstate', 'dmt', 'dmulti', 'dnchisqr', 'dnegbin', 'dnormmix', 'dnt', 'dpar', 'dround', 'dsum', 'dweib',
]);

/** Functions of JAGS 4.3.1 that the bundled engine lacks (with the d/p/q density functions). */
const JAGS_ONLY_FUNCTIONS: ReadonlySet<string> = new Set([
  'logdet', 'rank', 'sort', 'order', 'interp.lin', 'arccos', 'arccosh', 'arcsin', 'arcsinh', 'arctan', 'arctanh',
  'cosh', 'sinh', 'tanh', 'dim', 'mexp', 'ncol', 'nrow', 'rep',
  ...['norm', 'gamma', 'beta', 'pois', 'bin', 't', 'exp', 'lnorm', 'unif', 'bern'].flatMap((d) => [`d${d}`, `p${d}`, `q${d}`]),
]);

export function compileModel(file: ModelFile, text: string, path: string, data: RDumpData): CompiledModel {
  return new Compiler(file, text, path, data).run();
}

class Compiler {
  private readonly vars = new Map<string, Variable>();
  private readonly drafts = new Map<string, VarDraft>();
  private values: number[] = [];
  private owner: number[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly instances: Instance[] = [];
  private readonly warnings: string[] = [];
  private readonly usedData = new Set<string>();
  /** Names defined on some left-hand side (known after the first pass). */
  private readonly definedNames = new Set<string>();
  private pass: 1 | 2 = 1;

  constructor(
    private readonly file: ModelFile,
    private readonly text: string,
    private readonly path: string,
    private readonly data: RDumpData,
  ) {}

  private err(message: string, loc: Loc, hint?: string): Lmer2JagsError {
    return modelError(message, this.path, this.text, loc, hint ?? 'correct the model file here (the bundled engine reads the BUGS language as JAGS 4.3.1 does)');
  }

  run(): CompiledModel {
    if (this.file.dataBlock) {
      throw this.err('the data { } block is not supported by the bundled engine', this.file.dataBlock.loc, 'compute derived data before writing the data file, or run real JAGS (--engine jags)');
    }
    this.allocateData();
    this.collectDefinedNames(this.file.relations);
    // Pass 1: unroll loops, evaluate left-hand-side indices, infer extents.
    this.unroll(this.file.relations, new Map());
    this.applyDeclarations();
    this.allocateDefined();
    this.assignOwners();
    // Pass 2: compile every relation instance into a node.
    this.pass = 2;
    for (let id = 0; id < this.instances.length; id++) this.compileInstance(id);
    for (const [name] of this.data) {
      if (!this.usedData.has(name) && !this.definedNames.has(name)) this.warnings.push(`unused variable "${name}" in data`);
    }
    for (const h of this.pendingHidden) {
      const id = this.nodes.length;
      for (const sl of h.slots) this.owner[sl] = id;
      this.nodes.push({ kind: 'deterministic', id, label: h.label, loc: h.loc, slots: h.slots, irs: null, compute: h.compute, hidden: true, parents: new Int32Array(0) });
      this.reads[id] = h.reads;
    }
    const initial = Float64Array.from(this.values);
    const owner = Int32Array.from(this.owner);
    const order = this.link(owner);
    return {
      path: this.path,
      text: this.text,
      nslots: initial.length,
      initial,
      variables: this.vars,
      nodes: this.nodes,
      order,
      owner,
      warnings: this.warnings,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Variables and slots.

  private allocateData(): void {
    for (const [name, value] of this.data) {
      if (name.startsWith('.')) continue;
      if (value.type === 'character') continue;
      const vals = value.values as Float64Array;
      const dim = value.dim ? [...value.dim] : vals.length === 1 ? [] : [vals.length];
      const offset = this.values.length;
      for (let i = 0; i < vals.length; i++) {
        this.values.push(vals[i]);
        this.owner.push(-1);
      }
      this.vars.set(name, { name, dim, offset, length: vals.length, isData: true });
    }
  }

  private collectDefinedNames(rels: readonly Relation[]): void {
    for (const r of rels) {
      if (r.kind === 'for') this.collectDefinedNames(r.body);
      else this.definedNames.add(r.lhs.name);
    }
  }

  private unroll(rels: readonly Relation[], env: Map<string, number>): void {
    for (const r of rels) {
      if (r.kind === 'for') {
        if (this.vars.has(r.counter) || this.definedNames.has(r.counter)) {
          throw this.err(`the loop counter '${r.counter}' is also the name of a variable`, r.counterLoc, 'rename the counter');
        }
        if (env.has(r.counter)) throw this.err(`the loop counter '${r.counter}' is already used by an enclosing loop`, r.counterLoc, 'use a different name for the inner counter');
        const lo = this.constInt(r.range.lo, env, 'the start of a loop range');
        const hi = this.constInt(r.range.hi, env, 'the end of a loop range');
        for (let i = lo; i <= hi; i++) {
          env.set(r.counter, i);
          this.unroll(r.body, env);
        }
        env.delete(r.counter);
        continue;
      }
      const inst: Instance = { rel: r, env: new Map(env), ranges: null, singles: [] };
      if (r.kind === 'deterministic' && r.link !== null && !LINK_INVERSES.has(r.link)) {
        throw this.err(`unknown link function '${r.link}'`, r.linkLoc ?? r.loc, `links on the left of <- are ${[...LINK_INVERSES.keys()].join(', ')}`);
      }
      this.evalLhsRanges(inst);
      this.instances.push(inst);
    }
  }

  /** Evaluates an expression that must be a constant integer (loop bounds, indices). */
  private constInt(e: Expr, env: ReadonlyMap<string, number>, what: string): number {
    const v = this.compileExpr(e, env);
    if (v.kind !== 'scalar' || (v.kind === 'scalar' && v.ir.t !== 'const')) {
      throw this.err(
        `${what} must be computable from the data`,
        (e as { loc: Loc }).loc,
        v.kind === 'array' ? 'it is an array; give a single value' : 'it depends on a node of the model: stochastic indices and bounds are not supported by the bundled engine',
      );
    }
    const x = (v.ir as { v: number }).v;
    if (!Number.isInteger(x)) throw this.err(`${what} must be a whole number, got ${x}`, (e as { loc: Loc }).loc, 'indices and loop bounds count elements: use whole numbers (integers in the data, e.g. 3L)');
    return x;
  }

  private evalLhsRanges(inst: Instance): void {
    const lhs = inst.rel.lhs;
    const draft = this.drafts.get(lhs.name);
    if (lhs.indices === null) {
      inst.ranges = null;
      this.noteExtent(lhs, null);
      return;
    }
    const ranges: { lo: number; hi: number }[] = [];
    const singles: boolean[] = [];
    lhs.indices.forEach((idx, k) => {
      if (idx === null) {
        const known = this.vars.get(lhs.name)?.dim ?? draft?.dim ?? null;
        if (!known || known.length !== lhs.indices!.length) {
          throw this.err(`the extent of ${lhs.name} in dimension ${k + 1} is not known here`, lhs.loc, `give the range explicitly, e.g. ${lhs.name}[1:K]`);
        }
        ranges.push({ lo: 1, hi: known[k] });
        singles.push(false);
      } else if (idx.kind === 'at') {
        const i = this.constInt(idx.expr, inst.env, `an index of ${lhs.name}`);
        ranges.push({ lo: i, hi: i });
        singles.push(true);
      } else {
        const lo = this.constInt(idx.lo, inst.env, `the start of an index range of ${lhs.name}`);
        const hi = this.constInt(idx.hi, inst.env, `the end of an index range of ${lhs.name}`);
        if (hi < lo) throw this.err(`empty index range ${lo}:${hi} of ${lhs.name}`, idx.loc);
        ranges.push({ lo, hi });
        singles.push(false);
      }
    });
    for (const r of ranges) if (r.lo < 1) throw this.err(`index ${r.lo} of ${lhs.name} is below 1`, lhs.loc, 'BUGS indices start at 1');
    inst.ranges = ranges;
    inst.singles = singles;
    this.noteExtent(lhs, ranges);
  }

  private noteExtent(lhs: VarExpr, ranges: { lo: number; hi: number }[] | null): void {
    const ndims = ranges === null ? 0 : ranges.length;
    const d = this.drafts.get(lhs.name);
    if (!d) {
      this.drafts.set(lhs.name, {
        name: lhs.name,
        dim: ranges === null ? [] : ranges.map((r) => r.hi),
        ndims,
        isData: this.vars.has(lhs.name),
        firstLoc: lhs.loc,
      });
      return;
    }
    if (d.ndims !== ndims) {
      // A scalar and x[1] are the same thing.
      const scalarLike = (ndims === 0 && d.ndims === 1 && d.dim?.[0] === 1) || (ndims === 1 && d.ndims === 0 && ranges![0].hi === 1);
      if (!scalarLike) {
        throw this.err(`${lhs.name} is used with ${ndims} ${ndims === 1 ? 'index' : 'indices'} here but ${d.ndims} at line ${d.firstLoc.line}`, lhs.loc, 'use the same number of indices everywhere');
      }
      if (ndims === 1) {
        d.ndims = 1;
        d.dim = [1];
      }
      return;
    }
    if (ranges && d.dim) for (let k = 0; k < ranges.length; k++) d.dim[k] = Math.max(d.dim[k], ranges[k].hi);
  }

  private applyDeclarations(): void {
    for (const decl of this.file.declarations) {
      const dims = decl.dims.map((e) => this.constInt(e, new Map(), `the extent of ${decl.name}`));
      for (const d of dims) if (d < 1) throw this.err(`the extent of ${decl.name} must be at least 1`, decl.loc);
      const dataVar = this.vars.get(decl.name);
      if (dataVar) {
        const same = dataVar.dim.length === dims.length ? dataVar.dim.every((x, i) => x === dims[i]) : dims.length === 1 && dims[0] === dataVar.length && dataVar.dim.length <= 1;
        if (!same) throw this.err(`${decl.name} is declared with extents [${dims.join(', ')}] but the data have [${dataVar.dim.join(', ')}]`, decl.loc);
        continue;
      }
      const d = this.drafts.get(decl.name);
      if (!d) {
        this.drafts.set(decl.name, { name: decl.name, dim: dims, ndims: dims.length, isData: false, firstLoc: decl.loc });
        continue;
      }
      if (d.ndims !== dims.length) throw this.err(`${decl.name} is declared with ${dims.length} dimensions but used with ${d.ndims}`, decl.loc);
      for (let k = 0; k < dims.length; k++) {
        if (d.dim![k] > dims[k]) throw this.err(`index ${d.dim![k]} of ${decl.name} exceeds its declared extent ${dims[k]}`, decl.loc);
      }
      d.dim = dims;
    }
  }

  private allocateDefined(): void {
    for (const d of this.drafts.values()) {
      const existing = this.vars.get(d.name);
      if (existing) {
        if (!existing.isData) continue;
        // A data variable defined in the model: its left-hand sides must fit its extents.
        const dims = existing.dim.length === 0 ? [1] : existing.dim;
        const used = d.dim ?? [];
        if (used.length > 0 && (used.length !== dims.length || used.some((x, k) => x > dims[k]))) {
          throw this.err(`${d.name} is indexed up to [${used.join(', ')}] but the data give it extents [${existing.dim.join(', ') || '1'}]`, d.firstLoc, `make the data of ${d.name} as large as the model uses it, or correct the loop ranges`);
        }
        continue;
      }
      const dim = d.dim ?? [];
      const length = dim.reduce((a, b) => a * b, 1);
      const offset = this.values.length;
      for (let i = 0; i < length; i++) {
        this.values.push(NaN);
        this.owner.push(-1);
      }
      this.vars.set(d.name, { name: d.name, dim, offset, length, isData: false });
    }
  }

  /** Slots of an instance's left-hand side, column-major over its ranges. */
  private lhsSlots(inst: Instance): number[] {
    const v = this.vars.get(inst.rel.lhs.name)!;
    if (inst.ranges === null) return [v.offset];
    const dims = v.dim.length === 0 ? [1] : v.dim;
    const out: number[] = [];
    const ranges = inst.ranges;
    const idx = ranges.map((r) => r.lo);
    for (;;) {
      let off = 0;
      let stride = 1;
      for (let k = 0; k < ranges.length; k++) {
        if (idx[k] > dims[k]) throw this.err(`index ${idx[k]} of ${v.name} is out of range (extent ${dims[k]})`, inst.rel.lhs.loc, `${v.name} has extents [${dims.join(', ')}]${v.isData ? ' in the data' : ''}: check the loop range`);
        off += (idx[k] - 1) * stride;
        stride *= dims[k];
      }
      out.push(v.offset + off);
      let k = 0;
      while (k < ranges.length) {
        idx[k]++;
        if (idx[k] <= ranges[k].hi) break;
        idx[k] = ranges[k].lo;
        k++;
      }
      if (k === ranges.length) break;
    }
    return out;
  }

  private assignOwners(): void {
    this.instances.forEach((inst, id) => {
      const slots = this.lhsSlots(inst);
      const v = this.vars.get(inst.rel.lhs.name)!;
      if (v.isData && inst.rel.kind === 'deterministic') {
        throw this.err(`${v.name} is given as data but defined by <- in the model`, inst.rel.lhs.loc, `remove ${v.name} from the data file, or rename the deterministic node`);
      }
      for (const s of slots) {
        const prev = this.owner[s];
        if (prev >= 0) {
          const other = this.instances[prev].rel;
          throw this.err(
            `${this.slotLabel(s)} is defined twice (also at line ${other.loc.line}, column ${other.loc.column})`,
            inst.rel.lhs.loc,
            'each element may appear on the left-hand side of one relation only',
          );
        }
        this.owner[s] = id;
      }
    });
  }

  /** The name of the element held by slot s, e.g. `b[2,1]`. */
  private slotLabel(s: number): string {
    for (const v of this.vars.values()) {
      if (s >= v.offset && s < v.offset + v.length) return elementName(v, s - v.offset);
    }
    return `slot ${s}`;
  }

  // -------------------------------------------------------------------------------------------
  // Expressions.

  private compileExpr(e: Expr, env: ReadonlyMap<string, number>): Val {
    switch (e.kind) {
      case 'number':
        return { kind: 'scalar', ir: constIR(e.value) };
      case 'var':
        return this.compileVar(e, env);
      case 'unary': {
        const a = this.compileExpr(e.operand, env);
        if (e.op === '+') return a;
        const f = (x: IR): IR => (e.op === '-' ? neg(x) : x.t === 'const' ? constIR(x.v ? 0 : 1) : { t: 'not', a: x });
        return a.kind === 'scalar' ? { kind: 'scalar', ir: f(a.ir) } : { kind: 'array', arr: { dim: a.arr.dim, elems: a.arr.elems.map(f) } };
      }
      case 'binary':
        return this.compileBinary(e.op, e.left, e.right, e.opLoc, env);
      case 'call':
        return this.compileCall(e.fn, e.fnLoc, e.args, e.loc, env);
    }
  }

  private compileBinary(op: BinaryOp, l: Expr, r: Expr, opLoc: Loc, env: ReadonlyMap<string, number>): Val {
    if (op.startsWith('%')) {
      if (op === '%*%') return this.compileCall('%*%', opLoc, [l, r], opLoc, env);
      throw this.err(`the operator ${op} is not supported by the bundled engine`, opLoc, 'supported: + - * / ^, comparisons, && ||, %*%');
    }
    const a = this.compileExpr(l, env);
    const b = this.compileExpr(r, env);
    const o = op as BinOp;
    return this.elementwise([a, b], (xs) => bin(o, xs[0], xs[1]), opLoc, `the operands of ${op}`);
  }

  /** Applies f elementwise; scalars recycle; arrays must have equal lengths. */
  private elementwise(vals: readonly Val[], f: (xs: IR[]) => IR, loc: Loc, what: string): Val {
    const arrays = vals.filter((v): v is { kind: 'array'; arr: ArrIR } => v.kind === 'array');
    if (arrays.length === 0) return { kind: 'scalar', ir: f(vals.map((v) => (v as { ir: IR }).ir)) };
    const n = arrays[0].arr.elems.length;
    for (const a of arrays) {
      if (a.arr.elems.length !== n) throw this.err(`${what} have different lengths (${n} and ${a.arr.elems.length})`, loc);
    }
    const elems: IR[] = [];
    for (let i = 0; i < n; i++) elems.push(f(vals.map((v) => (v.kind === 'scalar' ? v.ir : v.arr.elems[i]))));
    return { kind: 'array', arr: { dim: arrays[0].arr.dim, elems } };
  }

  private asArray(v: Val): ArrIR {
    return v.kind === 'array' ? v.arr : { dim: [1], elems: [v.ir] };
  }

  private compileCall(fn: string, fnLoc: Loc, args: readonly Expr[], loc: Loc, env: ReadonlyMap<string, number>): Val {
    const vals = args.map((a) => this.compileExpr(a, env));
    const scalarFn = SCALAR_FUNCTIONS.get(fn);
    if (scalarFn) {
      if (scalarFn.arity >= 0 && vals.length !== scalarFn.arity) {
        throw this.err(`${fn}() takes ${scalarFn.arity} argument${scalarFn.arity === 1 ? '' : 's'}, got ${vals.length}`, fnLoc);
      }
      return this.elementwise(vals, (xs) => call(fn, xs), loc, `the arguments of ${fn}()`);
    }
    const aggregate = AGGREGATES.get(fn);
    if (aggregate) {
      if (aggregate.arity >= 0 && vals.length !== aggregate.arity) {
        throw this.err(`${fn}() takes ${aggregate.arity} argument${aggregate.arity === 1 ? '' : 's'}, got ${vals.length}`, fnLoc);
      }
      if (vals.length === 0) throw this.err(`${fn}() needs at least one argument`, fnLoc);
      const arrs = vals.map((v) => this.asArray(v));
      if (fn === 'inprod' && arrs[0].elems.length !== arrs[1].elems.length) {
        throw this.err(`inprod() needs two arrays of the same length, got ${arrs[0].elems.length} and ${arrs[1].elems.length}`, fnLoc);
      }
      return { kind: 'scalar', ir: agg(fn, arrs) };
    }
    if (ARRAY_FUNCTIONS.has(fn)) return this.compileArrayFunction(fn, fnLoc, vals, loc);
    const known = [...SCALAR_FUNCTIONS.keys(), ...AGGREGATES.keys(), ...ARRAY_FUNCTIONS];
    const supported = `the bundled engine supports ${known.filter((k) => !k.startsWith('%')).join(', ')}, %*% and ^`;
    if (JAGS_ONLY_FUNCTIONS.has(fn)) {
      throw this.err(`the function '${fn}' is not supported by the bundled engine`, fnLoc, `${supported}; run real JAGS (--engine jags) for ${fn}`);
    }
    if (lookupDist(fn)) throw this.err(`${fn} is a distribution, not a function`, fnLoc, 'distributions go on the right of ~');
    const near = nearNames(fn, known);
    throw this.err(`unknown function '${fn}'`, fnLoc, near.length > 0 ? `did you mean ${near.join(', ')}?` : supported);
  }

  /** inverse(A), t(A), A %*% B: evaluated by a hidden deterministic node. */
  private compileArrayFunction(fn: string, loc: Loc, vals: readonly Val[], whole: Loc): Val {
    const want = fn === '%*%' ? 2 : 1;
    if (vals.length !== want) throw this.err(`${fn}() takes ${want} argument${want === 1 ? '' : 's'}, got ${vals.length}`, loc);
    const args = vals.map((v) => this.asArray(v));
    let outDim: number[];
    let kernel: (ins: Float64Array[], out: Float64Array) => boolean;
    if (fn === 'inverse') {
      const a = args[0];
      const n = Math.round(Math.sqrt(a.elems.length));
      if (a.dim.length !== 2 || a.dim[0] !== a.dim[1]) throw this.err('inverse() needs a square matrix', loc);
      outDim = [n, n];
      const l = new Float64Array(n * n);
      kernel = (ins, out) => {
        l.set(ins[0]);
        if (cholesky(l, n)) {
          inverseFromCholesky(l, n, out);
          return true;
        }
        return inverseGeneral(ins[0], n, out);
      };
    } else if (fn === 't') {
      const a = args[0];
      const [r, c] = a.dim.length === 2 ? a.dim : [a.elems.length, 1];
      outDim = a.dim.length === 2 ? [c, r] : [1, r];
      kernel = (ins, out) => {
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j + i * c] = ins[0][i + j * r];
        return true;
      };
    } else {
      const [a, b] = args;
      const aRows = a.dim.length === 2 ? a.dim[0] : 1;
      const inner = a.dim.length === 2 ? a.dim[1] : a.elems.length;
      const bInner = b.dim.length === 2 ? b.dim[0] : b.elems.length;
      const bCols = b.dim.length === 2 ? b.dim[1] : 1;
      if (inner !== bInner) throw this.err(`%*%: non-conformable arguments (${inner} and ${bInner})`, loc);
      outDim = a.dim.length === 2 && b.dim.length === 2 ? [aRows, bCols] : [aRows * bCols];
      kernel = (ins, out) => {
        for (let i = 0; i < aRows; i++) {
          for (let j = 0; j < bCols; j++) {
            let s = 0;
            for (let k = 0; k < inner; k++) s += ins[0][i + k * aRows] * ins[1][k + j * bInner];
            out[i + j * aRows] = s;
          }
        }
        return true;
      };
    }
    const size = outDim.reduce((x, y) => x * y, 1);
    const ins = args.map((a) => new Float64Array(a.elems.length));
    const out = new Float64Array(size);
    // Constant arguments: evaluate now.
    if (args.every((a) => a.elems.every((e) => e.t === 'const'))) {
      args.forEach((a, i) => a.elems.forEach((e, j) => (ins[i][j] = (e as { v: number }).v)));
      if (!kernel(ins, out)) throw this.err(`${fn}(): the matrix is singular`, loc);
      return { kind: 'array', arr: { dim: outDim, elems: Array.from(out, (x) => constIR(x)) } };
    }
    const offset = this.values.length;
    const slots = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      slots[i] = offset + i;
      this.values.push(NaN);
      this.owner.push(-1);
    }
    const evs = args.map(arrayEvaluator);
    const compute = (v: Float64Array): void => {
      for (let i = 0; i < evs.length; i++) evs[i](v, ins[i]);
      if (!kernel(ins, out)) out.fill(NaN);
      for (let i = 0; i < size; i++) v[slots[i]] = out[i];
    };
    this.addHidden(`${fn}(…) at line ${whole.line}`, whole, slots, compute, args);
    return { kind: 'array', arr: { dim: outDim, elems: Array.from(slots, (s) => ({ t: 'slot', s }) as IR) } };
  }

  private hiddenQueue: { label: string; loc: Loc; slots: Int32Array; compute: (v: Float64Array) => void; reads: Set<number> }[] = [];

  private addHidden(label: string, loc: Loc, slots: Int32Array, compute: (v: Float64Array) => void, args: readonly ArrIR[]): void {
    const reads = new Set<number>();
    for (const a of args) for (const e of a.elems) collectSlots(e, reads);
    this.hiddenQueue.push({ label, loc, slots, compute, reads });
  }

  private compileVar(e: VarExpr, env: ReadonlyMap<string, number>): Val {
    if (e.indices === null && env.has(e.name)) return { kind: 'scalar', ir: constIR(env.get(e.name)!) };
    const v = this.vars.get(e.name);
    if (!v) {
      if (this.pass === 1 && this.definedNames.has(e.name)) {
        throw this.err(`${e.name} is a node of the model, not data`, e.loc, 'loop bounds and indices must be computable from the data: stochastic indices are not supported by the bundled engine');
      }
      const near = nearNames(e.name, [...new Set([...this.vars.keys(), ...this.definedNames, ...env.keys()])]);
      throw this.err(
        `unknown variable '${e.name}': it is neither data nor defined in the model`,
        e.loc,
        `${near.length > 0 ? `did you mean ${near.join(', ')}? Otherwise a` : 'A'}dd ${e.name} to the data file, or define it with ~ or <-`,
      );
    }
    if (v.isData) this.usedData.add(v.name);
    const dims = v.dim;
    if (e.indices === null) {
      if (dims.length === 0) return { kind: 'scalar', ir: this.slotIR(v.offset, e.loc) };
      const elems: IR[] = [];
      for (let i = 0; i < v.length; i++) elems.push(this.slotIR(v.offset + i, e.loc));
      return { kind: 'array', arr: { dim: dims, elems } };
    }
    const eff = dims.length === 0 ? [1] : dims;
    if (e.indices.length !== eff.length) {
      throw this.err(
        `${v.name} has ${eff.length} dimension${eff.length === 1 ? '' : 's'} but is given ${e.indices.length} ind${e.indices.length === 1 ? 'ex' : 'ices'}`,
        e.loc,
        `${v.name} has extents [${eff.join(', ')}]${v.isData ? ' in the data' : ''}: give ${eff.length === 1 ? 'one index' : `${eff.length} indices`}, e.g. ${v.name}[${eff.map((_, k) => (k === 0 ? 'i' : `${k}`)).join(', ')}]${v.isData ? ', or correct the .Dim of the data' : ''}`,
      );
    }
    const ranges: { lo: number; hi: number; single: boolean }[] = e.indices.map((idx, k) => {
      if (idx === null) return { lo: 1, hi: eff[k], single: false };
      if (idx.kind === 'at') {
        const i = this.constInt(idx.expr, env, `an index of ${v.name}`);
        return { lo: i, hi: i, single: true };
      }
      return {
        lo: this.constInt(idx.lo, env, `the start of an index range of ${v.name}`),
        hi: this.constInt(idx.hi, env, `the end of an index range of ${v.name}`),
        single: false,
      };
    });
    ranges.forEach((r, k) => {
      if (r.lo < 1 || r.hi > eff[k] || r.hi < r.lo) {
        const shown = r.single ? `${r.lo}` : `${r.lo}:${r.hi}`;
        throw this.err(`index ${shown} of ${v.name} is out of range (dimension ${k + 1} has extent ${eff[k]})`, e.loc, `${v.name} has extents [${eff.join(', ')}]`);
      }
    });
    const elems: IR[] = [];
    const idx = ranges.map((r) => r.lo);
    for (;;) {
      let off = 0;
      let stride = 1;
      for (let k = 0; k < ranges.length; k++) {
        off += (idx[k] - 1) * stride;
        stride *= eff[k];
      }
      elems.push(this.slotIR(v.offset + off, e.loc));
      let k = 0;
      while (k < ranges.length) {
        idx[k]++;
        if (idx[k] <= ranges[k].hi) break;
        idx[k] = ranges[k].lo;
        k++;
      }
      if (k === ranges.length) break;
    }
    const shape = ranges.filter((r) => !r.single).map((r) => r.hi - r.lo + 1);
    if (shape.length === 0) return { kind: 'scalar', ir: elems[0] };
    return { kind: 'array', arr: { dim: shape, elems } };
  }

  /** A read of slot s: a constant for data, a slot reference for nodes. */
  private slotIR(s: number, loc: Loc): IR {
    const x = this.values[s];
    if (this.pass === 1) {
      if (Number.isNaN(x)) throw this.err(`${this.slotLabel(s)} is missing (NA) in the data`, loc, 'loop bounds and indices must be computable from the data');
      return constIR(x);
    }
    // Nodes are read from their slot; data, including observed values, are constants.
    if (this.owner[s] >= 0 && Number.isNaN(x)) return { t: 'slot', s };
    if (Number.isNaN(x)) {
      const label = this.slotLabel(s);
      const name = label.replace(/\[.*$/, '');
      const v = this.vars.get(name);
      throw this.err(
        v?.isData ? `${label} is missing (NA) in the data and not defined in the model` : `${label} is used but never defined`,
        loc,
        v?.isData ? `give ${label} a value, or define it with ~ so it is sampled` : `define ${label} with ~ or <-, or check the index ranges`,
      );
    }
    return constIR(x);
  }

  // -------------------------------------------------------------------------------------------
  // Nodes.

  private compileInstance(id: number): void {
    const inst = this.instances[id];
    const rel = inst.rel;
    const slots = Int32Array.from(this.lhsSlots(inst));
    const v = this.vars.get(rel.lhs.name)!;
    const label = instanceLabel(v, inst);
    this.hiddenQueue = [];
    let node: GraphNode;
    if (rel.kind === 'deterministic') node = this.deterministicNode(id, rel, inst, slots, label);
    else node = this.stochasticNode(id, rel, inst, slots, label, v);
    this.nodes[id] = node;
    this.reads[id] = nodeReads(node);
    // Hidden array-function nodes are appended after all instances (ids fixed in link()).
    for (const h of this.hiddenQueue) this.pendingHidden.push(h);
  }

  private readonly reads: Set<number>[] = [];

  private readonly pendingHidden: { label: string; loc: Loc; slots: Int32Array; compute: (v: Float64Array) => void; reads: Set<number> }[] = [];

  private deterministicNode(id: number, rel: DeterministicRelation, inst: Instance, slots: Int32Array, label: string): DeterministicNode {
    let val = this.compileExpr(rel.rhs, inst.env);
    if (rel.link !== null) {
      const inv = LINK_INVERSES.get(rel.link)!;
      val = this.elementwise([val], (xs) => call(inv, xs), rel.rhs.loc, 'the right-hand side');
    }
    if (slots.length === 1) {
      let ir: IR;
      if (val.kind === 'scalar') ir = val.ir;
      else if (val.arr.elems.length === 1) ir = val.arr.elems[0];
      else throw this.err(`${label} is a scalar but the right-hand side has ${val.arr.elems.length} values`, rel.loc);
      const f = evaluator(ir);
      const s = slots[0];
      return { kind: 'deterministic', id, label, loc: rel.loc, slots, irs: [ir], compute: (v) => (v[s] = f(v)), hidden: false, parents: new Int32Array(0) };
    }
    if (val.kind === 'scalar' || val.arr.elems.length !== slots.length) {
      const n = val.kind === 'scalar' ? 1 : val.arr.elems.length;
      throw this.err(`${label} has ${slots.length} elements but the right-hand side has ${n}`, rel.loc, 'the left-hand side range must match the size of the value');
    }
    const evs = val.arr.elems.map(evaluator);
    return {
      kind: 'deterministic',
      id,
      label,
      loc: rel.loc,
      slots,
      irs: val.arr.elems,
      compute: (v) => {
        for (let i = 0; i < evs.length; i++) v[slots[i]] = evs[i](v);
      },
      hidden: false,
      parents: new Int32Array(0),
    };
  }

  private stochasticNode(id: number, rel: StochasticRelation, inst: Instance, slots: Int32Array, label: string, v: Variable): StochasticNode {
    const dist = lookupDist(rel.dist);
    if (!dist) {
      const supported = `the bundled engine supports ${DIST_NAMES.join(', ')}`;
      if (JAGS_ONLY_DISTRIBUTIONS.has(rel.dist)) {
        throw this.err(`the distribution '${rel.dist}' is not supported by the bundled engine`, rel.distLoc, `${supported}; run real JAGS (--engine jags) for ${rel.dist}`);
      }
      const near = nearNames(rel.dist, DIST_NAMES);
      throw this.err(
        `unknown distribution '${rel.dist}'`,
        rel.distLoc,
        near.length > 0 ? `did you mean ${near.join(', ')}? ${supported}` : `${supported}; run real JAGS (--engine jags) for others`,
      );
    }
    const vals = rel.args.map((a) => this.compileExpr(a, inst.env));
    // Observed?
    let nObserved = 0;
    for (const s of slots) if (v.isData && !Number.isNaN(this.values[s])) nObserved++;
    if (nObserved > 0 && nObserved < slots.length) {
      throw this.err(`${label} is partly observed: some of its elements are NA in the data`, rel.lhs.loc, 'a multivariate node must be wholly observed or wholly missing');
    }
    const observed = nObserved > 0;
    const shape = inst.ranges === null ? [] : inst.ranges.filter((_, k) => !inst.singles[k]).map((r) => r.hi - r.lo + 1);
    let params: Param[];
    let logp: (v: Float64Array) => number;
    let bounds: NodeBounds | null = null;
    const nargs = (n: number, names: string) => {
      if (vals.length !== n) throw this.err(`${rel.dist} takes ${n} parameter${n === 1 ? '' : 's'} (${names}), got ${vals.length}`, rel.distLoc);
    };
    if (dist.kind === 'scalar') {
      nargs(dist.nparams, dist.paramNames.join(', '));
      if (slots.length !== 1) throw this.err(`${rel.dist} is a scalar distribution but ${label} has ${slots.length} elements`, rel.lhs.loc);
      params = vals.map((p, k) => {
        if (p.kind === 'array' && p.arr.elems.length !== 1) throw this.err(`the ${dist.paramNames[k]} of ${rel.dist} must be a scalar`, rel.args[k].loc);
        return { kind: 'scalar', ir: p.kind === 'scalar' ? p.ir : p.arr.elems[0] } as Param;
      });
      if (rel.bounds) {
        const b = rel.bounds;
        if (!dist.cdf && b.kind === 'T') throw this.err(`T(,) is not supported for ${rel.dist}`, b.loc);
        const bound = (e: Expr | null): IR | null => {
          if (e === null) return null;
          const x = this.compileExpr(e, inst.env);
          if (x.kind !== 'scalar') throw this.err('a truncation bound must be a scalar', e.loc);
          return x.ir;
        };
        bounds = { lower: bound(b.lower), upper: bound(b.upper), normalize: b.kind === 'T' };
      }
      logp = scalarLogp(dist, slots[0], params.map((p) => evaluator((p as { ir: IR }).ir)), bounds);
    } else if (dist.kind === 'cat') {
      nargs(1, 'probabilities');
      if (slots.length !== 1) throw this.err(`dcat is a scalar distribution but ${label} has ${slots.length} elements`, rel.lhs.loc);
      const pi = this.asArray(vals[0]);
      params = [{ kind: 'array', arr: pi }];
      if (rel.bounds) throw this.err('truncation of dcat is not supported', rel.bounds.loc);
      const ev = arrayEvaluator(pi);
      const buf = new Float64Array(pi.elems.length);
      const s = slots[0];
      logp = (v) => {
        ev(v, buf);
        return dcatLogp(v[s], buf);
      };
    } else if (dist.name === 'dmnorm') {
      nargs(2, 'mean vector, precision matrix');
      if (rel.bounds) throw this.err('truncation of dmnorm is not supported', rel.bounds.loc);
      const k = slots.length;
      const mu = this.asArray(vals[0]);
      const omega = this.asArray(vals[1]);
      if (shape.length !== 1) throw this.err(`dmnorm needs a vector on the left, e.g. ${v.name}[j, 1:K]`, rel.lhs.loc);
      if (mu.elems.length !== k) throw this.err(`the mean of dmnorm has ${mu.elems.length} elements but ${label} has ${k}`, rel.args[0].loc);
      if (omega.elems.length !== k * k || (omega.dim.length === 2 && omega.dim[0] !== k)) {
        throw this.err(`the precision of dmnorm must be a ${k}×${k} matrix`, rel.args[1].loc);
      }
      params = [{ kind: 'array', arr: mu }, { kind: 'array', arr: omega }];
      const muEv = arrayEvaluator(mu);
      const omEv = arrayEvaluator(omega);
      const x = new Float64Array(k);
      const m = new Float64Array(k);
      const om = new Float64Array(k * k);
      logp = (v) => {
        for (let i = 0; i < k; i++) x[i] = v[slots[i]];
        muEv(v, m);
        omEv(v, om);
        return dmnormLogp(x, m, om, k);
      };
    } else {
      nargs(2, 'scale matrix R, degrees of freedom k');
      if (rel.bounds) throw this.err('truncation of dwish is not supported', rel.bounds.loc);
      if (shape.length !== 2 || shape[0] !== shape[1]) throw this.err(`dwish needs a square matrix on the left, e.g. ${v.name}[1:K, 1:K]`, rel.lhs.loc);
      const p = shape[0];
      const r = this.asArray(vals[0]);
      if (r.elems.length !== p * p) throw this.err(`the scale matrix of dwish must be ${p}×${p}`, rel.args[0].loc);
      if (vals[1].kind !== 'scalar') throw this.err('the degrees of freedom of dwish must be a scalar', rel.args[1].loc);
      params = [{ kind: 'array', arr: r }, { kind: 'scalar', ir: vals[1].ir }];
      const rEv = arrayEvaluator(r);
      const kEv = evaluator(vals[1].ir);
      const x = new Float64Array(p * p);
      const rb = new Float64Array(p * p);
      logp = (v) => {
        for (let i = 0; i < p * p; i++) x[i] = v[slots[i]];
        rEv(v, rb);
        return dwishLogp(x, rb, kEv(v), p);
      };
    }
    return {
      kind: 'stochastic',
      id,
      label,
      loc: rel.loc,
      dist,
      slots,
      observed,
      params,
      bounds,
      dim: dist.kind === 'scalar' || dist.kind === 'cat' ? [] : shape,
      logp,
      parents: new Int32Array(0),
      stochChildren: new Int32Array(0),
      detDescendants: new Int32Array(0),
    };
  }

  // -------------------------------------------------------------------------------------------
  // The graph.

  /** Fills parents/children and returns a topological order. */
  private link(owner: Int32Array): Int32Array {
    const reads = this.reads;
    const n = this.nodes.length;
    const children: number[][] = Array.from({ length: n }, () => []);
    this.nodes.forEach((node, id) => {
      const ps = new Set<number>();
      for (const s of reads[id]) {
        const o = owner[s];
        if (o >= 0) ps.add(o);
      }
      node.parents = Int32Array.from([...ps].sort((a, b) => a - b));
      for (const p of node.parents) children[p].push(id);
    });
    // Kahn's algorithm, keeping file order among ready nodes.
    const indeg = new Int32Array(n);
    for (const node of this.nodes) indeg[node.id] = node.parents.length;
    const order: number[] = [];
    // Ready nodes in a binary min-heap of ids: the smallest id first, for a stable order
    // (a sorted array with insertion was quadratic when thousands of nodes became ready).
    const heap: number[] = [];
    const push = (x: number) => {
      let i = heap.push(x) - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p] <= x) break;
        heap[i] = heap[p];
        i = p;
      }
      heap[i] = x;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= heap.length) break;
          const r = l + 1;
          const c = r < heap.length && heap[r] < heap[l] ? r : l;
          if (heap[c] >= last) break;
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = last;
      }
      return top;
    };
    for (let i = 0; i < n; i++) if (indeg[i] === 0) push(i);
    while (heap.length > 0) {
      const id = pop();
      order.push(id);
      for (const c of children[id]) {
        indeg[c]--;
        if (indeg[c] === 0) push(c);
      }
    }
    if (order.length < n) {
      // Nodes left over lie on a cycle or downstream of one; walking up through left-over
      // parents from any of them must come back to a node already seen: that is a cycle.
      let id = this.nodes.find((node) => indeg[node.id] > 0)!.id;
      const path: number[] = [];
      const at = new Map<number, number>();
      while (!at.has(id)) {
        at.set(id, path.length);
        path.push(id);
        id = [...this.nodes[id].parents].find((p) => indeg[p] > 0)!;
      }
      const cycle = path.slice(at.get(id)!).reverse();
      const first = this.nodes[cycle[0]];
      const names = [...cycle, cycle[0]].map((c) => this.nodes[c].label).join(' -> ');
      throw this.err(`the model has a directed cycle: ${names}`, first.loc, 'a node cannot depend on itself, directly or through other nodes: break the loop');
    }
    const position = new Int32Array(n);
    order.forEach((id, k) => (position[id] = k));
    // Stochastic children and deterministic descendants of each stochastic node.
    for (const node of this.nodes) {
      if (node.kind !== 'stochastic') continue;
      const det = new Set<number>();
      const stoch = new Set<number>();
      const stack = [...children[node.id]];
      while (stack.length > 0) {
        const c = stack.pop()!;
        const cn = this.nodes[c];
        if (cn.kind === 'stochastic') stoch.add(c);
        else if (!det.has(c)) {
          det.add(c);
          stack.push(...children[c]);
        }
      }
      node.stochChildren = Int32Array.from([...stoch].sort((a, b) => a - b));
      node.detDescendants = Int32Array.from([...det].sort((a, b) => position[a] - position[b]));
    }
    return Int32Array.from(order);
  }

}

/** The slots a node's definition reads. */
function nodeReads(node: GraphNode): Set<number> {
  const set = new Set<number>();
  if (node.kind === 'deterministic') {
    if (node.irs) for (const ir of node.irs) collectSlots(ir, set);
    return set;
  }
  for (const p of node.params) {
    if (p.kind === 'scalar') collectSlots(p.ir, set);
    else for (const e of p.arr.elems) collectSlots(e, set);
  }
  if (node.bounds?.lower) collectSlots(node.bounds.lower, set);
  if (node.bounds?.upper) collectSlots(node.bounds.upper, set);
  return set;
}

/** log density closure of a scalar node, with truncation. */
function scalarLogp(dist: ScalarDist, s: number, evs: readonly Evaluator[], bounds: NodeBounds | null): (v: Float64Array) => number {
  const f = dist.logp;
  const e0 = evs[0];
  const e1 = evs[1] ?? (() => NaN);
  const e2 = evs[2] ?? (() => NaN);
  if (!bounds) {
    if (evs.length === 1) return (v) => f(v[s], e0(v), NaN, NaN);
    if (evs.length === 2) return (v) => f(v[s], e0(v), e1(v), NaN);
    return (v) => f(v[s], e0(v), e1(v), e2(v));
  }
  const lo = bounds.lower ? evaluator(bounds.lower) : () => -Infinity;
  const hi = bounds.upper ? evaluator(bounds.upper) : () => Infinity;
  const cdf = dist.cdf;
  const normalize = bounds.normalize && cdf !== null;
  const discrete = dist.discrete;
  return (v) => {
    const x = v[s];
    const a = e0(v);
    const b = e1(v);
    const c = e2(v);
    const l = lo(v);
    const u = hi(v);
    if (x < l || x > u) return -Infinity;
    const base = f(x, a, b, c);
    if (!normalize || base === -Infinity) return base;
    const fu = u === Infinity ? 1 : cdf!(u, a, b, c);
    const fl = l === -Infinity ? 0 : cdf!(discrete ? l - 1 : l, a, b, c);
    const mass = fu - fl;
    return mass > 0 ? base - Math.log(mass) : -Infinity;
  };
}

/** `name[i,j]` for element `k` (0-based, column-major) of a variable; `name` for a scalar. */
export function elementName(v: Variable, k: number): string {
  if (v.dim.length === 0) return v.name;
  const idx: number[] = [];
  let r = k;
  for (const d of v.dim) {
    idx.push((r % d) + 1);
    r = Math.floor(r / d);
  }
  return `${v.name}[${idx.join(',')}]`;
}

function instanceLabel(v: Variable, inst: Instance): string {
  if (inst.ranges === null) return v.dim.length === 0 ? v.name : `${v.name}[1]`;
  return `${v.name}[${inst.ranges.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`)).join(',')}]`;
}
