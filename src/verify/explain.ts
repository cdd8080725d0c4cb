/**
 * explainModel: what an lmer model means in Bayesian terms. lmer's model in words and
 * equations, the equivalent hierarchical model (the seed post's group-means form or offsets),
 * the JAGS code convert writes for it, and the name map (which node is which lme4 quantity, and
 * why a group coefficient is fixef + ranef in the group-means form).
 *
 * With data, everything is concrete: levels, numbers of groups, the prior constants computed
 * from the data. Without data the explanation is symbolic: the model is built on a stand-in
 * table (every variable numeric unless the formula wraps it in factor(), grouping variables
 * with a few levels), and what depends on the data is written as symbols: n and m for the
 * sizes, the prior constants as their formulas in mean() and sd() of the data. Templates
 * templates/explain.text.ejs and explain.md.ejs lay the sections out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
import type { Expr, Formula } from '../formula/ast.js';
import { expandFormula } from '../formula/bars.js';
import { parseFormula } from '../formula/parse.js';
import { makeTable, type Column, type DataTable } from '../data/table.js';
import { Lmer2JagsError } from '../errors.js';
import { INTERCEPT, type CovarianceForm, type NamesJson, type Parameterization } from '../jags/names.js';
import type { PriorSet } from '../jags/priors.js';
import { convertModel, type Conversion } from '../jags/render.js';
import { buildModelSpec, type BuildOptions } from '../model/build.js';
import type { ModelSpec } from '../model/spec.js';
import { Rng } from '../mcmc/rng.js';
import { templatesDir } from '../paths.js';
import { redundantTerms } from './identify.js';

export type ExplainFormat = 'text' | 'md';
export const EXPLAIN_FORMATS: readonly ExplainFormat[] = ['text', 'md'];

export interface ExplainOptions extends BuildOptions {
  readonly param?: Parameterization;
  readonly cov?: CovarianceForm;
  readonly priors?: PriorSet;
  readonly eta?: number;
}

export interface TermExplanation {
  /** lme4's term, e.g. "Days | Subject". */
  readonly label: string;
  readonly group: string;
  readonly vcGroup: string;
  /** "18" with data, "m" (the node holding it) without. */
  readonly levels: string;
  readonly columns: readonly string[];
  readonly correlated: boolean;
  readonly fromDoubleBar: boolean;
  /** One sentence on what the term says. */
  readonly words: string;
}

export interface NameRow {
  readonly lme4: string;
  readonly node: string;
  readonly why: string;
}

export interface Explanation {
  readonly formula: string;
  /** The data file (null: symbolic). */
  readonly data: string | null;
  readonly symbolic: boolean;
  readonly response: string;
  /** "180", or "n". */
  readonly nobs: string;
  readonly param: Parameterization;
  readonly cov: CovarianceForm;
  readonly priorSet: PriorSet;
  readonly fixef: readonly string[];
  readonly terms: readonly TermExplanation[];
  /** lmer's model: sentences, then equations. */
  readonly lmerWords: readonly string[];
  readonly lmerEquations: readonly string[];
  readonly lmerEstimates: readonly string[];
  /** The Bayesian model: sentences, then equations (likelihood, group level, priors). */
  readonly bayesWords: readonly string[];
  readonly bayesEquations: readonly string[];
  /** Why fixef + ranef is the group coefficient (or the offsets form's mapping). */
  readonly correspondence: readonly string[];
  readonly jags: string;
  readonly names: readonly NameRow[];
  readonly notes: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// The stand-in table for a formula without data.

function namesIn(e: Expr | null, out: Set<string>, factorNames: Set<string>, inFactor = false): void {
  if (e === null) return;
  switch (e.kind) {
    case 'name':
      out.add(e.name);
      if (inFactor) factorNames.add(e.name);
      return;
    case 'call': {
      const f = e.fn === 'factor' || e.fn === 'as.factor' || inFactor;
      for (const a of e.args) namesIn(a.value, out, factorNames, f);
      return;
    }
    case 'binary':
      namesIn(e.left, out, factorNames, inFactor);
      namesIn(e.right, out, factorNames, inFactor);
      return;
    case 'unary':
      namesIn(e.operand, out, factorNames, inFactor);
      return;
    case 'paren':
      namesIn(e.expr, out, factorNames, inFactor);
      return;
    default:
      return;
  }
}

/** Rows of the stand-in table: enough for every grouping factor to have several levels. */
const STAND_IN_ROWS = 120;
/** Levels of a factor() variable in the stand-in table (the explanation says so). */
export const STAND_IN_FACTOR_LEVELS = 3;

/**
 * A table with the formula's variables: grouping variables as factors with 4, 5, 6, … levels
 * (crossed), factor() variables with 3 levels, everything else positive and continuous.
 */
export function standInTable(f: Formula, options: BuildOptions = {}): DataTable {
  const all = new Set<string>();
  const factorNames = new Set<string>();
  namesIn(f.lhs, all, factorNames);
  namesIn(f.rhs, all, factorNames);
  for (const extra of [options.weights, options.offset]) if (extra !== undefined) all.add(extra);
  const ex = expandFormula(f, { dataNames: [...all] });
  const grouping = new Set<string>();
  for (const bar of ex.bars) for (const v of bar.group) namesIn(v.expr, grouping, new Set());
  const rng = Rng.fromSeed(20240917);
  const n = STAND_IN_ROWS;
  const columns: Column[] = [];
  let g = 0;
  for (const name of all) {
    if (grouping.has(name)) {
      const k = 4 + g++;
      const levels = Array.from({ length: k }, (_, i) => `${name}${i + 1}`);
      columns.push({ kind: 'factor', name, levels, codes: Int32Array.from({ length: n }, (_, i) => (i + Math.floor(i / k)) % k) });
    } else if (factorNames.has(name)) {
      columns.push({ kind: 'numeric', name, values: Float64Array.from({ length: n }, (_, i) => 1 + (i % STAND_IN_FACTOR_LEVELS)), integer: true });
    } else {
      columns.push({ kind: 'numeric', name, values: Float64Array.from({ length: n }, () => 1 + 9 * rng.uniform()), integer: false });
    }
  }
  return makeTable('(no data: a stand-in table)', columns);
}

// ---------------------------------------------------------------------------------------------
// Symbolic JAGS code: the prior constants as formulas, no data-dependent comments.

/** "100 x (|mean(y)| + sd(y))" → "100 * (abs(mean(y)) + sd(y))". */
function asExpression(how: string): string {
  return how.replace(/ x /g, ' * ').replace(/\|([^|]+)\|/g, 'abs($1)');
}

/** model.jags with each data-derived constant replaced by its formula and the comments dropped. */
export function symbolicJags(model: string): string {
  const out: string[] = [];
  for (const raw of model.split('\n')) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) continue;
    const hash = raw.indexOf('  # ');
    const code = hash >= 0 ? raw.slice(0, hash) : raw;
    const comment = hash >= 0 ? raw.slice(hash + 4) : '';
    const n = /^(\s*)(\S+) ~ dnorm\(0, [^)]*\)$/.exec(code);
    const nc = /^prior SD \S+ = (.+?) = /.exec(comment);
    if (n && nc) {
      out.push(`${n[1]}${n[2]} ~ dnorm(0, 1 / (${asExpression(nc[1])})^2)`);
      continue;
    }
    const u = /^(\s*)(\S+) ~ dunif\(0, [^)]*\)$/.exec(code);
    const uc = /^upper bound (.+?) = /.exec(comment);
    if (u && uc) {
      out.push(`${u[1]}${u[2]} ~ dunif(0, ${asExpression(uc[1])})`);
      continue;
    }
    const r = /^(\s*)(\S+\[\d+, \d+\]) <- \S+$/.exec(code);
    const rc = /^(.+?) = /.exec(comment);
    if (r && rc && comment.startsWith('(')) {
      out.push(`${r[1]}${r[2]} <- ${asExpression(rc[1])}`);
      continue;
    }
    out.push(code.trimEnd());
  }
  // Blank lines the dropped comments leave doubled.
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

// ---------------------------------------------------------------------------------------------
// The explanation.

const greek = (column: string) => `β[${column}]`;

function joinWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

const FORM_WORDS: Record<CovarianceForm, string> = {
  independent: 'independent normal priors for each coefficient (the seed post\'s form; it leaves out the correlation, so it is the model of (x || g), not (x | g))',
  'uniform-rho': 'a bivariate normal with uniform priors on the two SDs and on the correlation rho (Gelman & Hill)',
  wishart: 'a multivariate normal whose precision matrix has a Wishart prior',
  'scaled-wishart': "a multivariate normal with Gelman & Hill's scaled inverse-Wishart prior (a scale factor xi per coefficient times an inverse-Wishart raw covariance)",
  lkj: 'a multivariate normal with uniform priors on the SDs and an LKJ prior on the correlation matrix',
};

export function explainModel(formula: string, table: DataTable | null, options: ExplainOptions = {}, dataLabel: string | null = null): Explanation {
  const symbolic = table === null;
  const build: BuildOptions = {
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  };
  const f = parseFormula(formula);
  if (f.lhs === null) {
    throw new Lmer2JagsError('the formula has no response', {
      location: { kind: 'text', label: 'formula', text: formula, span: { start: 0, end: f.tildeSpan.end } },
      hint: 'put the response before ~, e.g. "y ~ x + (1 | g)"',
    });
  }
  const spec = buildModelSpec(formula, table ?? standInTable(f, build), build);
  const conv = convertModel(spec, {
    ...(options.param !== undefined ? { param: options.param } : {}),
    ...(options.cov !== undefined ? { cov: options.cov } : {}),
    ...(options.priors !== undefined ? { priors: options.priors } : {}),
    ...(options.eta !== undefined ? { eta: options.eta } : {}),
  });
  const model = conv.files.get('model.jags') ?? '';
  const jags = symbolic ? symbolicJags(model) : model;
  return assemble(spec, conv, jags, symbolic, dataLabel);
}

function assemble(spec: ModelSpec, conv: Conversion, jags: string, symbolic: boolean, dataLabel: string | null): Explanation {
  const plan = conv.plan;
  const names: NamesJson = conv.names;
  const resp = spec.response.name;
  const nobs = symbolic ? 'n' : String(spec.nobs);
  const levelsOf = (t: (typeof plan.terms)[number]) => (symbolic ? t.m : String(t.term.levels.length));
  const fixef = spec.fixed.columns.map((c) => c.name);

  // lmer's model.
  const terms: TermExplanation[] = plan.terms.map((t) => {
    const cols = t.term.columns.map((c) => c.name);
    const correlated = cols.length > 1;
    const what = cols.map((c) => (c === INTERCEPT ? 'intercept' : `coefficient on ${c}`));
    const words = `(${t.term.label}): each of the ${symbolic ? `${t.m} levels` : `${t.term.levels.length} levels`} j of ${t.term.group} has its own ${joinWords(what)}, ${cols.length > 1 ? 'deviations' : 'a deviation'} from the fixed effect of the same column (or from 0 where there is none)${
      correlated ? `, drawn from a ${cols.length}-variate normal with mean 0 and an unstructured covariance (${cols.length} SDs and ${(cols.length * (cols.length - 1)) / 2} correlation${cols.length > 2 ? 's' : ''})` : ', drawn from a normal with mean 0 and its own SD'
    }${t.term.fromDoubleBar ? '; it comes from a || term, which lme4 splits into uncorrelated terms' : ''}.`;
    return { label: t.term.label, group: t.term.group, vcGroup: t.vcGroup, levels: levelsOf(t), columns: cols, correlated, fromDoubleBar: t.term.fromDoubleBar, words };
  });
  const lmerWords = [
    `lmer fits a linear mixed model: ${resp} is normal around a linear predictor, with residual SD σ. The predictor adds fixed effects β (one per column of the fixed-effects model matrix: ${joinWords(fixef.map((c) => `"${c}"`)) || 'none'}), shared by all ${nobs} observations, and random effects b: for each random term, one coefficient per column of its left-hand side for each level of its grouping factor.`,
    ...terms.map((t) => t.words),
    'Random effects of different terms are independent of each other and of the residuals.',
  ];
  const x = (col: string, i = 'i') => (col === INTERCEPT ? '' : ` · ${col}[${i}]`);
  const fixedPart = fixef.map((c) => `${greek(c)}${x(c)}`);
  const randomPart = plan.terms.map((t) => t.term.columns.map((c) => `b.${t.vcGroup}[${t.term.group}[i], ${c.name}]${x(c.name)}`).join(' + '));
  const lmerEquations = [
    `${resp}[i] = ${[...fixedPart, ...randomPart].join(' + ') || '0'}${spec.offset ? ' + offset[i]' : ''} + ε[i],   i = 1 … ${nobs}`,
    `ε[i] ~ N(0, σ²${spec.weights ? ' / w[i]' : ''})`,
    ...plan.terms.map((t) => {
      const cols = t.term.columns.map((c) => c.name);
      const j = `j = 1 … ${levelsOf(t)}`;
      if (cols.length === 1) return `b.${t.vcGroup}[j, ${cols[0]}] ~ N(0, σ.${t.vcGroup}²),   ${j}`;
      return `(${cols.map((c) => `b.${t.vcGroup}[j, ${c}]`).join(', ')}) ~ N(0, Σ.${t.vcGroup}),   Σ.${t.vcGroup} = diag(σ) · R · diag(σ) (${cols.length} SDs σ, correlations R),   ${j}`;
    }),
  ];
  const lmerEstimates = [
    `lmer estimates β, σ and the random-effect SDs and correlations by REML (or ML): fixef() = β̂, se.fixef() their standard errors, VarCorr() the SDs and correlations, sigma() = σ̂.`,
    'ranef() are the conditional modes of b given the data at those estimates, and their conditional SDs (se.ranef) condition on β̂ and the estimated variances; coef() = fixef + ranef is each group\'s coefficient.',
  ];

  // The Bayesian model.
  const likelihood = jags.split('\n').find((l) => /^\s*\S+\.hat\[i\] <- /.test(l)) ?? '';
  const predictorLines: string[] = [];
  {
    const lines = jags.split('\n');
    const at = lines.findIndex((l) => l === likelihood);
    if (at >= 0) {
      predictorLines.push(lines[at].trim());
      for (let k = at + 1; k < lines.length && /^\s*\+ /.test(lines[k]); k++) predictorLines.push(`    ${lines[k].trim()}`);
    }
  }
  const bayesEquations: string[] = [`${plan.y}[i] ~ N(${plan.yhat}[i], ${plan.sigmaY}²${plan.weights ? ` / ${plan.weights}[i]` : ''}),   i = 1 … ${nobs}`];
  bayesEquations.push(...predictorLines);
  for (const t of plan.terms) {
    const m = `j = 1 … ${levelsOf(t)}`;
    const means = t.coefs.map((c) => c.mu ?? '0');
    if (t.form === 'scalar' || t.form === 'independent') {
      for (const c of t.coefs) bayesEquations.push(`${c.node}[j] ~ N(${c.mu ?? '0'}, ${c.sigma}²),   ${m}`);
    } else {
      bayesEquations.push(`(${t.coefs.map((c) => `${c.node}[j]`).join(', ')}) ~ MVN((${means.join(', ')}), Σ),   ${m};  SDs ${t.coefs.map((c) => c.sigma).join(', ')}, correlation${t.coefs.length > 2 ? 's' : ''} ${t.rho ?? ''}`);
    }
  }
  const priorLines = jags
    .split('\n')
    .map((l) => l.replace(/ {2}# .*$/, '').trim())
    .filter((l) => !l.startsWith('#') && / ~ (dnorm|dunif|dwish|dbeta)\(/.test(l) && !/\[(i|j)\]|\[j,/.test(l));
  bayesEquations.push(...priorLines.map((l) => `prior: ${l}`));
  const group = plan.param === 'group-means';
  const bayesWords = [
    `The same model as a Bayesian hierarchy: ${resp} is normal around the linear predictor ${plan.yhat}[i] with residual SD ${plan.sigmaY}; each random term's coefficients form a group level, drawn from ${group ? 'a distribution whose mean is the fixed effect of the same column where the model has one (the group-means form of the seed post)' : 'a distribution with mean 0 (the offsets form: y.hat = X beta + Z b)'}; the fixed effects, SDs and correlations get vague priors${symbolic ? ' whose constants come from the data (written here as formulas in mean() and sd() of the data)' : ', scaled to these data'}.`,
    ...plan.terms
      .filter((t) => t.form !== 'scalar')
      .map((t) => `(${t.term.label}) has ${t.coefs.length} correlated coefficients: the model draws them from ${FORM_WORDS[t.form as CovarianceForm]} (--cov ${plan.cov}).`),
    conv.options.priors === 'seed'
      ? "Priors: the seed post's dnorm(0, 0.0001) and dunif(0, 100), vague only when the data are on a unit scale."
      : 'Priors: auto, vague relative to the data (coefficients: normal with SD 100 times the scale of the response per unit of the column; SDs: uniform up to 10 times it), so that the posterior approaches lmer as the number of groups grows.',
  ];

  // Why fixef + ranef.
  const correspondence: string[] = [];
  for (const t of plan.terms) {
    for (const c of t.coefs) {
      if (c.mu) {
        const u = `b.${t.vcGroup}[j, ${c.column}]`;
        const draw = t.form === 'scalar' || t.form === 'independent' ? `${c.node}[j] ~ N(${c.mu}, ${c.sigma}²)` : `${c.node}[j] around ${c.mu} (SD ${c.sigma}, jointly with the term's other coefficients)`;
        correspondence.push(
          `lmer writes group j's ${c.column === INTERCEPT ? 'intercept' : `coefficient on ${c.column}`} as ${greek(c.column)} + ${u}, with ${u} of mean 0. The group-means form draws ${draw} instead; substituting ${c.node}[j] = ${c.mu} + ${u} gives back lmer's model, so ${c.mu} is fixef("${c.column}"), ${c.node}[j] is fixef + ranef (lme4's coef()) for level j, ${c.sigma} is the VarCorr SD, and ${c.node}[j] − ${c.mu} is ranef.`,
        );
      }
    }
  }
  if (correspondence.length === 0) {
    correspondence.push(
      group
        ? 'No group coefficient holds a fixed effect here (no random term has a column the fixed part has), so every group node is a deviation with mean 0: it is lmer\'s ranef, and the fixed effects are the beta nodes.'
        : 'In the offsets form every group node is a deviation with mean 0: it is lmer\'s ranef, and the beta nodes are the fixed effects (fixef).',
    );
  }
  const held = plan.fixed.filter((fx) => fx.heldBy !== null);
  if (group && held.length > 0) {
    correspondence.push(
      'Only one random term can hold a fixed effect as its mean (the first in lme4\'s order with that column); other terms with the same column have mean 0, and their nodes are ranef.',
    );
  }
  correspondence.push(
    "So verify compares: fixef with the posterior mean of its node (z = difference / posterior SD), se with the node's posterior SD, fixef + ranef (or ranef) with the group nodes' posterior means and lmer's conditional SDs with their posterior SDs, VarCorr SDs and correlations and sigma with the posterior medians of their nodes.",
  );

  // The name map.
  const nameRows: NameRow[] = [];
  for (const fx of plan.fixed) {
    const why = fx.heldBy
      ? `the mean of the group coefficients ${plan.terms[fx.heldBy.t].coefs[fx.heldBy.k].node}[j] of (${plan.terms[fx.heldBy.t].term.label})`
      : 'a fixed effect no group coefficient holds';
    nameRows.push({ lme4: `fixef("${fx.column}"), se.fixef`, node: `${fx.node} (posterior mean, SD)`, why });
  }
  nameRows.push({ lme4: 'sigma()', node: plan.sigmaY, why: 'the residual SD; tau.y = sigma.y^-2 is the precision JAGS uses' });
  for (const vc of names.varcorr) {
    vc.terms.forEach((term, k) => nameRows.push({ lme4: `VarCorr ${vc.group}: SD of ${term}`, node: vc.sd[k], why: 'the SD of the group coefficients on this column' }));
    vc.corr.forEach((row, k) => row.forEach((node, l) => {
      if (node && l > k) nameRows.push({ lme4: `VarCorr ${vc.group}: corr(${vc.terms[k]}, ${vc.terms[l]})`, node, why: 'the correlation of the two group coefficients' });
    }));
  }
  for (const [factor, r] of Object.entries(names.ranef)) {
    r.terms.forEach((term, k) => {
      const node = r.nodes[k].replace('{j}', 'j');
      nameRows.push(
        r.includesFixef[k]
          ? { lme4: `coef()$${factor}[j, "${term}"] = fixef + ranef`, node, why: `holds the fixed effect as its mean; ranef = ${node} − ${names.fixef[term] ?? 'its mean'}` }
          : { lme4: `ranef()$${factor}[j, "${term}"]`, node, why: 'a deviation with mean 0' },
      );
    });
  }

  const notes: string[] = [];
  if (symbolic) {
    notes.push(
      'No data were given, so this is symbolic: every variable is taken to be numeric (a factor column expands into indicator columns, one per level but the first, once the data say it is a factor); n and m stand for the numbers of observations and of levels; the prior constants are the formulas convert evaluates on the data.',
    );
    if (spec.fixed.columns.some((c) => /^(as\.)?factor\(/.test(c.name)) || spec.random.some((t) => t.columns.some((c) => /^(as\.)?factor\(/.test(c.name)))) {
      notes.push(`Without data, factor() variables are shown with ${STAND_IN_FACTOR_LEVELS} levels.`);
    }
  }
  for (const m of spec.messages) notes.push(m);
  for (const r of redundantTerms(spec)) {
    notes.push(
      `On ${r.factor}, ${r.why}: only combinations of their coefficients are identified (${r.combos.map((c) => c.label).join('; ')}); lmer splits them at a boundary (a singular fit) and the posterior by its prior, so verify compares those combinations instead of the single coefficients.`,
    );
  }

  return {
    formula: spec.formula,
    data: dataLabel,
    symbolic,
    response: resp,
    nobs,
    param: plan.param,
    cov: plan.cov,
    priorSet: conv.options.priors,
    fixef,
    terms,
    lmerWords,
    lmerEquations,
    lmerEstimates,
    bayesWords,
    bayesEquations,
    correspondence,
    jags,
    names: nameRows,
    notes,
  };
}

/** The explanation as text or Markdown (templates/explain.<format>.ejs). */
export function renderExplanation(e: Explanation, format: ExplainFormat = 'text'): string {
  if (!EXPLAIN_FORMATS.includes(format)) {
    throw new Lmer2JagsError(`unknown --format ${String(format)}`, { hint: `choose one of: ${EXPLAIN_FORMATS.join(', ')}` });
  }
  const filename = join(templatesDir, `explain.${format}.ejs`);
  const text = ejs.render(readFileSync(filename, 'utf8'), { e, wrap, pad }, { filename });
  return text.replace(/\n{3,}/g, '\n\n');
}

/**
 * Wraps a paragraph to `width` columns: the first line starts with `indent`, the others with
 * `indent` plus as many spaces as a leading "- " takes (a hanging indent for list items).
 */
export function wrap(text: string, width = 92, indent = ''): string {
  const bullet = text.startsWith('- ') ? '  ' : '';
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? indent : indent + bullet);
  for (const w of words) {
    if (line !== '' && prefix().length + line.length + 1 + w.length > width) {
      lines.push(prefix() + line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(prefix() + line);
  return lines.join('\n');
}

/** Pads rows of cells into aligned columns. */
export function pad(rows: readonly (readonly string[])[], sep = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, j) => (widths[j] = Math.max(widths[j] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, j) => (j === r.length - 1 ? c : c + ' '.repeat(widths[j] - [...c].length))).join(sep).trimEnd()).join('\n');
}
