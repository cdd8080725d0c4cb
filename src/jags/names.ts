/**
 * Node names for the JAGS model, and names.json: the map from lme4's quantities (fixef, sigma,
 * VarCorr, ranef) to the nodes that estimate them.
 *
 * Any lme4 column or group name is sanitised to a JAGS name: "(" ")" and backquotes are
 * dropped (a ")" followed by more of the name becomes "."), every run of other characters
 * outside [A-Za-z0-9._] becomes ".", repeated dots collapse, dots at the ends go, and a name that does not start with a letter gets "v." in
 * front ("(Intercept)" → "Intercept", "recipeB:temp" → "recipeB.temp", "my var" → "my.var",
 * "poly(Days, 2)1" → "polyDays.2.1").
 * Clashes are resolved by ".2", ".3", …; a data vector (a model-matrix column or a grouping
 * index) whose name clashes with a node of the model gets ".x" first.
 *
 * The model's nodes:
 * - `y` (the response, whatever its column), `n`, `y.hat`, residual `sigma.y` / `tau.y`,
 *   `offset` and prior weights `w` when the model has them;
 * - per random term, one coefficient node per column: with one term `a` (intercept), `b`
 *   (a single slope column) or `b.<col>` (several slope columns); with several terms the same
 *   followed by "." and the term's VarCorr group name (`a.plate`, `b.Subject.1`);
 * - per coefficient node N: `sigma.N`, `tau.N`, and `mu.N` when N holds a fixed effect (the
 *   group-means parameterization); `rho.<group>` for a correlated term (a scalar for two
 *   columns, a matrix `rho.<group>[k,l]` for three or more);
 * - `beta.<col>` for fixed effects no group node holds (`beta.Intercept` for the intercept);
 * - per grouping factor: its index vector (the sanitised factor name, 1-based levels in
 *   lme4's order) and its number of levels (`m`, or `m.<factor>` with several terms).
 */
import { assert } from '../errors.js';
import type { ModelSpec, RandomTerm } from '../model/spec.js';

export type Parameterization = 'group-means' | 'offsets';
export type CovarianceForm = 'scaled-wishart' | 'wishart' | 'independent' | 'uniform-rho' | 'lkj';

/** How a random term's coefficients are drawn: alone, or with one of the covariance forms. */
export type TermForm = 'scalar' | CovarianceForm;

export const PARAMETERIZATIONS: readonly Parameterization[] = ['group-means', 'offsets'];
export const COVARIANCE_FORMS: readonly CovarianceForm[] = ['scaled-wishart', 'wishart', 'independent', 'uniform-rho', 'lkj'];

/** lme4's name for the intercept column. */
export const INTERCEPT = '(Intercept)';

/** Words the BUGS language or our loops use, which no node or data vector may take. */
const KEYWORDS = ['model', 'data', 'in', 'for', 'i', 'j', 'k', 'l'];

/** An lme4 column or group name as a JAGS name (see the file comment). */
export function sanitizeName(raw: string): string {
  // A closing parenthesis before more of the name separates it: poly(Days, 2)1 → polyDays.2.1.
  let s = raw.replace(/\)(?=[A-Za-z0-9])/g, '.').replace(/[()`]/g, '');
  s = s.replace(/[^A-Za-z0-9._]+/g, '.');
  s = s.replace(/\.{2,}/g, '.');
  s = s.replace(/^\.+|\.+$/g, '');
  if (s === '') return 'v';
  if (!/^[A-Za-z]/.test(s)) s = `v.${s}`;
  return s;
}

/** The set of names in use; hands out unique ones. */
export class NameRegistry {
  private readonly used = new Set<string>();

  constructor(reserved: readonly string[] = KEYWORDS) {
    for (const r of reserved) this.used.add(r);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  /** `base` if it is free, else `base.2`, `base.3`, …; the name returned is then taken. */
  claim(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}.${k}`;
    this.used.add(name);
    return name;
  }

  /** A data vector's name: `base`, or `base.x` when a node already has it, then de-duplicated. */
  claimData(base: string): string {
    return this.claim(this.used.has(base) ? `${base}.x` : base);
  }
}

/** lme4's VarCorr group names: the grouping factors, made unique as R's make.unique does. */
export function varcorrGroupNames(terms: readonly Pick<RandomTerm, 'group'>[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(terms.map((t) => t.group));
  return terms.map((t) => {
    const count = seen.get(t.group);
    if (count === undefined) {
      seen.set(t.group, 0);
      return t.group;
    }
    let k = count + 1;
    while (taken.has(`${t.group}.${k}`)) k++;
    seen.set(t.group, k);
    taken.add(`${t.group}.${k}`);
    return `${t.group}.${k}`;
  });
}

/** One column of one random term and the nodes around it. */
export interface CoefNode {
  /** The coefficient node: `a`, `b`, `b.Days`, `a.plate`, `b.Subject.1`. */
  readonly node: string;
  /** lme4's column name, e.g. "(Intercept)", "Days". */
  readonly column: string;
  /** Its position in the term (0-based). */
  readonly k: number;
  /** The data vector multiplying it in the linear predictor, or null for an intercept. */
  readonly data: string | null;
  /** The fixed-effect column it holds (index into spec.fixed.columns), or null. */
  readonly holds: number | null;
  /** `mu.N` when it holds a fixed effect, else null (the node has mean 0). */
  readonly mu: string | null;
  readonly sigma: string;
  readonly tau: string;
  /** Scaled-Wishart scale factor ξ for this coefficient, when that form is used. */
  readonly xi: string | null;
}

/** Internal nodes of a correlated term's covariance form (names per term). */
export interface TermMatrices {
  /** The K-column coefficient matrix drawn by dmnorm (raw coefficients for scaled-wishart). */
  readonly B: string;
  /** Its mean vector. */
  readonly mean: string;
  readonly Tau: string;
  readonly Sigma: string;
  /** Wishart scale matrix (wishart: scaled to the data; scaled-wishart: the identity). */
  readonly R: string;
  /** LKJ: Beta draws, partial correlations, Cholesky factor, correlation matrix ('' otherwise). */
  readonly u: string;
  readonly z: string;
  readonly L: string;
  readonly corr: string;
}

export interface TermNodes {
  readonly term: RandomTerm;
  /** Position in lme4's order (0-based). */
  readonly t: number;
  /** lme4's VarCorr name: "Subject", "Subject.1", "cask:batch". */
  readonly vcGroup: string;
  /** The sanitised VarCorr name, used to name the term's matrices and rho. */
  readonly suffix: string;
  /** The grouping factor's index vector and number-of-levels node. */
  readonly index: string;
  readonly m: string;
  readonly form: TermForm;
  readonly coefs: readonly CoefNode[];
  /** `rho.<group>` when the model estimates this term's correlations, else null. */
  readonly rho: string | null;
  readonly matrices: TermMatrices | null;
}

export interface FixedNode {
  /** lme4's fixef name. */
  readonly column: string;
  /** Index into spec.fixed.columns. */
  readonly j: number;
  /** The node estimating this fixed effect: `mu.a` (held by a group node) or `beta.x`. */
  readonly node: string;
  /** The group node holding it (group-means), or null. */
  readonly heldBy: { readonly t: number; readonly k: number } | null;
  /** Its data vector (null for an intercept: a column of ones). */
  readonly data: string | null;
}

/** A data vector made from a model-matrix column (fixed or random). */
export interface ColumnData {
  readonly node: string;
  /** lme4's column name. */
  readonly column: string;
  readonly values: Float64Array;
}

export interface GroupingFactor {
  /** lme4's grouping factor name (ranef's key): "Subject", "cask:batch". */
  readonly group: string;
  readonly index: string;
  readonly m: string;
  readonly levels: readonly string[];
  /** 1-based level of each observation. */
  readonly values: Int32Array;
  /** The terms on this factor (indices in lme4's order). */
  readonly terms: readonly number[];
}

/** Every name in the model. */
export interface NodePlan {
  readonly param: Parameterization;
  readonly cov: CovarianceForm;
  readonly y: string;
  readonly n: string;
  readonly yhat: string;
  readonly sigmaY: string;
  readonly tauY: string;
  readonly offset: string | null;
  readonly weights: string | null;
  readonly fixed: readonly FixedNode[];
  readonly terms: readonly TermNodes[];
  readonly factors: readonly GroupingFactor[];
  readonly columns: readonly ColumnData[];
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function allOnes(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== 1) return false;
  return true;
}

/** The form a term's coefficients take: single columns are scalar whatever --cov says. */
export function termForm(term: RandomTerm, cov: CovarianceForm): TermForm {
  return term.columns.length === 1 ? 'scalar' : cov;
}

/** Allocates every node and data-vector name of the model. */
export function planNodes(spec: ModelSpec, options: { param: Parameterization; cov: CovarianceForm }): NodePlan {
  const { param, cov } = options;
  const n = spec.nobs;
  const reg = new NameRegistry();
  const y = reg.claim('y');
  const nNode = reg.claim('n');
  const yhat = reg.claim('y.hat');
  const sigmaY = reg.claim('sigma.y');
  const tauY = reg.claim('tau.y');
  const offset = spec.offset ? reg.claim('offset') : null;
  const weights = spec.weights ? reg.claim('w') : null;

  const fixedCols = spec.fixed.columns;
  const xColumn = (j: number) => spec.fixed.X.subarray(j * n, (j + 1) * n);
  const zColumn = (term: RandomTerm, k: number) => term.Z.subarray(k * n, (k + 1) * n);

  // Which group node holds each fixed effect (group-means): the first term, in lme4's order,
  // with a column of the same name and the same values.
  const holder = new Map<number, { t: number; k: number }>();
  if (param === 'group-means') {
    fixedCols.forEach((c, j) => {
      for (let t = 0; t < spec.random.length; t++) {
        const term = spec.random[t];
        const k = term.columns.findIndex((z) => z.name === c.name);
        if (k >= 0 && sameValues(zColumn(term, k), xColumn(j))) {
          holder.set(j, { t, k });
          return;
        }
      }
    });
  }
  const heldAt = new Map<string, number>();
  for (const [j, h] of holder) heldAt.set(`${h.t}:${h.k}`, j);

  // Coefficient nodes, term by term.
  const vcNames = varcorrGroupNames(spec.random);
  const several = spec.random.length > 1;
  const coefBases = spec.random.map((term, t) => {
    const slopes = term.columns.filter((c) => c.name !== INTERCEPT).length;
    return term.columns.map((c) => {
      const base = c.name === INTERCEPT ? 'a' : slopes === 1 ? 'b' : `b.${sanitizeName(c.name)}`;
      return several ? `${base}.${sanitizeName(vcNames[t])}` : base;
    });
  });
  const coefNames = coefBases.map((bases) => bases.map((b) => reg.claim(b)));

  const partial = spec.random.map((term, t) => {
    const form = termForm(term, cov);
    const suffix = sanitizeName(vcNames[t]);
    const coefs = term.columns.map((c, k) => {
      const node = coefNames[t][k];
      const j = heldAt.get(`${t}:${k}`);
      return {
        node,
        column: c.name,
        k,
        holds: j ?? null,
        mu: j === undefined ? null : reg.claim(`mu.${node}`),
        sigma: reg.claim(`sigma.${node}`),
        tau: reg.claim(`tau.${node}`),
        xi: form === 'scaled-wishart' ? reg.claim(`xi.${node}`) : null,
      };
    });
    const correlated = form !== 'scalar' && form !== 'independent';
    const rho = correlated ? reg.claim(`rho.${suffix}`) : null;
    let matrices: TermMatrices | null = null;
    if (correlated) {
      const raw = form === 'scaled-wishart';
      matrices = {
        B: reg.claim(raw ? `B.raw.${suffix}` : `B.${suffix}`),
        mean: reg.claim(raw ? `B.raw.mean.${suffix}` : `B.mean.${suffix}`),
        Tau: reg.claim(raw ? `Tau.raw.${suffix}` : `Tau.${suffix}`),
        Sigma: reg.claim(raw ? `Sigma.raw.${suffix}` : `Sigma.${suffix}`),
        R: reg.claim(raw ? `I.${suffix}` : `R.${suffix}`),
        u: form === 'lkj' ? reg.claim(`u.${suffix}`) : '',
        z: form === 'lkj' ? reg.claim(`z.${suffix}`) : '',
        L: form === 'lkj' ? reg.claim(`L.${suffix}`) : '',
        corr: form !== 'lkj' ? '' : term.columns.length > 2 && rho !== null ? rho : reg.claim(`Corr.${suffix}`),
      };
    }
    return { term, t, vcGroup: vcNames[t], suffix, form, coefs, rho, matrices };
  });

  // Fixed effects: held ones by mu.N, the others by beta.<col>.
  const fixedNodes = fixedCols.map((c, j) => {
    const h = holder.get(j);
    const node = h ? (partial[h.t].coefs[h.k].mu as string) : reg.claim(`beta.${sanitizeName(c.name)}`);
    return { column: c.name, j, node, heldBy: h ?? null };
  });

  // Grouping factors: one index vector and one level count per factor.
  const factorOrder: string[] = [];
  for (const term of spec.random) if (!factorOrder.includes(term.group)) factorOrder.push(term.group);
  const mNames = new Map<string, string>();
  for (const g of factorOrder) mNames.set(g, reg.claim(several ? `m.${sanitizeName(g)}` : 'm'));
  const factors: GroupingFactor[] = factorOrder.map((g) => {
    const terms = spec.random.map((t, i) => (t.group === g ? i : -1)).filter((i) => i >= 0);
    const first = spec.random[terms[0]];
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) values[i] = first.index[i] + 1;
    return { group: g, index: reg.claimData(sanitizeName(g)), m: mNames.get(g) as string, levels: first.levels, values, terms };
  });

  // Data vectors for model-matrix columns: fixed columns first, then random-only columns; a
  // column of ones needs none; the same name with the same values shares one vector.
  const columns: ColumnData[] = [];
  const dataFor = (name: string, values: Float64Array): string | null => {
    if (allOnes(values)) return null;
    const same = columns.find((c) => c.column === name && sameValues(c.values, values));
    if (same) return same.node;
    const node = reg.claimData(sanitizeName(name));
    columns.push({ node, column: name, values: Float64Array.from(values) });
    return node;
  };
  const fixed: FixedNode[] = fixedNodes.map((f) => ({ ...f, data: dataFor(f.column, xColumn(f.j)) }));
  const terms: TermNodes[] = partial.map((p) => {
    const factor = factors.find((f) => f.group === p.term.group);
    assert(factor !== undefined, `no grouping factor for ${p.term.group}`);
    return {
      ...p,
      index: factor.index,
      m: factor.m,
      coefs: p.coefs.map((c) => ({ ...c, data: dataFor(c.column, zColumn(p.term, c.k)) })),
    };
  });

  return { param, cov, y, n: nNode, yhat, sigmaY, tauY, offset, weights, fixed, terms, factors, columns };
}

/** names.json: exactly the issue's format. */
export interface NamesJson {
  readonly parameterization: Parameterization;
  readonly fixef: Record<string, string>;
  readonly sigma: string;
  readonly varcorr: {
    readonly group: string;
    readonly terms: readonly string[];
    readonly sd: readonly string[];
    readonly corr: readonly (readonly (string | null)[])[];
  }[];
  readonly ranef: Record<
    string,
    {
      readonly levels: readonly string[];
      readonly terms: readonly string[];
      readonly nodes: readonly string[];
      readonly includesFixef: readonly boolean[];
    }
  >;
}

/** The name of a correlation's node: `rho.g` for two columns, `rho.g[k,l]` (1-based) for more. */
export function corrNode(rho: string, K: number, k: number, l: number): string {
  return K === 2 ? rho : `${rho}[${k + 1},${l + 1}]`;
}

export function namesJson(plan: NodePlan): NamesJson {
  const fixef: Record<string, string> = {};
  for (const f of plan.fixed) fixef[f.column] = f.node;
  const varcorr = plan.terms.map((t) => {
    const K = t.coefs.length;
    return {
      group: t.vcGroup,
      terms: t.coefs.map((c) => c.column),
      sd: t.coefs.map((c) => c.sigma),
      corr: t.coefs.map((_, k) => t.coefs.map((__, l) => (k === l || t.rho === null ? null : corrNode(t.rho, K, k, l)))),
    };
  });
  const ranef: NamesJson['ranef'] = {};
  for (const f of plan.factors) {
    const coefs = f.terms.flatMap((t) => plan.terms[t].coefs);
    ranef[f.group] = {
      levels: f.levels,
      terms: coefs.map((c) => c.column),
      nodes: coefs.map((c) => `${c.node}[{j}]`),
      includesFixef: coefs.map((c) => c.holds !== null),
    };
  }
  return { parameterization: plan.param, fixef, sigma: plan.sigmaY, varcorr, ranef };
}

/** Every node names.json refers to, as `monitor` takes them (array names without indices). */
export function monitoredNodes(names: NamesJson): string[] {
  const out: string[] = [];
  const add = (s: string | null) => {
    if (s === null) return;
    const base = s.replace(/\[.*$/, '');
    if (!out.includes(base)) out.push(base);
  };
  Object.values(names.fixef).forEach(add);
  add(names.sigma);
  for (const vc of names.varcorr) {
    vc.sd.forEach(add);
    vc.corr.forEach((row) => row.forEach(add));
  }
  for (const r of Object.values(names.ranef)) r.nodes.forEach(add);
  return out;
}

/**
 * names.json's text: JSON indented by two spaces, with lists of names (and the rows of a
 * correlation map) kept on one line each, so the file reads like the issue's example.
 */
export function formatNamesJson(names: NamesJson): string {
  const scalar = (v: unknown) => v === null || typeof v !== 'object';
  const fmt = (v: unknown, indent: string): string => {
    if (scalar(v)) return JSON.stringify(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.every(scalar)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
      return `[\n${v.map((x) => inner + fmt(x, inner)).join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(',\n')}\n${indent}}`;
  };
  return `${fmt(names, '')}\n`;
}
