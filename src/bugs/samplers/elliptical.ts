/**
 * Elliptical slice sampling (Murray, Adams & MacKay 2010) for a dmnorm node whose children
 * are not linear-Gaussian in it: with ν drawn from the node's prior N(μ, Ω⁻¹), the next value
 * lies on the ellipse μ + (x − μ) cos θ + (ν − μ) sin θ, θ chosen by shrinking a bracket until
 * the children's likelihood exceeds a slice level. No tuning is needed.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { cholesky } from '../distributions.js';
import { type ArrayEvaluator, type ArrIR, arrayEvaluator } from '../ir.js';
import { type Sampler, childrenOf, refreshProgram } from './sampler.js';
import type { RefreshProgram } from '../kernels.js';

export class EllipticalSliceSampler implements Sampler {
  readonly kind = 'EllipticalSlice';
  readonly nodes: readonly number[];
  private readonly k: number;
  private readonly slots: Int32Array;
  private readonly mu: ArrayEvaluator;
  private readonly omega: ArrayEvaluator;
  private readonly children: readonly StochasticNode[];
  private readonly dets: RefreshProgram;
  private readonly m: Float64Array;
  private readonly l: Float64Array;
  private readonly x0: Float64Array;
  private readonly nu: Float64Array;

  constructor(
    model: CompiledModel,
    node: StochasticNode,
  ) {
    this.nodes = [node.id];
    this.k = node.slots.length;
    this.slots = node.slots;
    this.mu = arrayEvaluator((node.params[0] as { arr: ArrIR }).arr);
    this.omega = arrayEvaluator((node.params[1] as { arr: ArrIR }).arr);
    this.children = Array.from(childrenOf(model, [node.id]), (id) => model.nodes[id] as StochasticNode);
    this.dets = refreshProgram(model, [node.id]);
    this.m = new Float64Array(this.k);
    this.l = new Float64Array(this.k * this.k);
    this.x0 = new Float64Array(this.k);
    this.nu = new Float64Array(this.k);
  }

  endAdaptation(): void {}

  private loglik(v: Float64Array): number {
    this.dets.run(v);
    let f = 0;
    for (const c of this.children) f += c.logp(v);
    return f === f ? f : -Infinity;
  }

  update(v: Float64Array, rng: Rng): void {
    const k = this.k;
    this.mu(v, this.m);
    this.omega(v, this.l);
    if (!cholesky(this.l, k)) return;
    // ν − μ = L'⁻¹ z has covariance Ω⁻¹.
    const nu = this.nu;
    for (let i = 0; i < k; i++) nu[i] = rng.normal();
    for (let i = k - 1; i >= 0; i--) {
      let s = nu[i];
      for (let j = i + 1; j < k; j++) s -= this.l[j + i * k] * nu[j];
      nu[i] = s / this.l[i + i * k];
    }
    for (let i = 0; i < k; i++) this.x0[i] = v[this.slots[i]] - this.m[i];
    const y = this.loglik(v) - rng.exponential();
    let theta = 2 * Math.PI * rng.uniform();
    let lo = theta - 2 * Math.PI;
    let hi = theta;
    for (let it = 0; it < 200; it++) {
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      for (let i = 0; i < k; i++) v[this.slots[i]] = this.m[i] + this.x0[i] * c + nu[i] * s;
      if (this.loglik(v) > y) return;
      if (theta < 0) lo = theta;
      else hi = theta;
      theta = lo + (hi - lo) * rng.uniform();
    }
    for (let i = 0; i < k; i++) v[this.slots[i]] = this.m[i] + this.x0[i];
    this.dets.run(v);
  }
}
