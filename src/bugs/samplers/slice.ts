/**
 * Univariate slice sampling (Neal 2003, "Slice sampling", Ann. Statist. 31(3)): stepping out
 * with at most MAX_STEPS widths on each side, then shrinkage. The width adapts during the
 * adaptive phase to twice the mean distance moved. Integer-valued nodes are sampled on the
 * continuous variable z with x = floor(z), whose density is constant on [x, x + 1).
 *
 * Nodes with few possible values (dbern, dcat, dbin with a small size, bounded integers) are
 * instead drawn exactly by enumerating their full conditional (FiniteSampler).
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type IR, evaluator } from '../ir.js';
import { modelError } from '../parse.js';
import { type Sampler, childrenOf, refreshProgram } from './sampler.js';
import type { RefreshProgram } from '../kernels.js';

const MAX_STEPS = 10;
const ADAPT_BATCH = 50;
/** Nodes with at most this many possible values are enumerated. */
export const MAX_FINITE = 40;

/**
 * A child's log density up to terms that do not change while one of its parents moves: for
 * an observed (or, during the parent's update, fixed) value x and constant parameters, the
 * binomial coefficient of dbin, log x! of dpois and the 2π of dnorm are left out. Children of
 * other kinds use their own logp.
 */
export function childKernel(child: StochasticNode): (v: Float64Array) => number {
  if (child.bounds !== null || child.dist.kind !== 'scalar') return child.logp;
  const s = child.slots[0];
  const param = (k: number) => (child.params[k] as { ir: IR }).ir;
  const name = child.dist.name;
  if (name === 'dbin' && param(1).t === 'const') {
    const n = (param(1) as { v: number }).v;
    const p = evaluator(param(0));
    const full = child.logp;
    return (v) => {
      const x = v[s];
      const q = p(v);
      // Edges (p at 0 or 1, x out of range) go through the full density.
      if (!(q > 0 && q < 1) || !(x >= 0 && x <= n) || !Number.isInteger(x)) return full(v);
      return x * Math.log(q) + (n - x) * Math.log1p(-q);
    };
  }
  if (name === 'dpois') {
    const lambda = evaluator(param(0));
    const full = child.logp;
    return (v) => {
      const x = v[s];
      const l = lambda(v);
      if (!(l > 0) || !(x >= 0) || !Number.isInteger(x)) return full(v);
      return x * Math.log(l) - l;
    };
  }
  if (name === 'dnorm') {
    const mu = evaluator(param(0));
    const tau = evaluator(param(1));
    return (v) => {
      const t = tau(v);
      if (!(t > 0)) return -Infinity;
      const d = v[s] - mu(v);
      return 0.5 * Math.log(t) - 0.5 * t * d * d;
    };
  }
  return child.logp;
}

/** The log full conditional of a scalar node: its own density plus its children's. */
export class FullConditional {
  readonly slot: number;
  private readonly dets: RefreshProgram;
  private readonly children: readonly ((v: Float64Array) => number)[];
  readonly lower: (v: Float64Array) => number;
  readonly upper: (v: Float64Array) => number;

  constructor(
    readonly model: CompiledModel,
    readonly node: StochasticNode,
  ) {
    this.slot = node.slots[0];
    this.dets = refreshProgram(model, [node.id]);
    this.children = Array.from(childrenOf(model, [node.id]), (id) => childKernel(model.nodes[id] as StochasticNode));
    const dist = node.dist;
    if (dist.kind === 'scalar') {
      const evs = node.params.map((p) => evaluator((p as { ir: IR }).ir));
      const e = [evs[0], evs[1] ?? (() => NaN), evs[2] ?? (() => NaN)];
      const lo = node.bounds?.lower ? evaluator(node.bounds.lower) : null;
      const hi = node.bounds?.upper ? evaluator(node.bounds.upper) : null;
      this.lower = (v) => {
        const a = dist.lower(e[0](v), e[1](v), e[2](v));
        return lo ? Math.max(a, lo(v)) : a;
      };
      this.upper = (v) => {
        const b = dist.upper(e[0](v), e[1](v), e[2](v));
        return hi ? Math.min(b, hi(v)) : b;
      };
    } else {
      // dcat: 1 … K
      const k = (node.params[0] as { arr: { elems: readonly unknown[] } }).arr.elems.length;
      this.lower = () => 1;
      this.upper = () => k;
    }
  }

  /**
   * log density with the node at x (sets the slot and recomputes what depends on it), up to
   * a constant: the children's terms that do not depend on the node are left out.
   */
  at(v: Float64Array, x: number): number {
    v[this.slot] = x;
    this.dets.run(v);
    let f = this.node.logp(v);
    if (!(f > -Infinity)) return -Infinity;
    const ch = this.children;
    for (let i = 0; i < ch.length; i++) {
      f += ch[i](v);
      if (!(f > -Infinity)) return -Infinity;
    }
    return f === f ? f : -Infinity;
  }
}

export class SliceSampler implements Sampler {
  readonly kind: string;
  readonly nodes: readonly number[];
  private width = 1;
  private adapting = true;
  private sumMove = 0;
  private nMove = 0;
  private readonly fc: FullConditional;
  private readonly discrete: boolean;

  constructor(model: CompiledModel, node: StochasticNode) {
    this.fc = new FullConditional(model, node);
    this.nodes = [node.id];
    this.discrete = node.dist.kind === 'cat' || (node.dist.kind === 'scalar' && node.dist.discrete);
    this.kind = this.discrete ? 'DiscreteSlice' : 'Slice';
    if (this.discrete) this.width = 2;
  }

  endAdaptation(): void {
    this.adapting = false;
  }

  update(v: Float64Array, rng: Rng): void {
    const fc = this.fc;
    const x0 = v[fc.slot];
    const lo = fc.lower(v);
    let hi = fc.upper(v);
    // On the continuous scale z: x = floor(z), support [lo, hi + 1).
    const z0 = this.discrete ? x0 + rng.uniform() : x0;
    if (this.discrete) hi = hi + 1;
    const f = this.discrete ? (z: number) => fc.at(v, Math.floor(z)) : (z: number) => fc.at(v, z);
    const f0 = f(z0);
    if (!(f0 > -Infinity)) {
      v[fc.slot] = x0;
      fc.at(v, x0);
      throw modelError(
        `the slice sampler for ${fc.node.label} is at a point of zero density (${x0})`,
        fc.model.path,
        fc.model.text,
        fc.node.loc,
        'check the initial values and that the priors support the data',
      );
    }
    const y = f0 - rng.exponential();
    const w = this.width;
    let left = z0 - w * rng.uniform();
    let right = left + w;
    let j = Math.floor(MAX_STEPS * rng.uniform());
    let k = MAX_STEPS - 1 - j;
    while (j > 0 && left > lo && f(left) > y) {
      left -= w;
      j--;
    }
    while (k > 0 && right < hi && f(right) > y) {
      right += w;
      k--;
    }
    if (left < lo) left = lo;
    if (right > hi) right = hi;
    let z1 = z0;
    for (let i = 0; i < 1000; i++) {
      z1 = left + (right - left) * rng.uniform();
      if (z1 < lo || z1 >= hi) z1 = z0; // rounding at a bound: stay
      const f1 = f(z1);
      if (f1 >= y) break;
      if (z1 < z0) left = z1;
      else right = z1;
      if (right - left < 1e-300) {
        z1 = z0;
        break;
      }
    }
    const x1 = this.discrete ? Math.floor(z1) : z1;
    fc.at(v, x1);
    if (this.adapting) {
      this.sumMove += Math.abs(z1 - z0);
      this.nMove++;
      if (this.nMove === ADAPT_BATCH) {
        const mean = this.sumMove / this.nMove;
        if (mean > 0) this.width = Math.max(2 * mean, this.discrete ? 1 : 1e-12 * Math.max(1, Math.abs(z1)));
        this.sumMove = 0;
        this.nMove = 0;
      }
    }
  }
}

/** Exact draws for a node with few possible values, by enumeration. */
export class FiniteSampler implements Sampler {
  readonly kind = 'Finite';
  readonly nodes: readonly number[];
  private readonly fc: FullConditional;
  private readonly logw: Float64Array;

  constructor(model: CompiledModel, node: StochasticNode) {
    this.fc = new FullConditional(model, node);
    this.nodes = [node.id];
    this.logw = new Float64Array(MAX_FINITE + 1);
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    const fc = this.fc;
    const lo = Math.ceil(fc.lower(v));
    const hi = Math.floor(fc.upper(v));
    const n = hi - lo + 1;
    const lw = n <= this.logw.length ? this.logw : new Float64Array(n);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      lw[i] = fc.at(v, lo + i);
      if (lw[i] > max) max = lw[i];
    }
    if (!(max > -Infinity)) {
      throw modelError(`every value of ${fc.node.label} has zero probability given the rest of the model`, fc.model.path, fc.model.text, fc.node.loc, 'check the data and the initial values');
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      lw[i] = Math.exp(lw[i] - max);
      total += lw[i];
    }
    let u = rng.uniform() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= lw[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
    fc.at(v, lo + pick);
  }
}

/** The number of values a discrete node can take (Infinity when unbounded). */
export function supportSize(fc: FullConditional, v: Float64Array): number {
  const lo = fc.lower(v);
  const hi = fc.upper(v);
  return Number.isFinite(lo) && Number.isFinite(hi) ? Math.floor(hi) - Math.ceil(lo) + 1 : Infinity;
}
