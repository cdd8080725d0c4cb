/**
 * What every sampler provides, and the bookkeeping they share: after a sampler changes the
 * values of its nodes, the deterministic nodes downstream are recomputed in topological order.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { RefreshProgram } from '../kernels.js';

export interface Sampler {
  /** A short name, e.g. "GaussianBlock", "Slice". */
  readonly kind: string;
  /** The stochastic nodes this sampler updates. */
  readonly nodes: readonly number[];
  /** One update of the nodes given everything else. */
  update(v: Float64Array, rng: Rng): void;
  /** Called when the adaptive phase ends (samplers freeze their tuning). */
  endAdaptation(): void;
}

/** Deterministic descendants of the given stochastic nodes, in topological order. */
export function descendantsOf(model: CompiledModel, ids: Iterable<number>): Int32Array {
  const position = new Int32Array(model.nodes.length);
  model.order.forEach((id, k) => (position[id] = k));
  const set = new Set<number>();
  for (const id of ids) {
    const node = model.nodes[id] as StochasticNode;
    for (const d of node.detDescendants) set.add(d);
  }
  return Int32Array.from([...set].sort((a, b) => position[a] - position[b]));
}

/** Stochastic children of a set of nodes (excluding the nodes themselves), sorted. */
export function childrenOf(model: CompiledModel, ids: Iterable<number>): Int32Array {
  const own = new Set(ids);
  const set = new Set<number>();
  for (const id of own) {
    for (const c of (model.nodes[id] as StochasticNode).stochChildren) if (!own.has(c)) set.add(c);
  }
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/** Recomputes the listed deterministic nodes. */
export function refresh(model: CompiledModel, ids: Int32Array, v: Float64Array): void {
  const nodes = model.nodes;
  for (let i = 0; i < ids.length; i++) {
    const n = nodes[ids[i]];
    if (n.kind === 'deterministic') n.compute(v);
  }
}

/** A program recomputing the deterministic descendants of the given stochastic nodes. */
export function refreshProgram(model: CompiledModel, ids: Iterable<number>): RefreshProgram {
  return new RefreshProgram(model, descendantsOf(model, ids));
}
