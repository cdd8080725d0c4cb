/**
 * Conjugate updates for a node s that enters its children only through their precisions,
 * each child's precision being c·s^p (c free of s, one power p for all children): normal
 * children y ~ dnorm(m, c s^p) (or dlnorm, on log y) contribute t^{n/2} exp(−t·SS/2) with
 * t = s^p and SS = Σ c (y − m)². Then
 *
 *   s ~ dgamma(a, b) (or dexp(b), a = 1), p = 1:   t | … ~ Gamma(a + n/2, b + SS/2)
 *                                                   (truncated when s has T(lo, hi))
 *   s ~ dunif(lo, hi), lo ≥ 0, any p ≠ 0:           t | … ~ Gamma(n/2 + 1/p, SS/2)
 *                                                   truncated to t between lo^p and hi^p
 *
 * The second line is the "truncated gamma" draw for an SD with a dunif(0, A) prior
 * (tau = sigma^-2: p = −2, shape (n − 1)/2, t > A⁻²), and also covers variances (p = −1)
 * and precisions (p = 1) with uniform priors.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type Evaluator, type IR, bin, call, constIR, evaluator, neg } from '../ir.js';
import { truncatedGamma } from '../math.js';
import { type Sampler, refreshProgram } from './sampler.js';
import { ExprProgram, type RefreshProgram } from '../kernels.js';

export interface Monomial {
  readonly coef: IR;
  readonly p: number;
}

/**
 * Writes an expression as coef · s^p where s is the value of `slot` (looking through
 * deterministic nodes that depend on it), or returns null. `dependent[id]` marks the
 * deterministic nodes that depend on s.
 */
export function monomial(model: CompiledModel, ir: IR, slot: number, dependent: Uint8Array): Monomial | null {
  const dep = (x: IR): boolean => {
    switch (x.t) {
      case 'const':
        return false;
      case 'slot':
        return x.s === slot || (model.owner[x.s] >= 0 && dependent[model.owner[x.s]] === 1);
      case 'neg':
      case 'not':
        return dep(x.a);
      case 'bin':
        return dep(x.a) || dep(x.b);
      case 'fn':
        return x.args.some(dep);
      case 'agg':
        return x.args.some((a) => a.elems.some(dep));
    }
  };
  const go = (x: IR): Monomial | null => {
    if (!dep(x)) return { coef: x, p: 0 };
    switch (x.t) {
      case 'slot': {
        if (x.s === slot) return { coef: constIR(1), p: 1 };
        const node = model.nodes[model.owner[x.s]];
        if (node.kind !== 'deterministic' || !node.irs) return null;
        return go(node.irs[node.slots.indexOf(x.s)]);
      }
      case 'neg': {
        const a = go(x.a);
        return a && { coef: neg(a.coef), p: a.p };
      }
      case 'bin': {
        if (x.op === '*' || x.op === '/') {
          const a = go(x.a);
          const b = a && go(x.b);
          if (!a || !b) return null;
          return { coef: bin(x.op, a.coef, b.coef), p: x.op === '*' ? a.p + b.p : a.p - b.p };
        }
        if (x.op === '^' && x.b.t === 'const') {
          const a = go(x.a);
          return a && { coef: bin('^', a.coef, x.b), p: a.p * x.b.v };
        }
        return null;
      }
      case 'fn': {
        if (x.f === 'pow' && x.args[1].t === 'const') {
          const a = go(x.args[0]);
          return a && { coef: call('pow', [a.coef, x.args[1]]), p: a.p * x.args[1].v };
        }
        if (x.f === 'sqrt') {
          const a = go(x.args[0]);
          return a && { coef: call('sqrt', [a.coef]), p: a.p / 2 };
        }
        return null;
      }
      default:
        return null;
    }
  };
  return go(ir);
}

/** Deterministic nodes that depend on the given stochastic node. */
export function dependentOn(model: CompiledModel, id: number): Uint8Array {
  const dep = new Uint8Array(model.nodes.length);
  for (const d of (model.nodes[id] as StochasticNode).detDescendants) dep[d] = 1;
  return dep;
}

/** Does an expression read s (directly or through deterministic nodes)? */
export function readsNode(model: CompiledModel, ir: IR, slot: number, dependent: Uint8Array): boolean {
  return monomialDepends(model, ir, slot, dependent);
}

function monomialDepends(model: CompiledModel, x: IR, slot: number, dependent: Uint8Array): boolean {
  switch (x.t) {
    case 'const':
      return false;
    case 'slot':
      return x.s === slot || (model.owner[x.s] >= 0 && dependent[model.owner[x.s]] === 1);
    case 'neg':
    case 'not':
      return monomialDepends(model, x.a, slot, dependent);
    case 'bin':
      return monomialDepends(model, x.a, slot, dependent) || monomialDepends(model, x.b, slot, dependent);
    case 'fn':
      return x.args.some((a) => monomialDepends(model, a, slot, dependent));
    case 'agg':
      return x.args.some((a) => a.elems.some((e) => monomialDepends(model, e, slot, dependent)));
  }
}

/** A child of a precision-type node: residual and weight. */
export interface PrecisionChild {
  readonly node: StochasticNode;
  readonly coef: IR;
}

/**
 * The children of `node` if every one is a normal (or log-normal) node whose precision is
 * c·s^p with a common p and whose mean does not read s; otherwise null.
 */
export function precisionChildren(model: CompiledModel, node: StochasticNode): { children: PrecisionChild[]; p: number } | null {
  if (node.slots.length !== 1 || node.stochChildren.length === 0) return null;
  const s = node.slots[0];
  const dep = dependentOn(model, node.id);
  let power: number | null = null;
  const children: PrecisionChild[] = [];
  for (const cid of node.stochChildren) {
    const c = model.nodes[cid] as StochasticNode;
    if (c.bounds !== null || (c.dist.name !== 'dnorm' && c.dist.name !== 'dlnorm')) return null;
    const mean = (c.params[0] as { ir: IR }).ir;
    const prec = (c.params[1] as { ir: IR }).ir;
    if (monomialDepends(model, mean, s, dep)) return null;
    const m = monomial(model, prec, s, dep);
    if (!m || m.p === 0) return null;
    if (power === null) power = m.p;
    else if (power !== m.p) return null;
    children.push({ node: c, coef: m.coef });
  }
  return power === null ? null : { children, p: power };
}

/** Sum of c·e² over precision children, with e = value − mean (log value for dlnorm). */
export class ResidualSum {
  private readonly valueProgram: ExprProgram;
  private readonly meanProgram: ExprProgram;
  private readonly coefProgram: ExprProgram;
  private readonly value: Float64Array;
  private readonly mean: Float64Array;
  private readonly coef: Float64Array;
  private readonly anyLog: boolean;
  private readonly logValue: Uint8Array;
  readonly n: number;

  constructor(model: CompiledModel, children: readonly PrecisionChild[]) {
    const n = children.length;
    this.n = n;
    this.logValue = new Uint8Array(n);
    const values: IR[] = [];
    const means: IR[] = [];
    const coefs: IR[] = [];
    children.forEach((c, i) => {
      const s = c.node.slots[0];
      const x = model.initial[s];
      values.push(Number.isNaN(x) ? { t: 'slot', s } : constIR(x));
      this.logValue[i] = c.node.dist.name === 'dlnorm' ? 1 : 0;
      means.push((c.node.params[0] as { ir: IR }).ir);
      coefs.push(c.coef);
    });
    this.anyLog = this.logValue.some((x) => x === 1);
    this.valueProgram = new ExprProgram(values);
    this.meanProgram = new ExprProgram(means);
    this.coefProgram = new ExprProgram(coefs);
    this.value = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.coef = new Float64Array(n);
    this.valueProgram.fill(this.value);
    this.meanProgram.fill(this.mean);
    this.coefProgram.fill(this.coef);
  }

  sum(v: Float64Array): number {
    const { value, mean, coef, logValue } = this;
    this.valueProgram.run(v, value);
    this.meanProgram.run(v, mean);
    this.coefProgram.run(v, coef);
    let ss = 0;
    if (this.anyLog) {
      for (let i = 0; i < this.n; i++) {
        const e = (logValue[i] ? Math.log(value[i]) : value[i]) - mean[i];
        ss += coef[i] * e * e;
      }
      return ss;
    }
    for (let i = 0, n = this.n; i < n; i++) {
      const e = value[i] - mean[i];
      ss += coef[i] * e * e;
    }
    return ss;
  }
}

type PriorKind = 'gamma' | 'exp' | 'unif';

export class PrecisionSampler implements Sampler {
  readonly kind: string;
  readonly nodes: readonly number[];
  private readonly slot: number;
  private readonly rs: ResidualSum;
  private readonly dets: RefreshProgram;
  private readonly a: Evaluator;
  private readonly b: Evaluator;
  private readonly lo: Evaluator | null;
  private readonly hi: Evaluator | null;

  private constructor(
    model: CompiledModel,
    node: StochasticNode,
    children: readonly PrecisionChild[],
    private readonly p: number,
    private readonly prior: PriorKind,
  ) {
    this.kind = prior === 'unif' ? 'TruncatedGamma' : 'ConjugateGamma';
    this.nodes = [node.id];
    this.slot = node.slots[0];
    this.rs = new ResidualSum(model, children);
    this.dets = refreshProgram(model, [node.id]);
    const ps = node.params.map((x) => evaluator((x as { ir: IR }).ir));
    this.a = prior === 'exp' ? () => 1 : ps[0];
    this.b = prior === 'exp' ? ps[0] : ps[1];
    this.lo = node.bounds?.lower ? evaluator(node.bounds.lower) : null;
    this.hi = node.bounds?.upper ? evaluator(node.bounds.upper) : null;
  }

  /** A sampler for the node if it is conjugate in this way, else null. */
  static create(model: CompiledModel, node: StochasticNode): PrecisionSampler | null {
    if (node.observed || node.dist.kind !== 'scalar') return null;
    const name = node.dist.name;
    if (name !== 'dgamma' && name !== 'dexp' && name !== 'dunif') return null;
    const pc = precisionChildren(model, node);
    if (!pc) return null;
    if (name === 'dunif') {
      const lo = (node.params[0] as { ir: IR }).ir;
      const hi = (node.params[1] as { ir: IR }).ir;
      if (lo.t !== 'const' || lo.v < 0 || hi.t !== 'const') return null;
      if (node.bounds !== null) return null;
      if (!(pc.children.length / 2 + 1 / pc.p > 0)) return null;
      return new PrecisionSampler(model, node, pc.children, pc.p, 'unif');
    }
    if (pc.p !== 1) return null;
    return new PrecisionSampler(model, node, pc.children, 1, name === 'dgamma' ? 'gamma' : 'exp');
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    const ss = Math.max(this.rs.sum(v), 1e-300);
    const n = this.rs.n;
    let x: number;
    if (this.prior === 'unif') {
      const a = this.a(v);
      const b = this.b(v);
      const p = this.p;
      const ta = Math.pow(a, p);
      const tb = Math.pow(b, p);
      const t = truncatedGamma(rng, n / 2 + 1 / p, ss / 2, Math.min(ta, tb), Math.max(ta, tb));
      x = Math.pow(t, 1 / p);
      // Rounding at the bounds.
      if (x < a) x = a;
      if (x > b) x = b;
    } else {
      const shape = this.a(v) + n / 2;
      const rate = this.b(v) + ss / 2;
      const lo = this.lo ? Math.max(0, this.lo(v)) : 0;
      const hi = this.hi ? this.hi(v) : Infinity;
      x = lo > 0 || hi < Infinity ? truncatedGamma(rng, shape, rate, lo, hi) : rng.gamma(shape, rate);
    }
    v[this.slot] = x;
    this.dets.run(v);
  }
}
