/**
 * verifyModel: the seed post, automated for any lmer model. Fit the model with our lmer, convert
 * it to JAGS, sample the conversion (bundled engine or real JAGS) in a temporary folder (or a
 * folder the caller keeps), and lay every lme4 quantity beside its posterior counterpart with
 * compare.ts's rules. The result holds the verdict, every row, the fit, the node map and the
 * draws the HTML report plots.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lmer2JagsError } from '../errors.js';
import type { CodaOutput } from '../jags/coda.js';
import { readSamples, runJags, summarizeSamples, type JagsStage, type NodeRow } from '../jags/jags-cli.js';
import { convertModel, type ConvertOptions, type ResolvedOptions } from '../jags/render.js';
import { existingConversionFiles, writeConversion } from '../jags/write.js';
import { fitLmer } from '../lmer/fit.js';
import { lmerFitToJson } from '../lmer/summary.js';
import type { ModelSpec } from '../model/spec.js';
import type { NodeSummary } from '../mcmc/diagnostics.js';
import { redundantTerms } from './identify.js';
import { compareFitToPosterior, type CompareOptions, type LmerResult, type NodeNames, type PriorInfo, type VerifyReport } from './compare.js';

export const ENGINES = ['bundled', 'jags'] as const;
export type Engine = (typeof ENGINES)[number];

/** The stages of a verify run, reported as they start (sampling also as it goes). */
export type VerifyProgress =
  | { readonly stage: 'fitting' }
  | { readonly stage: 'converting' }
  | { readonly stage: 'sampling'; readonly engine: Engine; readonly done?: number; readonly total?: number; readonly what?: string }
  | { readonly stage: 'comparing' }
  | { readonly stage: 'done' };

export interface VerifyOptions extends ConvertOptions {
  /** Fit by REML (default, as lmer) or maximum likelihood. */
  readonly REML?: boolean;
  /** bundled (default) or jags. */
  readonly engine?: Engine;
  /** Keep the conversion and the CODA files in this folder (default: a temporary folder, removed). */
  readonly out?: string;
  /** Overwrite an earlier conversion in `out`. */
  readonly force?: boolean;
  /** Multiplies every tolerance (default 1). */
  readonly tolerance?: number;
  /** Convergence thresholds (compare.ts's defaults: R-hat 1.05, bulk ESS 100). */
  readonly maxRhat?: number;
  readonly minEss?: number;
  /** Bundled engine: worker threads (default one per chain, at most the cores). */
  readonly threads?: number;
  /** The JAGS executable (default `jags`). */
  readonly jagsCommand?: string;
  readonly onProgress?: (p: VerifyProgress) => void;
  /** Warnings from lmer and the engines (default: dropped; the result lists them too). */
  readonly onWarning?: (message: string) => void;
}

export interface VerifyTimings {
  readonly fit: number;
  readonly convert: number;
  readonly sample: number;
  readonly compare: number;
  readonly total: number;
}

export interface VerifyResult {
  readonly formula: string;
  readonly nobs: number;
  readonly method: 'REML' | 'ML';
  readonly engine: Engine;
  /** The conversion options used (chains, iterations, priors, …). */
  readonly options: ResolvedOptions;
  /** The folder holding the files, when kept (`out`); null when it was temporary. */
  readonly out: string | null;
  /** lmer's fit in the `fit --json` form (DESIGN §9). */
  readonly fit: LmerResult & Record<string, unknown>;
  readonly names: NodeNames;
  readonly priors: ReadonlyMap<string, PriorInfo>;
  readonly report: VerifyReport;
  /** Posterior summary of every monitored node. */
  readonly posterior: ReadonlyMap<string, NodeSummary>;
  /** The draws (for the report's densities and traces). */
  readonly draws: CodaOutput;
  readonly chains: number;
  readonly drawsPerChain: number;
  readonly warnings: readonly string[];
  /** Seconds spent in each stage. */
  readonly seconds: VerifyTimings;
}

const now = () => performance.now() / 1000;

/** Fit, convert, sample and compare one model. */
export async function verifyModel(spec: ModelSpec, options: VerifyOptions = {}): Promise<VerifyResult> {
  const engine = options.engine ?? 'bundled';
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new Lmer2JagsError(`unknown engine ${String(engine)}`, { hint: `choose one of: ${ENGINES.join(', ')}` });
  }
  const tolerance = options.tolerance ?? 1;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new Lmer2JagsError(`--tolerance must be a positive number, got ${tolerance}`, {
      hint: 'it multiplies every rule\'s tolerance: 1 is the default, 2 twice as lenient',
    });
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Lmer2JagsError(`--threads must be a whole number of at least 1, got ${options.threads}`, { hint: 'e.g. --threads 2' });
  }
  if (options.out !== undefined && !options.force) {
    // Refuse a folder holding an earlier conversion now, not after the fit.
    const existing = await existingConversionFiles(options.out);
    if (existing.length > 0) {
      throw new Lmer2JagsError(`the folder ${options.out} already holds a conversion (${existing.slice(0, 6).join(', ')}); nothing was run`, {
        location: { kind: 'file', path: options.out },
        hint: 'add --force to overwrite those files, or choose another folder with --out',
      });
    }
  }
  const progress = options.onProgress ?? (() => undefined);
  const warnings: string[] = [];
  const warn = (m: string) => {
    if (warnings.includes(m)) return;
    warnings.push(m);
    options.onWarning?.(m);
  };
  const t0 = now();

  progress({ stage: 'fitting' });
  const lmer = fitLmer(spec, { REML: options.REML ?? true });
  for (const w of lmer.warnings) warn(`lmer: ${w}`);
  const fit = lmerFitToJson(lmer) as unknown as VerifyResult['fit'];
  const t1 = now();

  progress({ stage: 'converting' });
  const conv = convertModel(spec, options);
  const t2 = now();

  const dir = options.out ?? (await mkdtemp(join(tmpdir(), 'lmer2jags-verify-')));
  const keep = options.out !== undefined;
  try {
    await writeConversion(dir, conv.files, { force: Boolean(options.force) });
    progress({ stage: 'sampling', engine });
    // The bundled engine hands back the draws it wrote (as the files hold them).
    let written: CodaOutput | null = null;
    if (engine === 'jags') {
      const total = conv.options.burnin + conv.options.iter;
      const onStage = (s: JagsStage) => {
        if (s.stage === 'updating') {
          progress({ stage: 'sampling', engine, what: s.phase === 1 ? `burn-in, ${s.iterations} iterations` : `sampling, ${s.iterations} iterations`, total });
        } else if (s.stage === 'compiling') progress({ stage: 'sampling', engine, what: 'compiling the model' });
        else if (s.stage === 'initializing') progress({ stage: 'sampling', engine, what: 'initializing' });
      };
      const r = await runJags(dir, { onStage, ...(options.jagsCommand !== undefined ? { command: options.jagsCommand } : {}) });
      for (const w of r.warnings) warn(`JAGS: ${w}`);
    } else {
      const { runBundledEngine } = await import('../bugs/run.js'); // loaded only when it runs
      const result = await runBundledEngine(dir, {
        quiet: true,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        onProgress: (done, total) => progress({ stage: 'sampling', engine, done, total }),
        onWarning: (m) => warn(`bundled engine: ${m}`),
      });
      if (result?.stem === 'CODA') written = result.coda;
    }
    const t3 = now();

    progress({ stage: 'comparing' });
    const draws = written ?? readSamples(dir);
    const summary = summarizeSamples(draws);
    const posterior = new Map<string, NodeSummary>(summary.nodes.map((s: NodeRow) => [s.name, s]));
    const compareOptions: CompareOptions = {
      tolerance,
      priors: conv.priors,
      redundant: redundantTerms(spec),
      draws: (node) => {
        const chains = draws.chains.map((c) => c.get(node)?.values);
        return chains.every((c): c is Float64Array => c !== undefined) ? chains : undefined;
      },
      ...(options.maxRhat !== undefined ? { maxRhat: options.maxRhat } : {}),
      ...(options.minEss !== undefined ? { minEss: options.minEss } : {}),
    };
    const report = compareFitToPosterior(fit, conv.names, (n) => posterior.get(n), compareOptions);
    const t4 = now();
    progress({ stage: 'done' });
    return {
      formula: spec.formula,
      nobs: spec.nobs,
      method: lmer.method,
      engine,
      options: conv.options,
      out: keep ? dir : null,
      fit,
      names: conv.names,
      priors: conv.priors,
      report,
      posterior,
      draws,
      chains: summary.chains,
      drawsPerChain: summary.draws,
      warnings,
      seconds: { fit: t1 - t0, convert: t2 - t1, sample: t3 - t2, compare: t4 - t3, total: t4 - t0 },
    };
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
