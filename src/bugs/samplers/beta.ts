/**
 * Conjugate beta update: p ~ dbeta(a, b) whose children are all x ~ dbern(p) or
 * x ~ dbin(p, n) with p itself as the probability: p | … ~ Beta(a + Σx, b + Σ(n − x)).
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type Evaluator, type IR, evaluator } from '../ir.js';
import { type Sampler, refreshProgram } from './sampler.js';
import type { RefreshProgram } from '../kernels.js';

export class BetaSampler implements Sampler {
  readonly kind = 'ConjugateBeta';
  readonly nodes: readonly number[];
  private readonly slot: number;
  private readonly a: Evaluator;
  private readonly b: Evaluator;
  private readonly x: readonly Evaluator[];
  private readonly n: readonly Evaluator[];
  private readonly dets: RefreshProgram;

  private constructor(
    model: CompiledModel,
    node: StochasticNode,
    children: readonly StochasticNode[],
  ) {
    this.nodes = [node.id];
    this.slot = node.slots[0];
    this.a = evaluator((node.params[0] as { ir: IR }).ir);
    this.b = evaluator((node.params[1] as { ir: IR }).ir);
    this.x = children.map((c) => {
      const s = c.slots[0];
      const x = model.initial[s];
      return Number.isNaN(x) ? (v: Float64Array) => v[s] : () => x;
    });
    this.n = children.map((c) => (c.dist.name === 'dbern' ? () => 1 : evaluator((c.params[1] as { ir: IR }).ir)));
    this.dets = refreshProgram(model, [node.id]);
  }

  static create(model: CompiledModel, node: StochasticNode): BetaSampler | null {
    if (node.observed || node.dist.name !== 'dbeta' || node.bounds !== null || node.stochChildren.length === 0) return null;
    const s = node.slots[0];
    const children: StochasticNode[] = [];
    for (const cid of node.stochChildren) {
      const c = model.nodes[cid] as StochasticNode;
      if ((c.dist.name !== 'dbern' && c.dist.name !== 'dbin') || c.bounds !== null) return null;
      const prob = (c.params[0] as { ir: IR }).ir;
      if (prob.t !== 'slot' || prob.s !== s) return null;
      if (c.dist.name === 'dbin') {
        const n = (c.params[1] as { ir: IR }).ir;
        if (n.t === 'slot' && n.s === s) return null;
      }
      children.push(c);
    }
    return new BetaSampler(model, node, children);
  }

  endAdaptation(): void {}

  update(v: Float64Array, rng: Rng): void {
    let a = this.a(v);
    let b = this.b(v);
    for (let i = 0; i < this.x.length; i++) {
      const x = this.x[i](v);
      a += x;
      b += this.n[i](v) - x;
    }
    v[this.slot] = rng.beta(a, b);
    this.dets.run(v);
  }
}
