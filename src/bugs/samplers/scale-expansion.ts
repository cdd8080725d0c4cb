/**
 * Parameter expansion for the scaled inverse-Wishart prior (Gelman & Hill 2007, §13.3; the
 * move is the PX-DA step of Liu & Wu 1999, JASA 94:1264-1274, and of Gelman, van Dyk, Huang
 * & Boscardin 2008, JCGS 17:95-122). The model
 *
 *   B[j, 1:K] ~ dmnorm(0, T),   T ~ dwish(R, ν) with R diagonal,
 *   ξ_k ~ dunif(lo_k, hi_k), lo_k ≥ 0,   the data see B[j, k] only through ξ_k · B[j, k],
 *
 * identifies only b[j, k] = ξ_k B[j, k] and P = D⁻¹ T D⁻¹ (the precision of the b's, D =
 * diag ξ). Updating ξ, B and T one at a time, each is nearly fixed by the others, and the
 * chain crawls along the redundant direction; the SDs ξ_k √(T⁻¹)_kk mix slowly.
 *
 * This step draws ξ from its conditional given (b, P) and everything else, and moves B and T
 * with it so that b and P stay where they are. In (ξ, P, b) the joint density of ξ is, after
 * the Jacobians of T = D P D (|D|^(K+1)) and B = b D⁻¹ (|D|^-J, cancelled by the normal
 * density of B), prior(ξ) · Π_k ξ_k^ν exp(−½ R_kk P_kk ξ_k²): the ξ_k are independent and
 * u_k = ξ_k² ~ Gamma((ν + 1)/2, R_kk P_kk / 2) truncated to (lo_k², hi_k²). With c_k = ξ'_k/ξ_k:
 * B[j, k] ← B[j, k]/c_k, T_kl ← c_k c_l T_kl. The likelihood is untouched (b is), so the step
 * costs O(J·K) and needs no evaluation of the data's densities.
 *
 * It applies when T's children are all dmnorm nodes with mean 0 and precision T, every node
 * that reads those B's reads each B[j, k] linearly with a coefficient ξ_k × (something free
 * of ξ), offsets and precisions free of the ξ's, and ξ_k's stochastic children are among
 * those nodes.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type IR, collectSlots } from '../ir.js';
import { rowsFor } from '../linear.js';
import { truncatedGamma } from '../math.js';
import { dependentOn, monomial, readsNode } from './precision.js';
import { type Sampler, refreshProgram } from './sampler.js';
import type { RefreshProgram } from '../kernels.js';

export class ScaleExpansionSampler implements Sampler {
  readonly kind = 'ScaleExpansion';
  readonly nodes: readonly number[];
  private readonly K: number;
  /** T's slots, column-major K×K. */
  private readonly tSlots: Int32Array;
  /** B[j, k] slots: bSlots[j * K + k]. */
  private readonly bSlots: Int32Array;
  private readonly xiSlots: Int32Array;
  private readonly rDiag: Float64Array;
  private readonly lo2: Float64Array;
  private readonly hi2: Float64Array;
  private readonly shape: number;
  private readonly c: Float64Array;
  private readonly dets: RefreshProgram;

  private constructor(
    model: CompiledModel,
    wish: StochasticNode,
    effects: readonly StochasticNode[],
    xis: readonly StochasticNode[],
    rDiag: Float64Array,
    nu: number,
  ) {
    const K = xis.length;
    this.K = K;
    this.nodes = [wish.id, ...xis.map((x) => x.id), ...effects.map((e) => e.id)];
    this.tSlots = wish.slots;
    this.bSlots = Int32Array.from(effects.flatMap((e) => Array.from(e.slots)));
    this.xiSlots = Int32Array.from(xis, (x) => x.slots[0]);
    this.rDiag = rDiag;
    const bound = (x: StochasticNode, i: number) => ((x.params[i] as { ir: IR }).ir as { v: number }).v;
    this.lo2 = Float64Array.from(xis, (x) => bound(x, 0) ** 2);
    this.hi2 = Float64Array.from(xis, (x) => bound(x, 1) ** 2);
    this.shape = (nu + 1) / 2;
    this.c = new Float64Array(K);
    this.dets = refreshProgram(model, this.nodes);
  }

  /** The step for a dwish node when the model has this structure, else null. */
  static create(model: CompiledModel, wish: StochasticNode): ScaleExpansionSampler | null {
    if (wish.observed || wish.dist.name !== 'dwish' || wish.stochChildren.length < 2) return null;
    const K = wish.dim[0];
    const r = (wish.params[0] as { arr: { elems: readonly IR[] } }).arr.elems;
    const nuIR = (wish.params[1] as { ir: IR }).ir;
    const rv = r.map((e) => constantOf(model, e));
    if (nuIR.t !== 'const' || rv.some((x) => x === null)) return null;
    const rDiag = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < K; l++) {
        const x = rv[k + l * K]!;
        if (k === l) rDiag[k] = x;
        else if (x !== 0) return null;
      }
      if (!(rDiag[k] > 0)) return null;
    }
    // The children: B[j, 1:K] ~ dmnorm(0, T).
    const effects: StochasticNode[] = [];
    for (const cid of wish.stochChildren) {
      const c = model.nodes[cid] as StochasticNode;
      if (c.observed || c.dist.name !== 'dmnorm' || c.slots.length !== K) return null;
      const prec = (c.params[1] as { arr: { elems: readonly IR[] } }).arr.elems;
      for (let i = 0; i < prec.length; i++) {
        const e = prec[i];
        if (e.t !== 'slot' || e.s !== wish.slots[i]) return null;
      }
      for (const e of (c.params[0] as { arr: { elems: readonly IR[] } }).arr.elems) if (constantOf(model, e) !== 0) return null;
      effects.push(c);
    }
    // Every node reading the B's must be normal and linear in them.
    const rows = rowsFor(model, effects.map((e) => e.id), 'none');
    if (!rows || rows.rows.length === 0) return null;
    const varIndex = new Map<number, number>();
    rows.vars.forEach((s, i) => varIndex.set(s, i));
    // Which element k of its B each row variable is.
    const elementOf = new Int32Array(rows.vars.length).fill(-1);
    for (const e of effects) e.slots.forEach((s, k) => (elementOf[varIndex.get(s)!] = k));
    const xiOf: (StochasticNode | null)[] = Array.from({ length: K }, () => null);
    const memo = new Map<number, Uint8Array>();
    const dep = (x: StochasticNode) => {
      let d = memo.get(x.id);
      if (!d) memo.set(x.id, (d = dependentOn(model, x.id)));
      return d;
    };
    const terms = rows.rows.flatMap((row) => (row.kind === 'scalar' ? row.g : row.g.flat()));
    for (const t of terms) {
      const k = elementOf[t.k];
      if (k < 0) return null;
      // The coefficient must read exactly one stochastic node: the scale of element k.
      const owners = stochasticOwners(model, t.coef);
      if (owners.length !== 1) return null;
      const xi = model.nodes[owners[0]] as StochasticNode;
      if (xiOf[k] === null) xiOf[k] = xi;
      else if (xiOf[k] !== xi) return null;
      const m = monomial(model, t.coef, xi.slots[0], dep(xi));
      if (!m || m.p !== 1) return null;
    }
    if (xiOf.some((x) => x === null)) return null;
    const xis = xiOf as StochasticNode[];
    if (new Set(xis).size !== K) return null;
    const rowNodes = new Set(rows.rows.map((row) => row.node));
    for (const xi of xis) {
      if (xi.observed || xi.dist.name !== 'dunif' || xi.bounds !== null || xi.slots.length !== 1) return null;
      const lo = (xi.params[0] as { ir: IR }).ir;
      const hi = (xi.params[1] as { ir: IR }).ir;
      if (lo.t !== 'const' || hi.t !== 'const' || !(lo.v >= 0) || !(hi.v > lo.v)) return null;
      for (const c of xi.stochChildren) if (!rowNodes.has(c)) return null;
      // Offsets and precisions of the rows must not read the scales.
      for (const row of rows.rows) {
        const ds = row.kind === 'scalar' ? [row.d] : row.d;
        const ps = row.kind === 'scalar' ? [row.prec] : row.prec.elems;
        for (const e of [...ds, ...ps]) if (readsNode(model, e, xi.slots[0], dep(xi))) return null;
      }
    }
    const nu = nuIR.v;
    if (!(nu > K - 1)) return null;
    return new ScaleExpansionSampler(model, wish, effects, xis, rDiag, nu);
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    const { K, tSlots, bSlots, xiSlots, c } = this;
    for (let k = 0; k < K; k++) {
      const xi = v[xiSlots[k]];
      // P_kk = T_kk / ξ_k².
      const pkk = v[tSlots[k + k * K]] / (xi * xi);
      const rate = (this.rDiag[k] * pkk) / 2;
      if (!(rate > 0) || !(xi > 0)) {
        c[k] = 1;
        continue;
      }
      const u = truncatedGamma(rng, this.shape, rate, this.lo2[k], this.hi2[k]);
      const xi1 = Math.sqrt(u);
      if (!(xi1 > 0) || !Number.isFinite(xi1)) {
        c[k] = 1;
        continue;
      }
      c[k] = xi1 / xi;
      v[xiSlots[k]] = xi1;
    }
    for (let j = 0; j < bSlots.length; j += K) for (let k = 0; k < K; k++) v[bSlots[j + k]] /= c[k];
    for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) v[tSlots[k + l * K]] *= c[k] * c[l];
    this.dets.run(v);
  }
}

/** The value of a constant expression (a constant, or a deterministic node defined as one), else null. */
function constantOf(model: CompiledModel, e: IR): number | null {
  if (e.t === 'const') return e.v;
  if (e.t !== 'slot') return null;
  const o = model.owner[e.s];
  if (o < 0) return null;
  const node = model.nodes[o];
  if (node.kind !== 'deterministic' || !node.irs) return null;
  const ir = node.irs[node.slots.indexOf(e.s)];
  return ir.t === 'const' ? ir.v : null;
}

/** The stochastic nodes an expression reads, directly or through deterministic nodes. */
function stochasticOwners(model: CompiledModel, ir: IR): number[] {
  const out = new Set<number>();
  const seen = new Set<number>();
  const visit = (s: number) => {
    const o = model.owner[s];
    if (o < 0 || seen.has(o)) return;
    seen.add(o);
    const node = model.nodes[o];
    if (node.kind === 'stochastic') {
      out.add(o);
      return;
    }
    if (node.irs) for (const x of node.irs) for (const t of collectSlots(x, new Set())) visit(t);
    else for (const p of node.parents) for (const t of model.nodes[p].slots) visit(t);
  };
  for (const s of collectSlots(ir, new Set())) visit(s);
  return [...out];
}
