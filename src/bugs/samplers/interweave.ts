/**
 * The interweaving step for a scale parameter (Yu & Meng 2011, "To center or not to center:
 * that is not the question", JCGS 20(3)): after the usual (centred) update of a group-level
 * SD or precision s, s is drawn again in the standardised parameterisation, holding the
 * standardised effects η_j = (a_j − m_j)·√(c_j s^p) fixed, and the effects are moved with it:
 *
 *   a_j(s') = m_j + λ(s')·(a_j − m_j),   λ(s') = (s'/s)^(−p/2).
 *
 * The effects' own priors do not depend on s' in that form, so the conditional of s' is its
 * prior times the likelihood of the effects' children, which is Gaussian in λ:
 * exp(−½P(λ−1)² + b(λ−1)) with P, b from the children's rows (rows.ts). For an SD with a
 * uniform prior (p = −2, λ linear) that is a truncated normal draw; otherwise s' is drawn by
 * slice sampling this one-dimensional density, whose evaluation is O(1).
 *
 * It applies when every child of s is an unobserved dnorm node a_j whose precision is c_j·s^p
 * and whose mean reads neither s nor any a_k, and every node reading the a_j is a normal node
 * linear in them with a precision free of them (their conditional is Gaussian).
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type Evaluator, type IR, evaluator } from '../ir.js';
import { rowsFor } from '../linear.js';
import { truncatedNormal } from '../math.js';
import { precisionChildren } from './precision.js';
import { RowSystem } from './rows.js';
import { type Sampler, refreshProgram } from './sampler.js';
import { ExprProgram, type RefreshProgram } from '../kernels.js';

/** Stepping-out limit of the slice step, in widths (both sides together). */
const MAX_STEPS = 10;

export class InterweaveSampler implements Sampler {
  readonly kind = 'Interweave';
  readonly nodes: readonly number[];
  private readonly slot: number;
  private readonly effects: Int32Array;
  private readonly meanProgram: ExprProgram;
  private readonly mean: Float64Array;
  private readonly dir: Float64Array;
  private readonly zeta: Float64Array;
  private readonly dets: RefreshProgram;
  private readonly uniform: { lo: Evaluator; hi: Evaluator } | null;
  private width = 1;
  private adapting = true;
  private sumMove = 0;
  private nMove = 0;

  private constructor(
    model: CompiledModel,
    private readonly node: StochasticNode,
    effectNodes: readonly StochasticNode[],
    private readonly rows: RowSystem,
    varSlots: Int32Array,
    private readonly p: number,
  ) {
    this.nodes = [node.id, ...effectNodes.map((n) => n.id)];
    this.slot = node.slots[0];
    // Variable k of the row system ↔ slot varSlots[k]; effects are those variables.
    const index = new Map<number, number>();
    varSlots.forEach((s, k) => index.set(s, k));
    this.effects = Int32Array.from(effectNodes, (n) => index.get(n.slots[0])!);
    this.meanProgram = new ExprProgram(effectNodes.map((n) => (n.params[0] as { ir: IR }).ir));
    this.mean = new Float64Array(effectNodes.length);
    this.meanProgram.fill(this.mean);
    this.dir = new Float64Array(varSlots.length);
    this.zeta = new Float64Array(effectNodes.length);
    this.dets = refreshProgram(model, this.nodes);
    this.varSlots = varSlots;
    if (node.dist.name === 'dunif' && p === -2 && node.bounds === null) {
      this.uniform = { lo: evaluator((node.params[0] as { ir: IR }).ir), hi: evaluator((node.params[1] as { ir: IR }).ir) };
    } else this.uniform = null;
  }

  private readonly varSlots: Int32Array;

  /** The step for this node when it applies, else null. */
  static create(model: CompiledModel, node: StochasticNode): InterweaveSampler | null {
    if (node.observed || node.dist.kind !== 'scalar' || node.slots.length !== 1) return null;
    if (!positiveSupport(node)) return null;
    const pc = precisionChildren(model, node);
    if (!pc) return null;
    const effects = pc.children.map((c) => c.node);
    if (effects.some((e) => e.observed || e.dist.name !== 'dnorm')) return null;
    if (effects.length < 2) return null;
    const r = rowsFor(model, effects.map((e) => e.id), 'none');
    if (!r || r.rows.length === 0) return null;
    // The effects' means must not read the effects (a chain a_j → a_k is not a scale family).
    for (const e of effects) if (r.lin.depends((e.params[0] as { ir: IR }).ir)) return null;
    return new InterweaveSampler(model, node, effects, new RowSystem(model, r.rows), r.vars, pc.p);
  }

  endAdaptation(): void {
    this.adapting = false;
  }

  update(v: Float64Array, rng: Rng): void {
    const s0 = v[this.slot];
    const { effects, zeta, dir } = this;
    const mean = this.mean;
    this.meanProgram.run(v, mean);
    for (let j = 0; j < effects.length; j++) {
      const z = v[this.varSlots[effects[j]]] - mean[j];
      zeta[j] = z;
      dir[effects[j]] = z;
    }
    this.rows.quadratic(v, dir);
    const P = this.rows.precision;
    const b = this.rows.linear;
    if (!(P > 0)) return;
    const half = -this.p / 2;
    let s1: number;
    if (this.uniform) {
      // λ = s'/s0: s' ~ N(s0 (1 + b/P), s0²/P) on the prior's support.
      const lo = Math.max(0, this.uniform.lo(v));
      const hi = this.uniform.hi(v);
      s1 = truncatedNormal(rng, s0 * (1 + b / P), s0 / Math.sqrt(P), lo, hi);
      if (!(s1 > 0)) return;
    } else {
      s1 = this.sliceDraw(v, rng, s0, P, b, half);
    }
    const lambda = Math.pow(s1 / s0, half);
    v[this.slot] = s1;
    for (let j = 0; j < effects.length; j++) {
      const slot = this.varSlots[effects[j]];
      v[slot] = v[slot] - zeta[j] + lambda * zeta[j];
    }
    this.dets.run(v);
  }

  /**
   * Slice sampling of log prior(s) − ½P(λ(s)−1)² + b(λ(s)−1) on s > 0, done on u = log s (whose
   * density has the Jacobian s): a scale's conditional spans orders of magnitude, and a width
   * on the log scale is the same wherever the chain is (a width proportional to s itself would
   * make the step depend on the current point and break detailed balance). Stepping out uses
   * Neal's (2003) random split of MAX_STEPS widths between the two sides.
   */
  private sliceDraw(v: Float64Array, rng: Rng, s0: number, P: number, b: number, half: number): number {
    const node = this.node;
    const slot = this.slot;
    const g = (u: number): number => {
      const s = Math.exp(u);
      if (!(s > 0) || !Number.isFinite(s)) return -Infinity;
      v[slot] = s;
      const lp = node.logp(v);
      if (!(lp > -Infinity)) return -Infinity;
      const t = Math.pow(s / s0, half) - 1;
      const f = lp - 0.5 * P * t * t + b * t + u;
      return f === f ? f : -Infinity;
    };
    const u0 = Math.log(s0);
    const g0 = g(u0);
    if (!(g0 > -Infinity)) {
      v[slot] = s0;
      return s0;
    }
    const y = g0 - rng.exponential();
    const w = this.width;
    let left = u0 - w * rng.uniform();
    let right = left + w;
    let j = Math.floor(MAX_STEPS * rng.uniform());
    let k = MAX_STEPS - 1 - j;
    while (j > 0 && g(left) > y) {
      left -= w;
      j--;
    }
    while (k > 0 && g(right) > y) {
      right += w;
      k--;
    }
    let u1 = u0;
    for (let i = 0; i < 200; i++) {
      const u = left + (right - left) * rng.uniform();
      if (g(u) >= y) {
        u1 = u;
        break;
      }
      if (u < u0) left = u;
      else right = u;
    }
    v[slot] = s0;
    if (this.adapting) {
      this.sumMove += Math.abs(u1 - u0);
      if (++this.nMove === 50) {
        const m = this.sumMove / this.nMove;
        if (m > 0) this.width = 2 * m;
        this.sumMove = 0;
        this.nMove = 0;
      }
    }
    return Math.exp(u1);
  }
}

/** Is the node's support within [0, ∞) whatever its parents? */
function positiveSupport(node: StochasticNode): boolean {
  const name = node.dist.name;
  if (name === 'dgamma' || name === 'dexp' || name === 'dlnorm' || name === 'dbeta') return true;
  if (name === 'dunif') {
    const lo = (node.params[0] as { ir: IR }).ir;
    return lo.t === 'const' && lo.v >= 0;
  }
  const lo = node.bounds?.lower;
  return lo !== undefined && lo !== null && lo.t === 'const' && lo.v >= 0;
}
