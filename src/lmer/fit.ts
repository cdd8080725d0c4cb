/**
 * fitLmer: lme4's lmer on a ModelSpec. Builds the PLS blocks, chooses lme4's start, minimizes the
 * profiled criterion with BOBYQA under lme4's settings, applies lme4's post-fit steps (restart
 * from the boundary, snapping θ to the boundary, singular and convergence checks) and collects
 * every result lme4 reports, with lme4's names and order.
 */
import { Lmer2JagsError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import { buildPlsBlocks } from './blocks.js';
import { bobyqa, type BobyqaResult, type BobyqaStatus } from './bobyqa.js';
import { checkConvergence, finiteDifferenceDerivatives, formatG, type Derivatives } from './convergence.js';
import { DegenerateFitError, PlsObjective } from './objective.js';
import { collectResults, extendResults, type LmerResults } from './summary.js';

export interface LmerOptions {
  /** REML (default) or maximum likelihood. */
  readonly REML?: boolean;
  /** Starting θ; lme4's default start when absent. */
  readonly start?: readonly number[];
  /** Compute the finite-difference derivatives for the convergence check (lme4: true). */
  readonly calcDerivs?: boolean;
  /** Most objective evaluations per optimizer run (lme4's optCtrl maxeval; default 1e5). */
  readonly maxEval?: number;
}

export interface OptimizerRecord {
  readonly name: 'bobyqa';
  readonly thetaStart: readonly number[];
  readonly thetaEnd: readonly number[];
  /** Objective evaluations of the optimizer's last run (lme4's optinfo$feval). */
  readonly evaluations: number;
  /** Every evaluation of the objective, including restarts, checks and derivatives. */
  readonly totalEvaluations: number;
  readonly criterionStart: number;
  readonly criterionEnd: number;
  readonly status: BobyqaStatus;
  /** NLopt's return code. */
  readonly code: number;
  readonly message: string;
  /** True when lme4's restart_edge rule restarted the optimizer from a boundary point. */
  readonly restarted: boolean;
  /** Components of θ set to their bound by the boundary check after the optimum. */
  readonly snappedToBoundary: readonly number[];
}

export interface LmerDiagnostic {
  readonly kind: 'message' | 'warning';
  readonly text: string;
}

export interface LmerFit extends LmerResults {
  readonly formula: string;
  readonly method: 'REML' | 'ML';
  readonly singular: boolean;
  /** No convergence warning from the optimizer or the gradient/Hessian checks. */
  readonly converged: boolean;
  /** Everything lme4 would print while fitting, in order. */
  readonly diagnostics: readonly LmerDiagnostic[];
  readonly messages: readonly string[];
  readonly warnings: readonly string[];
  /** What lme4 keeps in optinfo$conv$lme4$messages: the post-fit checks' texts, in order. */
  readonly convergenceMessages: readonly string[];
  /** lme4's "fit warnings" (messages from building the model, e.g. dropped columns). */
  readonly fitMessages: readonly string[];
  /** Fixed-effect columns dropped for rank deficiency. */
  readonly dropped: readonly string[];
  readonly optimizer: OptimizerRecord;
  readonly derivatives: Derivatives | null;
  /** Wall-clock time of the fit in milliseconds. */
  readonly elapsedMs: number;
}

const XTOL_ABS = 1e-8;
const FTOL_ABS = 1e-8;
const MAX_EVAL = 1e5;
const BOUNDARY_TOL = 1e-5;

export function fitLmer(spec: ModelSpec, options: LmerOptions = {}): LmerFit {
  const t0 = performance.now();
  const reml = options.REML ?? true;
  const blocks = buildPlsBlocks(spec);
  if (reml && blocks.n <= blocks.p) {
    throw new Lmer2JagsError(`REML needs more observations (${blocks.n}) than fixed effects (${blocks.p})`, {
      hint: 'use fewer fixed effects, or fit by maximum likelihood (REML = false)',
    });
  }
  const objective = new PlsObjective(blocks, reml);
  const lower = blocks.lower;
  // The criterion, remembering the last point (lme4's steps re-evaluate the same θ often).
  const lastTheta = new Float64Array(blocks.nTheta).fill(NaN);
  let lastValue = NaN;
  const devfun = (theta: ArrayLike<number>): number => {
    let same = true;
    for (let i = 0; i < lastTheta.length; i++) {
      if (lastTheta[i] !== theta[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastValue;
    try {
      lastValue = objective.evaluate(theta);
    } catch (e) {
      if (e instanceof DegenerateFitError && started) throw fixedEffectsFitExactly(spec) ? exactFit(spec, e) : degenerate(e, theta);
      throw e;
    }
    for (let i = 0; i < lastTheta.length; i++) lastTheta[i] = theta[i];
    return lastValue;
  };

  const start = options.start ? Float64Array.from(options.start) : lmerStart(spec, lower);
  if (start.length !== blocks.nTheta) {
    throw new Lmer2JagsError(`the starting θ has ${start.length} values; the model has ${blocks.nTheta}`, {
      hint: 'give one starting value per element of θ (lower triangles of the templates, column by column)',
    });
  }
  for (let i = 0; i < start.length; i++) {
    if (!(start[i] >= lower[i]) || !Number.isFinite(start[i])) {
      throw new Lmer2JagsError(`starting θ[${i + 1}] = ${start[i]} is outside its bound (≥ ${lower[i]})`, {
        hint: 'diagonal elements of θ must be non-negative',
      });
    }
  }
  const calcDerivs = options.calcDerivs ?? true;
  const maxEval = options.maxEval ?? MAX_EVAL;
  if (!Number.isInteger(maxEval) || maxEval < 1) {
    throw new Lmer2JagsError(`the evaluation limit must be a whole number of at least 1, not ${maxEval}`, {
      hint: `lme4's default is ${MAX_EVAL}`,
    });
  }
  let started = false;
  let criterionStart: number;
  try {
    criterionStart = devfun(start);
  } catch (e) {
    if (e instanceof DegenerateFitError && (e.reason === 'exact' || fixedEffectsFitExactly(spec))) throw exactFit(spec, e);
    throw e;
  }
  started = true;

  const optwrap = (x0: Float64Array): { opt: BobyqaResult; derivs: Derivatives | null } => {
    const opt = bobyqa((x) => devfun(x), x0, { lower, xtolAbs: XTOL_ABS, ftolAbs: FTOL_ABS, maxEval });
    const derivs = calcDerivs ? finiteDifferenceDerivatives(devfun, opt.x) : null;
    return { opt, derivs };
  };

  let { opt, derivs } = optwrap(start);
  let restarted = false;
  const diagnostics: LmerDiagnostic[] = spec.messages.map((text) => ({ kind: 'message', text }));
  const optimizerWarning = (o: BobyqaResult): void => {
    if (o.code < 0 || o.code === 5) diagnostics.push({ kind: 'warning', text: `convergence code ${o.code} from nloptwrap: ${o.message}` });
  };

  // restart_edge: a θ on its bound with a negative one-sided derivative → optimize again.
  let theta = Float64Array.from(opt.x);
  let fval = opt.f;
  const onBound: number[] = [];
  for (let i = 0; i < theta.length; i++) if (theta[i] === lower[i]) onBound.push(i);
  if (onBound.length > 0) {
    const d0 = devfun(theta);
    const btol = 1e-5;
    const negative = onBound.some((i) => {
      const t = Float64Array.from(theta);
      t[i] = lower[i] + btol;
      return (devfun(t) - d0) / btol < 0;
    });
    if (negative) {
      optimizerWarning(opt);
      ({ opt, derivs } = optwrap(Float64Array.from(opt.x)));
      restarted = true;
      theta = Float64Array.from(opt.x);
      fval = opt.f;
    }
  }
  optimizerWarning(opt);

  // check.boundary: components within 1e-5 of their bound go to the bound if that is no worse.
  const snapped: number[] = [];
  const edge: number[] = [];
  for (let i = 0; i < theta.length; i++) {
    const diff = theta[i] - lower[i];
    if (diff > 0 && diff < BOUNDARY_TOL) edge.push(i);
  }
  if (edge.length > 0) {
    const pp = Float64Array.from(theta);
    for (const i of edge) {
      const tmp = Float64Array.from(pp);
      tmp[i] = lower[i];
      if (devfun(tmp) < fval) {
        pp[i] = lower[i];
        snapped.push(i);
      }
    }
    theta = pp;
    fval = devfun(theta);
  }

  const conv = checkConvergence(derivs, theta, lower);
  for (const text of conv.messages) diagnostics.push({ kind: 'message', text });
  for (const text of conv.warnings) diagnostics.push({ kind: 'warning', text });

  // Final factorization at θ̂ and everything derived from it.
  objective.factor(theta);
  const results = collectResults(spec, blocks, objective, reml);
  const warnings = diagnostics.filter((d) => d.kind === 'warning').map((d) => d.text);
  const optimizer: OptimizerRecord = {
    name: 'bobyqa',
    thetaStart: [...start],
    thetaEnd: [...theta],
    evaluations: opt.evaluations,
    totalEvaluations: objective.evaluations,
    criterionStart,
    criterionEnd: results.criterion,
    status: opt.status,
    code: opt.code,
    message: opt.message,
    restarted,
    snappedToBoundary: snapped,
  };
  return extendResults(results, {
    formula: spec.formula,
    method: reml ? 'REML' : 'ML',
    singular: conv.singular,
    converged: warnings.length === 0,
    diagnostics,
    messages: diagnostics.filter((d) => d.kind === 'message').map((d) => d.text),
    warnings,
    convergenceMessages: [...conv.messages, ...conv.warnings],
    fitMessages: [...spec.messages],
    dropped: [...spec.fixed.dropped],
    optimizer,
    derivatives: derivs,
    elapsedMs: performance.now() - t0,
  });
}

/** A breakdown away from the start: the optimizer drove θ to where the fit degenerates. */
function degenerate(e: DegenerateFitError, theta: ArrayLike<number>): Lmer2JagsError {
  let big = 0;
  for (let i = 0; i < theta.length; i++) big = Math.max(big, Math.abs(theta[i]));
  return new Lmer2JagsError(
    `the fit degenerates: the residual variance goes to 0 relative to the random effects (theta reached ${formatG(big)}), ` +
      'so the fixed and random effects fit the response (almost) exactly',
    {
      hint:
        'a linear mixed model needs residual variation; check that the response is not an exact function of the ' +
        `predictors and groups (${e.reason === 'rank' ? 'the fixed effects became inseparable from the random effects' : 'the residual sum of squares reached 0'})`,
      cause: e,
    },
  );
}

/**
 * Whether the fixed effects alone reproduce the response up to rounding: the residual of the
 * weighted least-squares fit of y − offset on X, computed explicitly (modified Gram–Schmidt),
 * is below 1e-10 of the response's norm. Only asked after the factorization broke down.
 */
function fixedEffectsFitExactly(spec: ModelSpec): boolean {
  const n = spec.nobs;
  const p = spec.fixed.columns.length;
  const w = spec.weights;
  const sw = (i: number): number => (w ? Math.sqrt(w[i]) : 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = sw(i) * (spec.response.values[i] - (spec.offset ? spec.offset[i] : 0));
  let yy = 0;
  for (let i = 0; i < n; i++) yy += r[i] * r[i];
  if (yy === 0) return true;
  const Q: Float64Array[] = [];
  for (let a = 0; a < p; a++) {
    const q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = sw(i) * spec.fixed.X[a * n + i];
    for (const prev of Q) {
      let d = 0;
      for (let i = 0; i < n; i++) d += prev[i] * q[i];
      for (let i = 0; i < n; i++) q[i] -= d * prev[i];
    }
    let nn = 0;
    for (let i = 0; i < n; i++) nn += q[i] * q[i];
    if (!(nn > 0)) continue;
    const inv = 1 / Math.sqrt(nn);
    for (let i = 0; i < n; i++) q[i] *= inv;
    Q.push(q);
    let d = 0;
    for (let i = 0; i < n; i++) d += q[i] * r[i];
    for (let i = 0; i < n; i++) r[i] -= d * q[i];
  }
  let rr = 0;
  for (let i = 0; i < n; i++) rr += r[i] * r[i];
  return rr <= 1e-20 * yy;
}

/** Zero residuals at the start: a constant response, or one the fixed effects fit exactly. */
function exactFit(spec: ModelSpec, e: DegenerateFitError): Lmer2JagsError {
  const y = spec.response.values;
  let constant = y.length > 0;
  for (let i = 1; i < y.length && constant; i++) if (y[i] !== y[0]) constant = false;
  if (constant) {
    return new Lmer2JagsError(`the response '${spec.response.name}' is constant (every one of its ${y.length} values is ${y[0]}): there is no variation to fit`, {
      hint: 'check that the formula names the right response column',
      cause: e,
    });
  }
  return new Lmer2JagsError(`the fixed effects fit the response '${spec.response.name}' exactly (zero residual sum of squares)`, {
    hint: 'a linear mixed model needs residual variation; check that the response is not an exact function of the predictors',
    cause: e,
  });
}

/**
 * Every lmer result at a given θ without optimizing (lme4's lmer(…, control =
 * lmerControl(optimizer = NULL), start = θ)): used to compare our computations with lme4's at
 * lme4's own θ̂, and to report a fit at chosen variance parameters.
 */
export function lmerAtTheta(spec: ModelSpec, theta: readonly number[], options: { readonly REML?: boolean } = {}): LmerFit {
  const t0 = performance.now();
  const reml = options.REML ?? true;
  const blocks = buildPlsBlocks(spec);
  if (theta.length !== blocks.nTheta) {
    throw new Lmer2JagsError(`θ has ${theta.length} values; the model has ${blocks.nTheta}`, {
      hint: 'give one value per element of θ (lower triangles of the templates, column by column)',
    });
  }
  const objective = new PlsObjective(blocks, reml);
  const th = Float64Array.from(theta);
  objective.factor(th);
  const results = collectResults(spec, blocks, objective, reml);
  const conv = checkConvergence(null, th, blocks.lower);
  const diagnostics: LmerDiagnostic[] = [
    ...spec.messages.map((text): LmerDiagnostic => ({ kind: 'message', text })),
    ...conv.messages.map((text): LmerDiagnostic => ({ kind: 'message', text })),
  ];
  return extendResults(results, {
    formula: spec.formula,
    method: reml ? 'REML' : 'ML',
    singular: conv.singular,
    converged: true,
    diagnostics,
    messages: diagnostics.map((d) => d.text),
    warnings: [],
    convergenceMessages: [...conv.messages],
    fitMessages: [...spec.messages],
    dropped: [...spec.fixed.dropped],
    optimizer: {
      name: 'bobyqa',
      thetaStart: [...th],
      thetaEnd: [...th],
      evaluations: 0,
      totalEvaluations: objective.evaluations,
      criterionStart: results.criterion,
      criterionEnd: results.criterion,
      status: 'success',
      code: 1,
      message: 'no optimization',
      restarted: false,
      snappedToBoundary: [],
    },
    derivatives: null,
    elapsedMs: performance.now() - t0,
  });
}

/**
 * lme4's start: 1 on the template diagonals, 0 elsewhere; but when every term is `(1 | f)` with
 * a distinct factor f, θ_f = √(v_f / v_e) with v_f = var(group means of y by f) and
 * v_e = var(y) − Σ v_f (only when v_e > 0).
 */
export function lmerStart(spec: ModelSpec, lower: Float64Array): Float64Array {
  const start = new Float64Array(lower.length);
  let k = 0;
  for (const t of spec.random) {
    const q = t.columns.length;
    for (let c = 0; c < q; c++) for (let r = c; r < q; r++) start[k++] = r === c ? 1 : 0;
  }
  const groups = spec.random.map((t) => t.group);
  const allIntercepts = spec.random.every((t) => t.columns.length === 1 && t.columns[0].name === '(Intercept)');
  if (!allIntercepts || new Set(groups).size !== groups.length) return start;
  const y = spec.response.values;
  const n = y.length;
  if (n < 2) return start;
  const varY = variance(y);
  const v = spec.random.map((t) => {
    const sums = new Float64Array(t.levels.length);
    const counts = new Float64Array(t.levels.length);
    for (let i = 0; i < n; i++) {
      sums[t.index[i]] += y[i];
      counts[t.index[i]] += 1;
    }
    const ave = new Float64Array(n);
    for (let i = 0; i < n; i++) ave[i] = sums[t.index[i]] / counts[t.index[i]];
    return variance(ave);
  });
  const ve = varY - v.reduce((a, b) => a + b, 0);
  if (!(ve > 0)) return start;
  const rel = v.map((x) => x / ve);
  if (rel.some((x, i) => !(x >= lower[i] * lower[i]))) return start;
  return Float64Array.from(rel.map(Math.sqrt));
}

function variance(x: ArrayLike<number>): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return s / (n - 1);
}
