/** Test helper: a compiled model and one initialised chain from BUGS text and R-dump data. */
import { type PlanOptions, planSamplers } from '../../src/bugs/assign.js';
import { Chain } from '../../src/bugs/chain.js';
import { type CompiledModel, compileModel } from '../../src/bugs/compile.js';
import { parseModel } from '../../src/bugs/parse.js';
import { readRDump } from '../../src/data/rdump.js';
import { Rng } from '../../src/mcmc/rng.js';

export function modelChain(model: string, data: string, options: { seed?: number; inits?: string; plan?: PlanOptions } = {}): { model: CompiledModel; chain: Chain } {
  const compiled = compileModel(parseModel(model, 'model.jags'), model, 'model.jags', readRDump(data, 'data.R'));
  const chain = new Chain(compiled, 0, Rng.stream(options.seed ?? 1, 0));
  if (options.inits) chain.setInits(readRDump(options.inits, 'inits.R'), 'inits.R', options.inits);
  chain.initialize(planSamplers(compiled, options.plan));
  return { model: compiled, chain };
}

/** The slot of a scalar node or of element `i` (0-based, column-major) of an array. */
export function slotOf(model: CompiledModel, name: string, i = 0): number {
  const v = model.variables.get(name);
  if (!v) throw new Error(`no variable ${name}`);
  return v.offset + i;
}

/** Runs `n` iterations and returns the draws of the given slots, slot-major. */
export function draws(chain: Chain, slots: readonly number[], n: number): Float64Array[] {
  const out = slots.map(() => new Float64Array(n));
  for (let t = 0; t < n; t++) {
    for (const s of chain.samplers) s.update(chain.v, chain.rng);
    slots.forEach((s, k) => (out[k][t] = chain.v[s]));
  }
  return out;
}
