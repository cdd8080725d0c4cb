/**
 * Chooses a sampler for every unobserved stochastic node, best first:
 *
 * 1. joint Gaussian blocks (linear.ts, samplers/gaussian-block.ts) for normal nodes whose
 *    children are linear-Gaussian in them;
 * 2. for other scalars: conjugate gamma / truncated gamma for precision-type nodes, conjugate
 *    beta, an exact truncated-normal draw for bounded scalars entering their children
 *    linearly, else slice sampling; scale nodes of normal effects also get the interweaving
 *    step;
 * 3. for discrete nodes: exact enumeration when they have few values, else discrete slice;
 * 4. conjugate Wishart for dwish (followed, for a scaled inverse-Wishart prior, by the
 *    parameter-expansion step of samplers/scale-expansion.ts), elliptical slice for dmnorm
 *    outside a Gaussian block;
 * 5. shift moves along directions the data barely constrain (crossed random effects), after
 *    the blocks (samplers/shift.ts).
 *
 * `planSamplers` does the analysis once per model (per thread); `instantiate` makes the
 * samplers of one chain (samplers with tuning state are per chain, others are shared: the
 * chains of a thread run one after another).
 */
import { modelError } from './parse.js';
import type { CompiledModel, StochasticNode } from './compile.js';
import { findGaussianBlocks } from './linear.js';
import { BetaSampler } from './samplers/beta.js';
import { EllipticalSliceSampler } from './samplers/elliptical.js';
import { planBlocks } from './samplers/gaussian-block.js';
import { InterweaveSampler } from './samplers/interweave.js';
import { LinearScalarSampler } from './samplers/linear-scalar.js';
import { PrecisionSampler } from './samplers/precision.js';
import { findShiftSamplers } from './samplers/shift.js';
import { ScaleExpansionSampler } from './samplers/scale-expansion.js';
import type { Sampler } from './samplers/sampler.js';
import { FiniteSampler, MAX_FINITE, SliceSampler } from './samplers/slice.js';
import { WishartSampler } from './samplers/wishart.js';
import type { IR } from './ir.js';

/** Makes one chain's sampler (a shared instance, or a fresh one with its own state). */
export type SamplerFactory = () => Sampler;

export interface SamplerPlan {
  readonly factories: readonly SamplerFactory[];
}

/** Options for tests and benchmarks: turn off some of the better samplers. */
export interface PlanOptions {
  /** Use Gaussian blocks (default true). */
  readonly blocks?: boolean;
  /** Use the interweaving step (default true). */
  readonly interweave?: boolean;
  /** Use conjugate and exact updates other than blocks (default true). */
  readonly conjugate?: boolean;
  /** Use shift moves along directions the data barely constrain (samplers/shift.ts; default true). */
  readonly shift?: boolean;
  /** Use the parameter-expansion step of scaled inverse-Wishart priors (default true). */
  readonly expansion?: boolean;
}

export function planSamplers(model: CompiledModel, options: PlanOptions = {}): SamplerPlan {
  const factories: SamplerFactory[] = [];
  const covered = new Set<number>();
  if (options.blocks !== false) {
    for (const spec of findGaussianBlocks(model)) {
      for (const plan of planBlocks(model, spec)) {
        const sampler = plan.makeSampler();
        factories.push(() => sampler);
        for (const id of plan.nodes) covered.add(id);
      }
    }
  }
  if (options.shift !== false) {
    for (const sampler of findShiftSamplers(model)) factories.push(() => sampler);
  }
  const conjugate = options.conjugate !== false;
  for (const id of model.order) {
    const node = model.nodes[id];
    if (node.kind !== 'stochastic' || node.observed || covered.has(id)) continue;
    const shared = (s: Sampler | null): boolean => {
      if (!s) return false;
      factories.push(() => s);
      return true;
    };
    if (node.dist.kind === 'vector') {
      if (node.dist.name === 'dwish') {
        if (conjugate && shared(WishartSampler.create(model, node))) {
          if (options.expansion !== false) {
            const px = ScaleExpansionSampler.create(model, node);
            if (px) factories.push(() => px);
          }
          continue;
        }
        throw modelError(
          `no sampler for ${node.label}: the bundled engine samples a dwish node only when all its children are dmnorm nodes using it as their precision`,
          model.path,
          model.text,
          node.loc,
          'run real JAGS (--engine jags) for this model',
        );
      }
      const s = new EllipticalSliceSampler(model, node);
      factories.push(() => s);
      continue;
    }
    if (isDiscrete(node)) {
      if (finiteSupport(node) <= MAX_FINITE) {
        const s = new FiniteSampler(model, node);
        factories.push(() => s);
      } else factories.push(() => new SliceSampler(model, node));
      continue;
    }
    if (conjugate && (shared(PrecisionSampler.create(model, node)) || shared(BetaSampler.create(model, node)) || shared(LinearScalarSampler.create(model, node)))) {
      // conjugate or exact
    } else {
      factories.push(() => new SliceSampler(model, node));
    }
    if (options.interweave !== false && InterweaveSampler.create(model, node)) {
      factories.push(() => InterweaveSampler.create(model, node)!);
    }
  }
  return { factories };
}

export function instantiate(plan: SamplerPlan): Sampler[] {
  return plan.factories.map((f) => f());
}

function isDiscrete(node: StochasticNode): boolean {
  return node.dist.kind === 'cat' || (node.dist.kind === 'scalar' && node.dist.discrete);
}

/** How many values a discrete node can take, from constant parameters and bounds (else ∞). */
function finiteSupport(node: StochasticNode): number {
  const c = (ir: IR | null | undefined): number | null => (ir && ir.t === 'const' ? ir.v : null);
  if (node.dist.kind === 'cat') return (node.params[0] as { arr: { elems: readonly unknown[] } }).arr.elems.length;
  let lo = -Infinity;
  let hi = Infinity;
  const name = node.dist.name;
  if (name === 'dbern') {
    lo = 0;
    hi = 1;
  } else if (name === 'dbin') {
    lo = 0;
    hi = c((node.params[1] as { ir: IR }).ir) ?? Infinity;
  } else if (name === 'dpois') lo = 0;
  const bl = c(node.bounds?.lower);
  const bu = c(node.bounds?.upper);
  if (bl !== null) lo = Math.max(lo, Math.ceil(bl));
  if (bu !== null) hi = Math.min(hi, Math.floor(bu));
  return Number.isFinite(lo) && Number.isFinite(hi) ? hi - lo + 1 : Infinity;
}

/** Which sampler updates which nodes, for messages and tests: [kind, node labels]. */
export function describeSamplers(model: CompiledModel, samplers: readonly Sampler[]): [string, string[]][] {
  return samplers.map((s) => [s.kind, s.nodes.map((id) => model.nodes[id].label)]);
}
