/**
 * Runs a JAGS command script (cmd.ts) for some of the chains of a model: reads the model,
 * data and initial values, compiles, initialises, updates and records the monitors, and
 * hands over the monitored draws at each `coda` command. The same runner serves the main
 * thread (all chains) and each worker thread (its share of the chains): chain k always draws
 * from random stream k of the seed, so the draws do not depend on how chains are spread.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Lmer2JagsError, nearNames } from '../errors.js';
import { type RDumpData, readRDump } from '../data/rdump.js';
import { Rng } from '../mcmc/rng.js';
import type { ModelFile } from './ast.js';
import { type PlanOptions, type SamplerPlan, planSamplers } from './assign.js';
import { Chain } from './chain.js';
import type { Command, CmdLoc } from './cmd.js';
import { type CompiledModel, type StochasticNode, compileModel, elementName } from './compile.js';
import { parseModel } from './parse.js';
import type { Sampler } from './samplers/sampler.js';

/** RNG names JAGS 4.3.1 accepts in inits files. */
export const RNG_NAMES: readonly string[] = [
  'base::Wichmann-Hill',
  'base::Marsaglia-Multicarry',
  'base::Super-Duper',
  'base::Mersenne-Twister',
  'lecuyer::RngStream',
];

/** The draws of one monitor, for the chains a runner holds. */
export interface MonitorSnapshot {
  readonly name: string;
  readonly elementNames: readonly string[];
  /** Iteration of the first recorded draw, and the thinning interval. */
  readonly first: number;
  readonly thin: number;
  /** chain index → draws, element-major: values[e * count + t]. */
  readonly chains: ReadonlyMap<number, MonitorChain>;
}

/** One chain's draws of a monitor. */
export interface MonitorChain {
  readonly count: number;
  /** Element-major: values[e * count + t]; rounded as written when `encoded` is set. */
  readonly values: Float64Array;
  /**
   * The chain-file blocks of the elements, already formatted (by the worker thread that ran
   * the chain): element e's lines are bytes[offsets[e] … offsets[e + 1]).
   */
  readonly encoded?: { readonly bytes: Uint8Array; readonly offsets: Float64Array };
}

export interface CodaSnapshot {
  /** Which coda command of the script (0-based). */
  readonly index: number;
  readonly stem: string;
  readonly monitors: readonly MonitorSnapshot[];
}

export interface RunnerOptions {
  /** An explicit seed: chain k uses stream k of it. */
  readonly seed?: number;
  /** The seed used when neither `seed` nor the inits' .RNG.seed is given. */
  readonly fallbackSeed: number;
  readonly plan?: PlanOptions;
  readonly onCoda: (snap: CodaSnapshot) => void;
  /** Called with the number of chain-iterations done since the last call. */
  readonly onProgress?: (delta: number) => void;
  readonly onWarning?: (message: string) => void;
}

class MonitorState {
  readonly chains = new Map<number, { count: number; values: Float64Array[] }>();
  constructor(
    readonly name: string,
    readonly slots: Int32Array,
    readonly elementNames: readonly string[],
    readonly thin: number,
    /** The iteration at which the monitor was set. */
    readonly start: number,
  ) {}

  record(chain: Chain): void {
    const t = chain.iteration;
    if ((t - this.start - 1) % this.thin !== 0) return;
    let c = this.chains.get(chain.index);
    if (!c) {
      c = { count: 0, values: this.slots.length === 0 ? [] : Array.from(this.slots, () => new Float64Array(64)) };
      this.chains.set(chain.index, c);
    }
    if (c.count === (c.values[0]?.length ?? Infinity)) {
      c.values = c.values.map((a) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      });
    }
    const v = chain.v;
    for (let e = 0; e < this.slots.length; e++) c.values[e][c.count] = v[this.slots[e]];
    c.count++;
  }

  snapshot(): MonitorSnapshot {
    const chains = new Map<number, MonitorChain>();
    for (const [k, c] of this.chains) {
      const values = new Float64Array(c.count * this.slots.length);
      c.values.forEach((a, e) => values.set(a.subarray(0, c.count), e * c.count));
      chains.set(k, { count: c.count, values });
    }
    return { name: this.name, elementNames: this.elementNames, first: this.start + 1, thin: this.thin, chains };
  }
}

export class ScriptRunner {
  private modelFile: { ast: ModelFile; text: string; path: string } | null = null;
  private data: RDumpData = new Map();
  private compiled: CompiledModel | null = null;
  private plan: SamplerPlan | null = null;
  private nchains = 0;
  private readonly inits = new Map<number, { data: RDumpData; path: string; text: string }>();
  private chains: Chain[] = [];
  private readonly monitors: MonitorState[] = [];
  private adaptationDone = false;
  private codaCount = 0;

  constructor(
    private readonly dir: string,
    private readonly cmdPath: string,
    private readonly cmdText: string,
    /** The chains this runner holds (0-based); null = all. */
    private readonly mine: readonly number[] | null,
    private readonly options: RunnerOptions,
  ) {}

  private where(loc: CmdLoc): { kind: 'file'; path: string; line: number; column: number; lineText: string } {
    return { kind: 'file', path: this.cmdPath, line: loc.line, column: loc.column, lineText: this.cmdText.split('\n')[loc.line - 1]?.replace(/\r$/, '') ?? '' };
  }

  private error(message: string, loc: CmdLoc, hint?: string): Lmer2JagsError {
    return new Lmer2JagsError(message, { location: this.where(loc), ...(hint !== undefined ? { hint } : {}) });
  }

  private readFile(file: string, loc: CmdLoc, what: string): { path: string; text: string } {
    const path = isAbsolute(file) ? file : join(this.dir, file);
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      let hint = 'check the file permissions';
      if (code === 'ENOENT') {
        let entries: string[] = [];
        try {
          entries = readdirSync(dirname(path));
        } catch {
          entries = [];
        }
        const near = nearNames(basename(file), entries);
        hint = `there is no ${basename(file)} in ${dirname(path)}${near.length > 0 ? `: did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`;
      } else if (code === 'EISDIR') hint = `${file} is a folder: name the file`;
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(err));
      throw this.error(`cannot read the ${what} ${file}: ${why}`, loc, hint);
    }
  }

  get model(): CompiledModel | null {
    return this.compiled;
  }

  get chainStates(): readonly Chain[] {
    return this.chains;
  }

  run(commands: readonly Command[]): void {
    for (const c of commands) {
      this.execute(c);
      if (c.kind === 'exit') break;
    }
  }

  private execute(c: Command): void {
    switch (c.kind) {
      case 'model': {
        const f = this.readFile(c.file, c.fileLoc, 'model file');
        this.modelFile = { ast: parseModel(f.text, f.path), text: f.text, path: f.path };
        return;
      }
      case 'data': {
        const f = this.readFile(c.file, c.fileLoc, 'data file');
        const d = readRDump(f.text, f.path);
        checkFinite(d, f.path, f.text, 'data');
        const merged = new Map(this.data);
        for (const [k, v] of d) merged.set(k, v);
        this.data = merged;
        return;
      }
      case 'compile': {
        if (!this.modelFile) throw this.error('compile before any model is read', c.loc, 'put  model in "model.jags"  before compile');
        if (this.compiled) throw this.error('the model is already compiled', c.loc, 'compile once per script');
        const m = this.modelFile;
        this.compiled = compileModel(m.ast, m.text, m.path, this.data);
        for (const w of this.compiled.warnings) this.options.onWarning?.(w);
        this.nchains = c.nchains;
        return;
      }
      case 'inits': {
        if (!this.compiled) throw this.error('initial values before the model is compiled', c.loc, 'put  compile  before  parameters in');
        if (c.chain > this.nchains) {
          throw this.error(`chain ${c.chain} does not exist: the model was compiled with ${this.nchains} chain${this.nchains === 1 ? '' : 's'}`, c.loc, `compile with nchains(${c.chain}) or more, or give the inits of chains 1 to ${this.nchains}`);
        }
        if (this.chains.length > 0) throw this.error('initial values after initialize', c.loc, 'give  parameters in  before  initialize');
        const f = this.readFile(c.file, c.fileLoc, 'initial values file');
        const data = readRDump(f.text, f.path);
        checkRng(data, f.path, f.text);
        checkFinite(data, f.path, f.text, 'initial values');
        this.inits.set(c.chain - 1, { data, path: f.path, text: f.text });
        return;
      }
      case 'initialize':
        this.initialize(c.loc);
        return;
      case 'update':
        this.update(c.n, c.adapt, c.loc);
        return;
      case 'monitor':
        this.monitor(c);
        return;
      case 'coda':
        this.coda(c.name, c.stem, c.loc);
        return;
      case 'load':
      case 'exit':
        return;
    }
  }

  private myChains(): number[] {
    const all = Array.from({ length: this.nchains }, (_, k) => k);
    return this.mine === null ? all : all.filter((k) => this.mine!.includes(k));
  }

  private rngFor(k: number): Rng {
    if (this.options.seed !== undefined) return Rng.stream(this.options.seed, k);
    const seed = this.inits.get(k)?.data.get('.RNG.seed');
    if (seed && seed.type !== 'character') {
      const x = (seed.values as Float64Array)[0];
      if (Number.isSafeInteger(x)) return Rng.stream(x, 0);
    }
    return Rng.stream(this.options.fallbackSeed, k);
  }

  private initialize(loc: CmdLoc): void {
    if (!this.compiled) throw this.error('initialize before the model is compiled', loc, 'put  compile  before  initialize');
    if (this.chains.length > 0) throw this.error('the model is already initialised', loc, 'initialize once per script');
    const model = this.compiled;
    this.plan = planSamplers(model, this.options.plan);
    for (const k of this.myChains()) {
      const chain = new Chain(model, k, this.rngFor(k));
      const inits = this.inits.get(k);
      if (inits) chain.setInits(inits.data, inits.path, inits.text);
      chain.initialize(this.plan);
      for (const w of chain.warnings) this.options.onWarning?.(w);
      this.chains.push(chain);
    }
  }

  private requireInitialized(loc: CmdLoc, what: string): void {
    if (!this.plan) throw this.error(`${what} before the model is initialised`, loc, 'put  initialize  first');
  }

  private update(n: number, adapt: boolean, loc: CmdLoc): void {
    this.requireInitialized(loc, adapt ? 'adapt' : 'update');
    const adaptive = this.chains.some((c) => c.samplers.some((s) => jagsWouldAdapt(this.compiled!, s)));
    if (adapt && (this.adaptationDone || !adaptive)) {
      // JAGS skips adaptation when no sampler adapts (and iterations do not advance).
      this.adaptationDone = true;
      for (const chain of this.chains) chain.endAdaptation();
      return;
    }
    const report = this.options.onProgress;
    const monitors = this.monitors;
    for (const chain of this.chains) {
      let pending = 0;
      let last = performance.now();
      chain.update(n, (ch) => {
        for (let i = 0; i < monitors.length; i++) monitors[i].record(ch);
        if (report) {
          pending++;
          if ((pending & 15) === 0) {
            const now = performance.now();
            if (now - last > 50) {
              report(pending);
              pending = 0;
              last = now;
            }
          }
        }
      });
      if (report && pending > 0) report(pending);
    }
    if (!this.adaptationDone) {
      this.adaptationDone = true;
      for (const chain of this.chains) chain.endAdaptation();
    }
  }

  private monitor(c: Extract<Command, { kind: 'monitor' }>): void {
    this.requireInitialized(c.loc, 'monitor');
    const model = this.compiled!;
    const variable = model.variables.get(c.name);
    if (!variable) {
      const near = nearNames(c.name, [...model.variables.keys()]);
      throw this.error(`cannot monitor ${c.name}: there is no such variable in the model`, c.loc, near.length > 0 ? `did you mean ${near.join(', ')}?` : 'monitor a node of the model');
    }
    let elements = Array.from({ length: variable.length }, (_, i) => i);
    if (c.range) {
      const dims = variable.dim.length === 0 ? [1] : variable.dim;
      if (c.range.length !== dims.length) throw this.error(`${c.name} has ${dims.length} dimension${dims.length === 1 ? '' : 's'}, not ${c.range.length}`, c.loc, `${c.name} has extents [${dims.join(', ')}]`);
      c.range.forEach((r, k) => {
        if (r.hi > dims[k]) throw this.error(`index ${r.hi} of ${c.name} is out of range (extent ${dims[k]})`, c.loc, `${c.name} has extents [${dims.join(', ')}]`);
      });
      elements = elements.filter((e) => {
        let rest = e;
        for (let k = 0; k < dims.length; k++) {
          const i = (rest % dims[k]) + 1;
          rest = Math.floor(rest / dims[k]);
          if (i < c.range![k].lo || i > c.range![k].hi) return false;
        }
        return true;
      });
    }
    const label = c.range ? `${c.name}[${c.range.map((r) => (r.lo === r.hi ? r.lo : `${r.lo}:${r.hi}`)).join(',')}]` : c.name;
    if (this.monitors.some((m) => m.name === label)) {
      this.options.onWarning?.(`${label} is already monitored (line ${c.loc.line} ignored)`);
      return;
    }
    const iteration = this.chains[0]?.iteration ?? 0;
    this.monitors.push(
      new MonitorState(
        label,
        Int32Array.from(elements, (e) => variable.offset + e),
        elements.map((e) => elementName(variable, e)),
        c.thin,
        iteration,
      ),
    );
  }

  private coda(name: string, stem: string, loc: CmdLoc): void {
    const chosen = name === '*' ? this.monitors : this.monitors.filter((m) => m.name === name || m.name.startsWith(`${name}[`));
    if (name !== '*' && chosen.length === 0) throw this.error(`${name} is not monitored`, loc, `add  monitor ${name}  before the updates`);
    this.options.onCoda({ index: this.codaCount++, stem, monitors: chosen.map((m) => m.snapshot()) });
  }
}

/**
 * Would JAGS give this sampler's node an adaptive sampler? JAGS runs an `adapt` command (and
 * counts its iterations) only when some sampler adapts, so CODA iteration numbers after
 * `adapt` depend on it. JAGS's conjugate samplers (normal, including truncated; gamma; beta;
 * Wishart; the glm blocks) and its finite sampler do not adapt; slice samplers and the
 * multivariate Metropolis sampler do. Our truncated gamma and truncated normal draws stand in
 * for JAGS's slice sampler when the prior is dunif; the interweaving step comes in addition
 * to another sampler of the same node and says nothing.
 */
export function jagsWouldAdapt(model: CompiledModel, s: Sampler): boolean {
  switch (s.kind) {
    case 'Slice':
    case 'DiscreteSlice':
    case 'EllipticalSlice':
      return true;
    case 'TruncatedGamma':
    case 'TruncatedNormal':
      return (model.nodes[s.nodes[0]] as StochasticNode).dist.name === 'dunif';
    default:
      return false;
  }
}

/**
 * Refuses infinite numbers in a data or inits file (JAGS's reader has no Inf; a number too
 * large for a double, like 1e999, reads as Inf too), naming the element and pointing at it.
 */
export function checkFinite(data: RDumpData, path: string, text: string, what: string): void {
  const lines = text.split('\n');
  for (const [name, value] of data) {
    if (value.type === 'character') continue;
    const vals = value.values as Float64Array;
    let k = -1;
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] === Infinity || vals[i] === -Infinity) {
        k = i;
        break;
      }
    }
    if (k < 0) continue;
    const v = { name, dim: value.dim && value.dim.length > 1 ? value.dim : vals.length === 1 ? [] : [vals.length], offset: 0, length: vals.length, isData: true };
    const el = elementName(v, k);
    const at = locateInfinite(lines, value.line);
    throw new Lmer2JagsError(`the ${what} value ${el} is ${vals[k] > 0 ? 'Inf' : '-Inf'}: the bundled engine refuses non-finite ${what}`, {
      location: { kind: 'file', path, line: at.line, column: at.column, lineText: (lines[at.line - 1] ?? '').replace(/\r$/, '') },
      hint: `give ${name} finite numbers (NA for a missing value)`,
    });
  }
}

/** Line and column of the first infinite number (Inf, or a literal that overflows) from `line` on. */
function locateInfinite(lines: readonly string[], line: number): { line: number; column: number } {
  const token = /(?<![\w.])[-+]?(?:Inf\b|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/g;
  for (let l = line; l <= lines.length; l++) {
    const text = lines[l - 1].replace(/#.*$/, '');
    for (const m of text.matchAll(token)) {
      const x = m[0].replace(/^\+/, '').replace(/Inf$/, 'Infinity');
      if (!Number.isFinite(Number(x))) return { line: l, column: (m.index ?? 0) + 1 };
    }
  }
  return { line, column: 1 };
}

function checkRng(data: RDumpData, path: string, text: string): void {
  const name = data.get('.RNG.name');
  const seed = data.get('.RNG.seed');
  const at = (line: number) => ({ kind: 'file' as const, path, line, lineText: text.split('\n')[line - 1] ?? '' });
  if (seed && !name) {
    throw new Lmer2JagsError('.RNG.seed is given without .RNG.name', {
      location: at(seed.line),
      hint: `add ".RNG.name" <- "base::Mersenne-Twister" (JAGS rejects a seed without a generator)`,
    });
  }
  if (name) {
    const value = name.type === 'character' ? (name.values as readonly (string | null)[])[0] : null;
    if (value === null || !RNG_NAMES.includes(value)) {
      throw new Lmer2JagsError(`unknown random number generator ${value === null ? '(not a string)' : `"${value}"`}`, {
        location: at(name.line),
        hint: `use one of ${RNG_NAMES.map((n) => `"${n}"`).join(', ')}`,
      });
    }
  }
  if (seed) {
    const x = seed.type === 'character' ? NaN : (seed.values as Float64Array)[0];
    if (!Number.isSafeInteger(x) || (seed.values as ArrayLike<unknown>).length !== 1) {
      throw new Lmer2JagsError('.RNG.seed must be one whole number', { location: at(seed.line) });
    }
  }
  if (data.has('.RNG.state')) {
    throw new Lmer2JagsError('.RNG.state is not supported by the bundled engine', {
      location: at(data.get('.RNG.state')!.line),
      hint: 'give .RNG.seed instead',
    });
  }
}
