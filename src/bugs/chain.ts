/**
 * One Markov chain of a compiled model: its values, its random numbers, initial values (from
 * an inits file, else each node's "typical value" given its parents, as JAGS does), and the
 * iterations of its samplers.
 *
 * Initialisation checks, naming the node and pointing at its relation in the model file:
 * parameters of the distribution of every node must be valid, every unobserved node must
 * have a value of positive density, and every observed node must be possible given the
 * initial values of its parents.
 */
import { Lmer2JagsError, nearNames } from '../errors.js';
import type { RDumpData } from '../data/rdump.js';
import type { Rng } from '../mcmc/rng.js';
import { type SamplerPlan, instantiate } from './assign.js';
import type { CompiledModel, StochasticNode } from './compile.js';
import { elementName } from './compile.js';
import { cholesky, inverseFromCholesky, type ScalarDist } from './distributions.js';
import { type ArrIR, type IR, arrayEvaluator, collectSlots, evaluator } from './ir.js';
import { modelError } from './parse.js';
import type { Sampler } from './samplers/sampler.js';

export class Chain {
  readonly v: Float64Array;
  samplers: readonly Sampler[] = [];
  iteration = 0;
  adapting = true;
  readonly warnings: string[] = [];

  constructor(
    readonly model: CompiledModel,
    /** 0-based chain index. */
    readonly index: number,
    readonly rng: Rng,
  ) {
    this.v = Float64Array.from(model.initial);
  }

  /** Sets initial values from an inits file (R dump). */
  setInits(inits: RDumpData, path: string, text: string): void {
    const model = this.model;
    for (const [name, value] of inits) {
      if (name.startsWith('.RNG.')) continue;
      const lineText = (text.split('\n')[value.line - 1] ?? '').replace(/\r$/, '');
      const column = Math.max(1, lineText.indexOf(name) + 1 - (/["'`]/.test(lineText[lineText.indexOf(name) - 1] ?? '') ? 1 : 0));
      const where = (hint: string, message: string): Lmer2JagsError =>
        new Lmer2JagsError(message, { location: { kind: 'file', path, line: value.line, column, lineText }, hint });
      const variable = model.variables.get(name);
      if (!variable) {
        // JAGS only warns ("Unused variable(s) in initial value table"); a misspelt name would
        // then silently leave the node at its default start, so the bundled engine refuses it.
        const near = nearNames(name, [...model.variables.keys()].filter((n) => !model.variables.get(n)!.isData));
        throw where(
          `${near.length > 0 ? `did you mean ${near.join(', ')}? ` : ''}Remove ${name} from the initial values, or name a node of the model`,
          `the initial values of chain ${this.index + 1} name ${name}, which is not a node of the model`,
        );
      }
      if (value.type === 'character') throw where('initial values must be numbers', `the initial value of ${name} is text`);
      const vals = value.values as Float64Array;
      if (vals.length !== variable.length) {
        throw where(
          `give ${variable.length} value${variable.length === 1 ? '' : 's'}${variable.dim.length > 1 ? ` with .Dim = c(${variable.dim.join(', ')})` : ''}`,
          `the initial value of ${name} has ${vals.length} element${vals.length === 1 ? '' : 's'} but ${name} has ${variable.length}`,
        );
      }
      if (value.dim && variable.dim.length > 1 && (value.dim.length !== variable.dim.length || value.dim.some((d, i) => d !== variable.dim[i]))) {
        throw where(`use .Dim = c(${variable.dim.join(', ')})`, `the initial value of ${name} has extents [${value.dim.join(', ')}] but ${name} has [${variable.dim.join(', ')}]`);
      }
      for (let i = 0; i < vals.length; i++) {
        const x = vals[i];
        if (Number.isNaN(x)) continue;
        const s = variable.offset + i;
        const o = model.owner[s];
        const el = elementName(variable, i);
        if (o < 0) {
          throw where(`remove ${name} from the initial values (or set the element to NA)`, `${el} is data, not a node to initialise`);
        }
        const node = model.nodes[o];
        if (node.kind === 'deterministic') {
          throw where(`remove ${name} from the initial values: deterministic nodes are computed from their parents`, `cannot set the initial value of the deterministic node ${el}`);
        }
        if (node.observed) throw where(`set the element to NA in the initial values`, `cannot set the initial value of the observed node ${el}`);
        if (!Number.isFinite(x)) throw where('initial values must be finite numbers', `the initial value of ${el} is ${x}`);
        this.v[s] = x;
      }
    }
  }

  /** Gives every node a value, checks them, then creates the samplers. */
  initialize(plan: SamplerPlan): void {
    const model = this.model;
    const v = this.v;
    this.defaulted.clear();
    for (const id of model.order) {
      const node = model.nodes[id];
      if (node.kind === 'deterministic') {
        node.compute(v);
        continue;
      }
      if (!node.observed) {
        let set = 0;
        for (const s of node.slots) if (!Number.isNaN(v[s])) set++;
        if (set > 0 && set < node.slots.length) {
          throw this.nodeError(node, `${node.label} is only partly initialised`, 'give all its elements initial values, or none');
        }
        if (set === 0) {
          this.typicalValue(node);
          this.defaulted.add(node.id);
        }
      }
      const lp = node.logp(v);
      if (!(lp > -Infinity) || Number.isNaN(lp) || lp === Infinity) {
        const value = node.slots.length === 1 ? `${v[node.slots[0]]}` : `[${Array.from(node.slots, (s) => v[s]).join(', ')}]`;
        const blamed = this.defaultedAncestors(node);
        const because = blamed.length > 0 ? `; ${blamed.map((b) => `${b.label} = ${this.valueText(b)}`).join(', ')} ${blamed.length === 1 ? 'was' : 'were'} given the default initial value (the prior's mean, median or mode)` : '';
        const fix = blamed.length > 0 ? `give ${blamed.map((b) => b.label).join(', ')} an initial value in the inits file, e.g. ${blamed[0].label.replace(/\[.*$/, '')} <- …` : null;
        if (node.observed) {
          throw this.nodeError(
            node,
            `observed node ${node.label} = ${value} is impossible given the initial values of its parents${this.paramText(node)}${because}`,
            fix ?? 'give the parents initial values consistent with the data',
          );
        }
        throw this.nodeError(
          node,
          `cannot initialise ${node.label}: its value ${value} has ${lp === Infinity ? 'infinite' : 'zero'} density${this.paramText(node)}${because}`,
          fix ?? `give ${node.label} an initial value inside its support in the inits file`,
        );
      }
    }
    this.samplers = instantiate(plan);
  }

  /** Runs n iterations; `after` is called after each one. */
  update(n: number, after?: (chain: Chain) => void): void {
    const v = this.v;
    const rng = this.rng;
    const samplers = this.samplers;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < samplers.length; i++) samplers[i].update(v, rng);
      this.iteration++;
      if (after) after(this);
    }
  }

  endAdaptation(): void {
    if (!this.adapting) return;
    this.adapting = false;
    for (const s of this.samplers) s.endAdaptation();
  }

  /** Stochastic nodes given their default initial value in this chain. */
  private readonly defaulted = new Set<number>();

  /**
   * Defaulted stochastic nodes whose values reach `node`'s parameters (through deterministic
   * nodes); for a scalar distribution only those reaching the parameters that are invalid or
   * not finite, when some are.
   */
  private defaultedAncestors(node: StochasticNode): StochasticNode[] {
    const out: StochasticNode[] = [];
    const seen = new Set<number>();
    let start: number[] = [...node.parents];
    if (node.dist.kind === 'scalar') {
      const d = node.dist;
      const vals = node.params.map((p) => evaluator((p as { ir: IR }).ir)(this.v));
      const why = d.check(vals[0], vals[1] ?? NaN, vals[2] ?? NaN) ?? '';
      const bad = vals.map((x, k) => !Number.isFinite(x) || why.includes(d.paramNames[k]));
      if (bad.some((b) => b)) {
        const slots = new Set<number>();
        node.params.forEach((p, k) => {
          if (bad[k]) collectSlots((p as { ir: IR }).ir, slots);
        });
        start = [...new Set([...slots].map((s) => this.model.owner[s]).filter((o) => o >= 0))];
      }
    }
    const stack = start;
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const p = this.model.nodes[id];
      if (p.kind === 'deterministic') stack.push(...p.parents);
      else if (this.defaulted.has(id)) out.push(p);
    }
    return out.sort((a, b) => a.id - b.id).slice(0, 3);
  }

  private valueText(node: StochasticNode): string {
    const v = this.v;
    return node.slots.length === 1 ? `${v[node.slots[0]]}` : `[${Array.from(node.slots, (s) => v[s]).join(', ')}]`;
  }

  private nodeError(node: StochasticNode, message: string, hint: string): Lmer2JagsError {
    return modelError(message, this.model.path, this.model.text, node.loc, hint);
  }

  /** " (mean = 1, precision = -2)" for a scalar node's current parameters. */
  private paramText(node: StochasticNode): string {
    if (node.dist.kind !== 'scalar') return '';
    const d = node.dist;
    const parts = node.params.map((p, k) => `${d.paramNames[k]} = ${evaluator((p as { ir: IR }).ir)(this.v)}`);
    return ` (${d.name}: ${parts.join(', ')})`;
  }

  /** JAGS's default initial value: the mean, median or mode of the prior given the parents. */
  private typicalValue(node: StochasticNode): void {
    const v = this.v;
    const dist = node.dist;
    if (dist.kind === 'scalar') {
      const ps = node.params.map((p) => evaluator((p as { ir: IR }).ir)(v));
      const [a, b, c] = [ps[0], ps[1] ?? NaN, ps[2] ?? NaN];
      const why = dist.check(a, b, c);
      if (why) {
        const blamed = this.defaultedAncestors(node);
        const because = blamed.length > 0 ? `; ${blamed.map((b) => `${b.label} = ${this.valueText(b)}`).join(', ')} ${blamed.length === 1 ? 'was' : 'were'} given the default initial value` : '';
        throw this.nodeError(
          node,
          `cannot initialise ${node.label}: ${why}${this.paramText(node)}${because}`,
          blamed.length > 0 ? `give ${blamed.map((b) => b.label).join(', ')} an initial value in the inits file` : `give ${node.label} an initial value in the inits file, or correct the parameters of its distribution`,
        );
      }
      let x = dist.typical(a, b, c);
      if (node.bounds) {
        const lo = node.bounds.lower ? evaluator(node.bounds.lower)(v) : -Infinity;
        const hi = node.bounds.upper ? evaluator(node.bounds.upper)(v) : Infinity;
        if (!(lo <= hi)) throw this.nodeError(node, `cannot initialise ${node.label}: its truncation bounds [${lo}, ${hi}] are empty`, 'check the bounds of T(,)');
        if (!(x >= lo && x <= hi)) x = truncatedTypical(dist, a, b, c, lo, hi);
      }
      v[node.slots[0]] = x;
      return;
    }
    if (dist.kind === 'cat') {
      const pi = (node.params[0] as { arr: ArrIR }).arr;
      const buf = new Float64Array(pi.elems.length);
      arrayEvaluator(pi)(v, buf);
      let best = 0;
      for (let i = 1; i < buf.length; i++) if (buf[i] > buf[best]) best = i;
      if (!(buf[best] > 0)) throw this.nodeError(node, `cannot initialise ${node.label}: its probabilities are not positive`, 'check the parameter of dcat');
      v[node.slots[0]] = best + 1;
      return;
    }
    if (dist.name === 'dmnorm') {
      const mu = (node.params[0] as { arr: ArrIR }).arr;
      const buf = new Float64Array(mu.elems.length);
      arrayEvaluator(mu)(v, buf);
      node.slots.forEach((s, i) => (v[s] = buf[i]));
      return;
    }
    // dwish: the mean k R⁻¹.
    const p = node.dim[0];
    const r = new Float64Array(p * p);
    arrayEvaluator((node.params[0] as { arr: ArrIR }).arr)(v, r);
    const k = evaluator((node.params[1] as { ir: IR }).ir)(v);
    if (!cholesky(r, p)) throw this.nodeError(node, `cannot initialise ${node.label}: the scale matrix of dwish is not positive definite`, 'check the matrix R of dwish(R, k)');
    const inv = new Float64Array(p * p);
    inverseFromCholesky(r, p, inv);
    node.slots.forEach((s, i) => (v[s] = k * inv[i]));
  }
}

/** A point inside [lo, hi] for a truncated node: the truncated median, found by bisection. */
function truncatedTypical(dist: ScalarDist, a: number, b: number, c: number, lo: number, hi: number): number {
  const l = Math.max(lo, dist.lower(a, b, c));
  const h = Math.min(hi, dist.upper(a, b, c));
  if (dist.discrete) {
    const x = Number.isFinite(l) ? Math.ceil(l) : Math.floor(h);
    return x;
  }
  const cdf = dist.cdf;
  if (cdf) {
    const fl = Number.isFinite(l) ? cdf(l, a, b, c) : 0;
    const fh = Number.isFinite(h) ? cdf(h, a, b, c) : 1;
    if (fh > fl) {
      const target = (fl + fh) / 2;
      let x0 = Number.isFinite(l) ? l : h - Math.max(1, Math.abs(h));
      let x1 = Number.isFinite(h) ? h : l + Math.max(1, Math.abs(l));
      while (!Number.isFinite(l) && cdf(x0, a, b, c) > target) x0 -= 2 * (x1 - x0);
      while (!Number.isFinite(h) && cdf(x1, a, b, c) < target) x1 += 2 * (x1 - x0);
      for (let i = 0; i < 200 && x1 - x0 > 1e-12 * Math.max(1, Math.abs(x0)); i++) {
        const mid = (x0 + x1) / 2;
        if (cdf(mid, a, b, c) < target) x0 = mid;
        else x1 = mid;
      }
      return (x0 + x1) / 2;
    }
  }
  if (Number.isFinite(l) && Number.isFinite(h)) return (l + h) / 2;
  return Number.isFinite(l) ? l + 1 : h - 1;
}
