/**
 * Exact draws for a scalar with a bounded prior that enters its children linearly: a node
 * s ~ dunif(lo, hi) or s ~ dnorm(m, τ) T(lo, hi) whose stochastic children are all normal
 * nodes with means affine in s and precisions free of s. Its full conditional is a normal
 * truncated to the prior's support. Typical uses: the scale ξ of a scaled inverse-Wishart
 * (B = ξ·B.raw), an SD in the non-centred form y ~ dnorm(mu + sigma·eta, tau), a slope with
 * a uniform prior.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type Evaluator, type IR, evaluator } from '../ir.js';
import { rowsFor } from '../linear.js';
import { truncatedNormal } from '../math.js';
import { RowSystem } from './rows.js';
import { type Sampler, refreshProgram } from './sampler.js';
import type { RefreshProgram } from '../kernels.js';

export class LinearScalarSampler implements Sampler {
  readonly kind = 'TruncatedNormal';
  readonly nodes: readonly number[];
  private readonly slot: number;
  private readonly rows: RowSystem;
  private readonly dets: RefreshProgram;
  private readonly dir = Float64Array.of(1);
  private readonly lo: Evaluator;
  private readonly hi: Evaluator;
  /** For a dnorm prior: its mean and precision. */
  private readonly priorMean: Evaluator | null;
  private readonly priorPrec: Evaluator | null;

  private constructor(
    model: CompiledModel,
    node: StochasticNode,
    rows: RowSystem,
  ) {
    this.nodes = [node.id];
    this.slot = node.slots[0];
    this.rows = rows;
    this.dets = refreshProgram(model, [node.id]);
    const ps = node.params.map((p) => evaluator((p as { ir: IR }).ir));
    const blo = node.bounds?.lower ? evaluator(node.bounds.lower) : null;
    const bhi = node.bounds?.upper ? evaluator(node.bounds.upper) : null;
    if (node.dist.name === 'dunif') {
      this.lo = blo ? (v) => Math.max(ps[0](v), blo(v)) : ps[0];
      this.hi = bhi ? (v) => Math.min(ps[1](v), bhi(v)) : ps[1];
      this.priorMean = null;
      this.priorPrec = null;
    } else {
      this.lo = blo ?? (() => -Infinity);
      this.hi = bhi ?? (() => Infinity);
      this.priorMean = ps[0];
      this.priorPrec = ps[1];
    }
  }

  /** A sampler for the node when it qualifies, else null. */
  static create(model: CompiledModel, node: StochasticNode): LinearScalarSampler | null {
    if (node.observed || node.dist.kind !== 'scalar' || node.slots.length !== 1) return null;
    const isUnif = node.dist.name === 'dunif';
    const isTruncNorm = node.dist.name === 'dnorm' && node.bounds !== null && node.bounds.normalize;
    if (!isUnif && !isTruncNorm) return null;
    if (node.stochChildren.length === 0) return null;
    const r = rowsFor(model, [node.id], 'normal-only');
    if (!r) return null;
    // The node's own parameters and bounds must not read the node itself (they cannot: no cycles).
    const own = r.rows.filter((row) => row.node === node.id);
    const rows = r.rows.filter((row) => row.node !== node.id);
    if (own.length > 0 || rows.length === 0) return null;
    return new LinearScalarSampler(model, node, new RowSystem(model, rows));
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    const s0 = v[this.slot];
    this.rows.quadratic(v, this.dir);
    let P = this.rows.precision;
    let b = this.rows.linear;
    if (this.priorPrec) {
      const t = this.priorPrec(v);
      P += t;
      b += t * (this.priorMean!(v) - s0);
    }
    const lo = this.lo(v);
    const hi = this.hi(v);
    let x: number;
    if (P > 0) x = truncatedNormal(rng, s0 + b / P, 1 / Math.sqrt(P), lo, hi);
    else x = lo + (hi - lo) * rng.uniform();
    v[this.slot] = x;
    this.dets.run(v);
  }
}
