/**
 * Conjugate Wishart update for a precision matrix Ω ~ dwish(R, k) (JAGS's form: density
 * ∝ |Ω|^((k−p−1)/2) exp(−tr(RΩ)/2), E[Ω] = k R⁻¹) whose children are all dmnorm nodes
 * x_j ~ dmnorm(μ_j, Ω) with means free of Ω: Ω | … ~ dwish(R + Σ (x_j − μ_j)(x_j − μ_j)', k + n).
 * Draws use the Bartlett decomposition: with S = R'⁻¹ = LL' and A lower triangular,
 * A_ii = √χ²(k' − i + 1), A_ij ~ N(0, 1) below the diagonal, Ω = L A A' L'.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { cholesky, inverseFromCholesky } from '../distributions.js';
import { type ArrayEvaluator, type ArrIR, type Evaluator, type IR, arrayEvaluator, evaluator } from '../ir.js';
import { dependentOn, readsNode } from './precision.js';
import { type Sampler, refreshProgram } from './sampler.js';
import { ExprProgram, type RefreshProgram } from '../kernels.js';

/** Draws Ω ~ Wishart with E[Ω] = k R⁻¹ (p×p, column-major) into out. */
export function drawWishart(rng: Rng, r: Float64Array, k: number, p: number, out: Float64Array, scratch: WishartScratch = new WishartScratch(p)): boolean {
  const { l, s, a, b } = scratch;
  l.set(r);
  if (!cholesky(l, p)) return false;
  inverseFromCholesky(l, p, s);
  if (!cholesky(s, p)) return false;
  for (let i = 0; i < p; i++) {
    a[i + i * p] = Math.sqrt(rng.chisq(k - i));
    for (let j = 0; j < i; j++) a[i + j * p] = rng.normal();
  }
  // B = L A (lower triangular), Ω = B B'.
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let m = j; m <= i; m++) t += s[i + m * p] * a[m + j * p];
      b[i + j * p] = t;
    }
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let m = 0; m <= j; m++) t += b[i + m * p] * b[j + m * p];
      out[i + j * p] = t;
      out[j + i * p] = t;
    }
  }
  return true;
}

/** Work arrays of drawWishart for p×p matrices (A's upper triangle stays zero). */
export class WishartScratch {
  readonly l: Float64Array;
  readonly s: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  constructor(p: number) {
    this.l = new Float64Array(p * p);
    this.s = new Float64Array(p * p);
    this.a = new Float64Array(p * p);
    this.b = new Float64Array(p * p);
  }
}

export class WishartSampler implements Sampler {
  readonly kind = 'ConjugateWishart';
  readonly nodes: readonly number[];
  private readonly p: number;
  private readonly slots: Int32Array;
  private readonly r: ArrayEvaluator;
  private readonly k: Evaluator;
  /** The children's value slots, p per child, and their means (evaluated into `mu`). */
  private readonly x: Int32Array;
  private readonly muProgram: ExprProgram;
  private readonly mu: Float64Array;
  private readonly nChildren: number;
  private readonly dets: RefreshProgram;
  private readonly rb: Float64Array;
  private readonly mb: Float64Array;
  private readonly out: Float64Array;
  private readonly scratch: WishartScratch;

  private constructor(
    model: CompiledModel,
    node: StochasticNode,
    children: readonly StochasticNode[],
  ) {
    this.nodes = [node.id];
    this.p = node.dim[0];
    this.slots = node.slots;
    this.r = arrayEvaluator((node.params[0] as { arr: ArrIR }).arr);
    this.k = evaluator((node.params[1] as { ir: IR }).ir);
    this.nChildren = children.length;
    this.x = Int32Array.from(children.flatMap((c) => Array.from(c.slots)));
    this.muProgram = new ExprProgram(children.flatMap((c) => (c.params[0] as { arr: ArrIR }).arr.elems));
    this.mu = new Float64Array(this.x.length);
    this.muProgram.fill(this.mu);
    this.dets = refreshProgram(model, [node.id]);
    this.rb = new Float64Array(this.p * this.p);
    this.mb = new Float64Array(this.p);
    this.out = new Float64Array(this.p * this.p);
    this.scratch = new WishartScratch(this.p);
  }

  static create(model: CompiledModel, node: StochasticNode): WishartSampler | null {
    if (node.observed || node.dist.name !== 'dwish' || node.stochChildren.length === 0) return null;
    const dep = dependentOn(model, node.id);
    const children: StochasticNode[] = [];
    for (const cid of node.stochChildren) {
      const c = model.nodes[cid] as StochasticNode;
      if (c.dist.name !== 'dmnorm') return null;
      const prec = (c.params[1] as { arr: ArrIR }).arr;
      if (prec.elems.length !== node.slots.length) return null;
      for (let i = 0; i < prec.elems.length; i++) {
        const e = prec.elems[i];
        if (e.t !== 'slot' || e.s !== node.slots[i]) return null;
      }
      const mu = (c.params[0] as { arr: ArrIR }).arr;
      if (mu.elems.some((e) => readsNode(model, e, node.slots[0], dep) || node.slots.some((s) => readsNode(model, e, s, dep)))) return null;
      children.push(c);
    }
    return new WishartSampler(model, node, children);
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    const p = this.p;
    const r = this.rb;
    this.r(v, r);
    const m = this.mb;
    const mu = this.mu;
    const x = this.x;
    this.muProgram.run(v, mu);
    for (let c = 0, off = 0; c < this.nChildren; c++, off += p) {
      for (let i = 0; i < p; i++) m[i] = v[x[off + i]] - mu[off + i];
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) r[i + j * p] += m[i] * m[j];
    }
    const k = this.k(v) + this.nChildren;
    if (!drawWishart(rng, r, k, p, this.out, this.scratch)) return;
    for (let i = 0; i < p * p; i++) v[this.slots[i]] = this.out[i];
    this.dets.run(v);
  }
}
