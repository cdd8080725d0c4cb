/**
 * The blocks of [Z X y]ᵀ[Z X y] (with prior weights and offset applied), computed once per model
 * in O(n), and the block structure of its Cholesky factor, decided symbolically so that each
 * evaluation of the objective does work independent of the number of observations.
 *
 * Blocks are numbered 0 … K−1 for the random-effects terms (in lme4's order) followed by one
 * "XY" block holding the fixed-effects columns and the response. The u-vector of term j is
 * ordered level by level, with the term's q_j columns inside each level, as lme4 orders it.
 *
 * Factor layout (decided here, filled in per θ by objective.ts):
 *  - the diagonal block of term j is block-diagonal ('bd': one q×q block per level) when no
 *    earlier term fills it in (always for the first term; for a term whose earlier terms are
 *    nested in it), and dense ('dn') otherwise;
 *  - an off-diagonal block (i, j) between terms is sparse ('sp', in q_i×q_j sub-blocks stored
 *    by column level) when the diagonal block j is block-diagonal, and dense when it is dense;
 *  - the XY rows against term j are dense (p+1) × (ℓ_j q_j), row-major.
 * A dense diagonal block whose fill comes only from sparse blocks gets its levels reordered
 * (the least envelope work of their own order, reverse Cuthill–McKee and Sloan's order) and an
 * envelope, so its Cholesky factorization skips the zeros left of each row's first nonzero
 * (InstEval's d block: 68 M multiply-adds instead of 239 M dense); results are mapped back to
 * the original level order through `levelPosition`.
 */
import { type ErrorLocation, Lmer2JagsError, type Span, assert } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';

/** Dense storage beyond this many doubles (800 MB) is refused with an explanation. */
const MAX_DENSE_DOUBLES = 1e8;

export interface TermLayout {
  /** Number of LHS columns (q). */
  readonly q: number;
  /** Number of levels (ℓ). */
  readonly nl: number;
  /** ℓ·q: the term's share of u. */
  readonly dim: number;
  /** First index of the term in u. */
  readonly uOffset: number;
  /** First index of the term's template in θ. */
  readonly thetaOffset: number;
  /** q(q+1)/2. */
  readonly nTheta: number;
}

/** A block-sparse matrix: sub-blocks of qr × qc (row-major), stored by column level. */
export interface SparsePattern {
  readonly rowsLevels: number;
  readonly colsLevels: number;
  readonly qr: number;
  readonly qc: number;
  /** colPtr[c] … colPtr[c+1]−1 index the entries of column level c. */
  readonly colPtr: Int32Array;
  /** Row level of each entry, ascending within a column. */
  readonly rowIdx: Int32Array;
}

/** Zᵢᵀ Zⱼ for i > j as a block-sparse matrix, with where each entry goes in the factor. */
export interface CrossBlock {
  readonly pattern: SparsePattern;
  /** qr·qc values per entry. */
  readonly values: Float64Array;
  /**
   * For each entry: its entry index in the factor's sparse block, or (dense factor block) the
   * offset of its top-left element in the row-major dense block.
   */
  readonly target: Int32Array;
}

/** A planned update C[c] −= A[a]·B[b]ᵀ over sub-blocks of sparse blocks (entry indices). */
export interface ProductPlan {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly c: Int32Array;
}

export type DiagKind = 'bd' | 'dn';
export type OffKind = 'sp' | 'dn';

export interface PlsBlocks {
  readonly n: number;
  /** Number of fixed-effects columns. */
  readonly p: number;
  readonly terms: readonly TermLayout[];
  /** Total length of u. */
  readonly qTotal: number;
  readonly nTheta: number;
  /** Lower bounds of θ: 0 for template diagonals, −∞ elsewhere. */
  readonly lower: Float64Array;
  /** Σ log wᵢ (0 without weights). */
  readonly logDetW: number;
  /** Per term: ℓ q×q blocks of Zⱼᵀ Zⱼ (row-major). */
  readonly aDiag: readonly Float64Array[];
  /** aCross[i][j] for i > j; undefined otherwise. */
  readonly aCross: readonly (readonly (CrossBlock | undefined)[])[];
  /** Per term: [X y]ᵀ Zⱼ, (p+1) × dimⱼ row-major. */
  readonly aXY: readonly Float64Array[];
  /** [X y]ᵀ[X y], (p+1) × (p+1) row-major. */
  readonly aXYXY: Float64Array;
  readonly diagKind: readonly DiagKind[];
  readonly offKind: readonly (readonly (OffKind | undefined)[])[];
  /** Sparse patterns of the factor's sparse off-diagonal blocks ([i][j], i > j). */
  readonly offPattern: readonly (readonly (SparsePattern | undefined)[])[];
  /** plans[i][j][m]: update of sparse factor block (i,j) by blocks (i,m) and (j,m), m < j. */
  readonly plans: readonly (readonly (readonly (ProductPlan | undefined)[])[])[];
  /**
   * Per term: original level → position in the factor (and in u), or null when the levels keep
   * their order. Dense diagonal blocks get a profile-reducing order of their levels (profileOrder) so
   * that the Cholesky factor's envelope is small.
   */
  readonly levelPosition: readonly (Int32Array | null)[];
  /**
   * Per dense diagonal block: for each row, the first column inside the envelope (entries to
   * its left are zero in the matrix and in its Cholesky factor); null for other blocks.
   */
  readonly envelope: readonly (Int32Array | null)[];
  /** Weighted, offset-corrected response √w (y − offset). */
  readonly yTilde: Float64Array;
  /** Square roots of the prior weights (all 1 without weights). */
  readonly sqrtW: Float64Array;
}

/** Validate the numeric inputs lmer needs and build every block. */
export function buildPlsBlocks(spec: ModelSpec): PlsBlocks {
  const n = spec.nobs;
  const p = spec.fixed.columns.length;
  const K = spec.random.length;
  if (n <= 0) {
    throw new Lmer2JagsError('no observations left to fit', {
      hint: 'check the data file and the rows removed for missing values',
    });
  }
  if (K === 0) {
    throw new Lmer2JagsError('the model has no random-effects terms', {
      hint: 'add a term like (1 | group); for a model without random effects use lm',
    });
  }
  assert(spec.response.values.length === n, 'response length equals nobs');
  assert(spec.fixed.X.length === n * p, 'X is n × p');
  checkFinite(spec.response.values, `response '${spec.response.name}'`, n);
  checkFinite(spec.fixed.X, 'the fixed-effects model matrix', n);

  // Prior weights and offset.
  const sqrtW = new Float64Array(n);
  let logDetW = 0;
  if (spec.weights) {
    assert(spec.weights.length === n, 'weights length equals nobs');
    for (let i = 0; i < n; i++) {
      const w = spec.weights[i];
      if (!Number.isFinite(w) || w <= 0) {
        throw new Lmer2JagsError(`prior weight of observation ${i + 1} is ${w}; weights must be positive and finite`, {
          hint: 'drop observations with zero or missing weight before fitting',
        });
      }
      sqrtW[i] = Math.sqrt(w);
      logDetW += Math.log(w);
    }
  } else {
    sqrtW.fill(1);
  }
  if (spec.offset) {
    assert(spec.offset.length === n, 'offset length equals nobs');
    checkFinite(spec.offset, 'the offset', n);
  }
  const yTilde = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = spec.offset ? spec.offset[i] : 0;
    yTilde[i] = sqrtW[i] * (spec.response.values[i] - o);
  }

  // Term layout and θ.
  const terms: TermLayout[] = [];
  let uOffset = 0;
  let thetaOffset = 0;
  for (const t of spec.random) {
    const q = t.columns.length;
    const nl = t.levels.length;
    assert(q > 0, `term ${t.group} has columns`);
    assert(t.index.length === n && t.Z.length === n * q, `term ${t.group} has n rows`);
    checkFinite(t.Z, `the random-effects model matrix of (… | ${t.group})`, n);
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const l = t.index[i];
      if (l < 0 || l >= nl) inRange = false;
    }
    assert(inRange, `level index of term ${t.group} in range`);
    const nTheta = (q * (q + 1)) / 2;
    terms.push({ q, nl, dim: nl * q, uOffset, thetaOffset, nTheta });
    uOffset += nl * q;
    thetaOffset += nTheta;
  }
  // Per term: each observation's level position (reordered below for dense blocks).
  const index = spec.random.map((t) => t.index);
  const lower = new Float64Array(thetaOffset);
  for (const t of terms) {
    let k = t.thetaOffset;
    for (let c = 0; c < t.q; c++) {
      for (let r = c; r < t.q; r++) lower[k++] = r === c ? 0 : -Infinity;
    }
  }

  // Weighted Z columns, per term (column-major n × q); without weights, Z itself.
  const zTilde = spec.random.map((t, j) => (spec.weights ? weighted(t.Z, terms[j].q, sqrtW, n) : t.Z));
  // Weighted [X y] as p+1 columns (views of X itself without weights).
  const Xw = spec.weights ? weighted(spec.fixed.X, p, sqrtW, n) : spec.fixed.X;
  const xyCols: Float64Array[] = [];
  for (let c = 0; c < p; c++) xyCols.push(Xw.subarray(c * n, (c + 1) * n));
  xyCols.push(yTilde);
  // Values so large that their cross-products overflow cannot be fitted in double precision.
  const where = (span: Span): ErrorLocation => ({ kind: 'text', label: 'formula', text: spec.formula, span });
  zTilde.forEach((z, j) => {
    const t = spec.random[j];
    for (let c = 0; c < terms[j].q; c++) {
      checkSquares(z.subarray(c * n, (c + 1) * n), `the column '${t.columns[c].name}' of (… | ${t.group})`, where(t.columns[c].span));
    }
  });

  // [X y]ᵀ[X y].
  const aXYXY = new Float64Array((p + 1) * (p + 1));
  for (let a = 0; a <= p; a++) {
    for (let b = 0; b <= a; b++) {
      const s = dot(xyCols[a], xyCols[b], n);
      aXYXY[a * (p + 1) + b] = s;
      aXYXY[b * (p + 1) + a] = s;
    }
    if (!Number.isFinite(aXYXY[a * (p + 1) + a])) {
      const column = a < p ? spec.fixed.columns[a] : null;
      checkSquares(xyCols[a], column ? `the fixed-effects column '${column.name}'` : `the response '${spec.response.name}'`, where(column ? column.span : spec.response.span));
    }
  }

  // Cross blocks ZᵢᵀZⱼ (i > j): patterns and values, then the symbolic factorization. Levels
  // of a dense diagonal block are reordered (profileOrder) and everything is rebuilt
  // with the new level positions.
  const crossPatterns: (SparsePattern | undefined)[][] = [];
  const crossValues: (Float64Array | undefined)[][] = [];
  const computeCross = (): void => {
    crossPatterns.length = 0;
    crossValues.length = 0;
    for (let i = 0; i < K; i++) {
      crossPatterns.push(new Array<SparsePattern | undefined>(K).fill(undefined));
      crossValues.push(new Array<Float64Array | undefined>(K).fill(undefined));
      for (let j = 0; j < i; j++) {
        const { pattern, values } = crossProduct(index[i], index[j], zTilde[i], zTilde[j], terms[i], terms[j], n);
        crossPatterns[i][j] = pattern;
        crossValues[i][j] = values;
      }
    }
  };
  computeCross();
  let sym = symbolic(crossPatterns, K);
  const levelPosition: (Int32Array | null)[] = new Array<Int32Array | null>(K).fill(null);
  let reordered = false;
  for (let j = 0; j < K; j++) {
    if (sym.diagKind[j] !== 'dn' || !allSparse(sym, j)) continue;
    const adj = levelAdjacency(sym.offPattern, j, terms[j].nl);
    const order = profileOrder(adj);
    const pos = new Int32Array(order.length);
    order.forEach((old, k) => (pos[old] = k));
    if (pos.every((v, k) => v === k)) continue;
    levelPosition[j] = pos;
    index[j] = Int32Array.from(index[j], (l) => pos[l]);
    reordered = true;
  }
  if (reordered) {
    computeCross();
    sym = symbolic(crossPatterns, K);
  }
  const { diagKind, offKind, offPattern } = sym;
  const envelope: (Int32Array | null)[] = terms.map((t, j) => {
    if (diagKind[j] !== 'dn') return null;
    const first = new Int32Array(t.dim);
    if (!allSparse(sym, j)) return first;
    const adj = levelAdjacency(offPattern, j, t.nl);
    for (let l = 0; l < t.nl; l++) {
      let f = l;
      for (const nb of adj[l]) if (nb < f) f = nb;
      for (let s2 = 0; s2 < t.q; s2++) first[l * t.q + s2] = f * t.q;
    }
    return first;
  });
  // Diagonal blocks ZⱼᵀZⱼ.
  const aDiag = spec.random.map((_, j) => {
    const { q, nl } = terms[j];
    const z = zTilde[j];
    const idx = index[j];
    const out = new Float64Array(nl * q * q);
    for (let i = 0; i < n; i++) {
      const base = idx[i] * q * q;
      for (let r = 0; r < q; r++) {
        const zr = z[r * n + i];
        if (zr === 0) continue;
        for (let c = 0; c < q; c++) out[base + r * q + c] += zr * z[c * n + i];
      }
    }
    return out;
  });

  // [X y]ᵀ Zⱼ.
  const aXY = spec.random.map((_, j) => {
    const { q, dim } = terms[j];
    const z = zTilde[j];
    const idx = index[j];
    const out = new Float64Array((p + 1) * dim);
    for (let a = 0; a <= p; a++) accumulateXZ(out, a * dim, xyCols[a], z, idx, q, n);
    return out;
  });

  let denseDoubles = 0;
  for (let j = 0; j < K; j++) {
    if (diagKind[j] === 'dn') denseDoubles += terms[j].dim * terms[j].dim;
    for (let i = j + 1; i < K; i++) if (offKind[i][j] === 'dn') denseDoubles += terms[i].dim * terms[j].dim;
  }
  if (denseDoubles > MAX_DENSE_DOUBLES) {
    const names = spec.random.map((t) => `${t.group} (${t.levels.length} levels)`).join(', ');
    throw new Lmer2JagsError(
      `the crossed random-effects terms ${names} need ${Math.round((denseDoubles * 8) / 1e9)} GB of dense storage for the factorization`,
      { hint: 'reduce the number of levels of the crossed grouping factors, or fit this model with lme4' },
    );
  }

  // Where each ZᵢᵀZⱼ entry goes in the factor.
  const aCross: (CrossBlock | undefined)[][] = Array.from({ length: K }, () =>
    new Array<CrossBlock | undefined>(K).fill(undefined),
  );
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < i; j++) {
      const pat = crossPatterns[i][j] as SparsePattern;
      const target = new Int32Array(pat.rowIdx.length);
      const qi = terms[i].q;
      const qj = terms[j].q;
      const dimj = terms[j].dim;
      const fp = offPattern[i][j];
      for (let c = 0; c < pat.colsLevels; c++) {
        for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
          const r = pat.rowIdx[e];
          if (offKind[i][j] === 'sp') {
            const pos = findEntry(fp as SparsePattern, r, c);
            assert(pos >= 0, 'fill pattern contains the cross-product pattern');
            target[e] = pos;
          } else {
            target[e] = r * qi * dimj + c * qj;
          }
        }
      }
      aCross[i][j] = { pattern: pat, values: crossValues[i][j] as Float64Array, target };
    }
  }

  // Update plans for sparse factor blocks (i, j) from (i, m) and (j, m), m < j < i.
  const plans: (ProductPlan | undefined)[][][] = Array.from({ length: K }, () =>
    Array.from({ length: K }, () => new Array<ProductPlan | undefined>(K).fill(undefined)),
  );
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < i; j++) {
      if (offKind[i][j] !== 'sp') continue;
      const target = offPattern[i][j] as SparsePattern;
      for (let m = 0; m < j; m++) {
        const pim = offPattern[i][m] as SparsePattern;
        const pjm = offPattern[j][m] as SparsePattern;
        const a: number[] = [];
        const b: number[] = [];
        const c: number[] = [];
        for (let col = 0; col < pim.colsLevels; col++) {
          for (let ea = pim.colPtr[col]; ea < pim.colPtr[col + 1]; ea++) {
            for (let eb = pjm.colPtr[col]; eb < pjm.colPtr[col + 1]; eb++) {
              const pos = findEntry(target, pim.rowIdx[ea], pjm.rowIdx[eb]);
              assert(pos >= 0, 'fill pattern is closed under updates');
              a.push(ea);
              b.push(eb);
              c.push(pos);
            }
          }
        }
        plans[i][j][m] = { a: Int32Array.from(a), b: Int32Array.from(b), c: Int32Array.from(c) };
      }
    }
  }

  return {
    n,
    p,
    terms,
    qTotal: uOffset,
    nTheta: thetaOffset,
    lower,
    logDetW,
    aDiag,
    aCross,
    aXY,
    aXYXY,
    diagKind,
    offKind,
    offPattern,
    plans,
    levelPosition,
    envelope,
    yTilde,
    sqrtW,
  };
}

interface Symbolic {
  readonly diagKind: DiagKind[];
  readonly offKind: (OffKind | undefined)[][];
  readonly offPattern: (SparsePattern | undefined)[][];
}

/** Block kinds and sparse fill patterns of the factor, from the ZᵢᵀZⱼ patterns. */
function symbolic(crossPatterns: readonly (readonly (SparsePattern | undefined)[])[], K: number): Symbolic {
  const diagKind: DiagKind[] = [];
  const offKind: (OffKind | undefined)[][] = Array.from({ length: K }, () => new Array<OffKind | undefined>(K).fill(undefined));
  const offPattern: (SparsePattern | undefined)[][] = Array.from({ length: K }, () =>
    new Array<SparsePattern | undefined>(K).fill(undefined),
  );
  for (let j = 0; j < K; j++) {
    let bd = true;
    for (let m = 0; m < j && bd; m++) {
      const pat = offPattern[j][m];
      if (offKind[j][m] !== 'sp' || !pat) bd = false;
      else if (maxRowsPerColumn(pat) > 1) bd = false;
    }
    diagKind.push(bd ? 'bd' : 'dn');
    for (let i = j + 1; i < K; i++) {
      if (!bd) {
        offKind[i][j] = 'dn';
        continue;
      }
      offKind[i][j] = 'sp';
      offPattern[i][j] = fillPattern(crossPatterns[i][j] as SparsePattern, j, i, offPattern);
    }
  }
  return { diagKind, offKind, offPattern };
}

/** True when every factor block left of diagonal block j is sparse. */
function allSparse(sym: Symbolic, j: number): boolean {
  for (let m = 0; m < j; m++) if (sym.offKind[j][m] !== 'sp') return false;
  return true;
}

/** Levels of term j that the updates from earlier sparse blocks connect (rows sharing a column). */
function levelAdjacency(offPattern: readonly (readonly (SparsePattern | undefined)[])[], j: number, nl: number): number[][] {
  const sets = Array.from({ length: nl }, () => new Set<number>());
  for (let m = 0; m < j; m++) {
    const pat = offPattern[j][m] as SparsePattern;
    for (let c = 0; c < pat.colsLevels; c++) {
      const e0 = pat.colPtr[c];
      const e1 = pat.colPtr[c + 1];
      for (let a = e0; a < e1; a++) {
        for (let b = e0; b < e1; b++) if (a !== b) sets[pat.rowIdx[a]].add(pat.rowIdx[b]);
      }
    }
  }
  return sets.map((s) => [...s].sort((x, y) => x - y));
}

/**
 * The order of a dense block's levels for its envelope Cholesky factorization: of the levels'
 * own order, reverse Cuthill–McKee and Sloan's profile-reducing order, the one with the least
 * envelope work (InstEval's d block: 164 M multiply-adds as given or by RCM, 68 M by Sloan).
 */
export function profileOrder(adj: readonly (readonly number[])[]): Int32Array {
  const n = adj.length;
  const candidates = [Int32Array.from({ length: n }, (_, i) => i), reverseCuthillMcKee(adj), sloanOrder(adj)];
  let best = candidates[0];
  let bestCost = envelopeCost(adj, best);
  for (const c of candidates.slice(1)) {
    const cost = envelopeCost(adj, c);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * Multiply-adds of the envelope (Crout) Cholesky factorization of a matrix with this graph
 * when its rows are put in `order` (new position → node): row i spans columns first(i) … i.
 */
export function envelopeCost(adj: readonly (readonly number[])[], order: Int32Array): number {
  const n = adj.length;
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[order[k]] = k;
  const first = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    let f = pos[v];
    for (const u of adj[v]) if (pos[u] < f) f = pos[u];
    first[pos[v]] = f;
  }
  let cost = 0;
  for (let i = 0; i < n; i++) {
    const fi = first[i];
    for (let j = fi; j < i; j++) cost += j - Math.max(fi, first[j]);
    cost += i - fi;
  }
  return cost;
}

/** Breadth-first distances from `s` (−1 where unreachable) and the nodes in visiting order. */
function bfs(adj: readonly (readonly number[])[], s: number): { dist: Int32Array; visit: number[] } {
  const dist = new Int32Array(adj.length).fill(-1);
  dist[s] = 0;
  const visit = [s];
  for (let h = 0; h < visit.length; h++) {
    const v = visit[h];
    for (const u of adj[v]) {
      if (dist[u] < 0) {
        dist[u] = dist[v] + 1;
        visit.push(u);
      }
    }
  }
  return { dist, visit };
}

/**
 * Sloan's profile-reducing order (Sloan 1986, weights 1 and 2), one connected component at a
 * time: from one end of a pseudo-diameter to the other, always numbering next the candidate
 * with the highest priority, which grows with the distance to the far end and falls with the
 * number of neighbours not yet numbered. Returns new position → node.
 */
export function sloanOrder(adj: readonly (readonly number[])[]): Int32Array {
  const n = adj.length;
  const W1 = 1;
  const W2 = 2;
  const status = new Int8Array(n); // 0 inactive, 1 preactive, 2 active, 3 numbered
  const priority = new Float64Array(n);
  const order = new Int32Array(n);
  let numbered = 0;
  const byDegree = Array.from({ length: n }, (_, i) => i).sort((a, b) => adj[a].length - adj[b].length || a - b);
  for (const seed of byDegree) {
    if (status[seed] !== 0) continue;
    // Pseudo-peripheral pair (start, end): repeated breadth-first searches from the far end.
    let start = seed;
    let level = bfs(adj, start);
    for (;;) {
      const far = level.dist[level.visit[level.visit.length - 1]];
      const ends = level.visit.filter((v) => level.dist[v] === far).sort((a, b) => adj[a].length - adj[b].length || a - b);
      const next = bfs(adj, ends[0]);
      if (next.dist[next.visit[next.visit.length - 1]] <= far) break;
      start = ends[0];
      level = next;
    }
    const end = level.visit[level.visit.length - 1];
    const dist = bfs(adj, end).dist;
    for (const v of level.visit) priority[v] = W1 * dist[v] - W2 * (adj[v].length + 1);
    const queue: number[] = [start];
    status[start] = 1;
    while (queue.length > 0) {
      let at = 0;
      for (let k = 1; k < queue.length; k++) {
        const a = queue[k];
        const b = queue[at];
        if (priority[a] > priority[b] || (priority[a] === priority[b] && a < b)) at = k;
      }
      const v = queue[at];
      queue[at] = queue[queue.length - 1];
      queue.pop();
      if (status[v] === 1) {
        for (const u of adj[v]) {
          priority[u] += W2;
          if (status[u] === 0) {
            status[u] = 1;
            queue.push(u);
          }
        }
      }
      order[numbered++] = v;
      status[v] = 3;
      for (const u of adj[v]) {
        if (status[u] !== 1) continue;
        status[u] = 2;
        priority[u] += W2;
        for (const w of adj[u]) {
          if (status[w] === 3) continue;
          priority[w] += W2;
          if (status[w] === 0) {
            status[w] = 1;
            queue.push(w);
          }
        }
      }
    }
  }
  return order;
}

/**
 * Reverse Cuthill–McKee order of a graph (new position → node): breadth-first from a node of
 * least degree in each component, visiting neighbours by increasing degree, then reversed. It
 * keeps each row's nonzeros close to the diagonal, so the envelope that Cholesky fills is small.
 */
export function reverseCuthillMcKee(adj: readonly (readonly number[])[]): Int32Array {
  const n = adj.length;
  const degree = adj.map((a) => a.length);
  const byDegree = Array.from({ length: n }, (_, i) => i).sort((a, b) => degree[a] - degree[b] || a - b);
  const visited = new Uint8Array(n);
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (const s of byDegree) {
    if (visited[s]) continue;
    visited[s] = 1;
    order[tail++] = s;
    while (head < tail) {
      const v = order[head++];
      const next = adj[v].filter((w) => !visited[w]).sort((a, b) => degree[a] - degree[b] || a - b);
      for (const w of next) {
        visited[w] = 1;
        order[tail++] = w;
      }
    }
  }
  return order.reverse();
}

/** √w-weighted copy of `cols` column-major n-vectors. */
function weighted(v: Float64Array, cols: number, sqrtW: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * cols);
  for (let c = 0; c < cols; c++) for (let i = 0; i < n; i++) out[c * n + i] = sqrtW[i] * v[c * n + i];
  return out;
}

function dot(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

/** out[row + idx[i]·q + s] += x[i] · z[s·n + i]: one row of [X y]ᵀ Zⱼ. */
function accumulateXZ(out: Float64Array, row: number, x: Float64Array, z: Float64Array, idx: Int32Array, q: number, n: number): void {
  if (q === 1) {
    for (let i = 0; i < n; i++) out[row + idx[i]] += x[i] * z[i];
    return;
  }
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const base = row + idx[i] * q;
    for (let s = 0; s < q; s++) out[base + s] += xi * z[s * n + i];
  }
}

function checkFinite(v: Float64Array, what: string, n: number): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new Lmer2JagsError(`${what} has a non-finite value (${v[i]}) at observation ${(i % n) + 1}`, {
        hint: 'remove or fix missing and infinite values before fitting',
      });
    }
  }
}

function checkSquares(col: Float64Array, what: string, location: ErrorLocation): void {
  let ss = 0;
  for (let i = 0; i < col.length; i++) ss += col[i] * col[i];
  if (!Number.isFinite(ss)) {
    let big = 0;
    for (let i = 0; i < col.length; i++) big = Math.max(big, Math.abs(col[i]));
    throw new Lmer2JagsError(`${what} has values too large to fit (up to ${big.toPrecision(3)}): their squares overflow double precision`, {
      location,
      hint: 'rescale the variable, e.g. I(x / 1e100) in the formula, or change its units in the data',
    });
  }
}

/** ZᵢᵀZⱼ accumulated observation by observation into a column-level sparse pattern. */
function crossProduct(
  idxI: Int32Array,
  idxJ: Int32Array,
  zi: Float64Array,
  zj: Float64Array,
  ti: TermLayout,
  tj: TermLayout,
  n: number,
): { pattern: SparsePattern; values: Float64Array } {
  // Count distinct (row, col) level pairs with a per-column marker.
  const cols: Map<number, number>[] = Array.from({ length: tj.nl }, () => new Map<number, number>());
  for (let o = 0; o < n; o++) {
    const m = cols[idxJ[o]];
    if (!m.has(idxI[o])) m.set(idxI[o], 0);
  }
  const colPtr = new Int32Array(tj.nl + 1);
  for (let c = 0; c < tj.nl; c++) colPtr[c + 1] = colPtr[c] + cols[c].size;
  const nnz = colPtr[tj.nl];
  const rowIdx = new Int32Array(nnz);
  for (let c = 0; c < tj.nl; c++) {
    const rows = [...cols[c].keys()].sort((x, y) => x - y);
    let e = colPtr[c];
    for (const r of rows) {
      cols[c].set(r, e);
      rowIdx[e++] = r;
    }
  }
  const qi = ti.q;
  const qj = tj.q;
  const sub = qi * qj;
  const values = new Float64Array(nnz * sub);
  for (let o = 0; o < n; o++) {
    const e = cols[idxJ[o]].get(idxI[o]) as number;
    const base = e * sub;
    for (let r = 0; r < qi; r++) {
      const zr = zi[r * n + o];
      if (zr === 0) continue;
      for (let c = 0; c < qj; c++) values[base + r * qj + c] += zr * zj[c * n + o];
    }
  }
  return { pattern: { rowsLevels: ti.nl, colsLevels: tj.nl, qr: qi, qc: qj, colPtr, rowIdx }, values };
}

function maxRowsPerColumn(p: SparsePattern): number {
  let m = 0;
  for (let c = 0; c < p.colsLevels; c++) m = Math.max(m, p.colPtr[c + 1] - p.colPtr[c]);
  return m;
}

/**
 * Pattern of factor block (i, j), j block-diagonal: ZᵢᵀZⱼ's pattern plus the fill from every
 * earlier block column m (rows of (i,m) × rows of (j,m) in each column of m).
 */
function fillPattern(
  base: SparsePattern,
  j: number,
  i: number,
  offPattern: readonly (readonly (SparsePattern | undefined)[])[],
): SparsePattern {
  const cols: Set<number>[] = Array.from({ length: base.colsLevels }, () => new Set<number>());
  for (let c = 0; c < base.colsLevels; c++) {
    for (let e = base.colPtr[c]; e < base.colPtr[c + 1]; e++) cols[c].add(base.rowIdx[e]);
  }
  for (let m = 0; m < j; m++) {
    const pim = offPattern[i][m] as SparsePattern;
    const pjm = offPattern[j][m] as SparsePattern;
    for (let col = 0; col < pim.colsLevels; col++) {
      for (let eb = pjm.colPtr[col]; eb < pjm.colPtr[col + 1]; eb++) {
        const target = cols[pjm.rowIdx[eb]];
        for (let ea = pim.colPtr[col]; ea < pim.colPtr[col + 1]; ea++) target.add(pim.rowIdx[ea]);
      }
    }
  }
  const colPtr = new Int32Array(base.colsLevels + 1);
  for (let c = 0; c < base.colsLevels; c++) colPtr[c + 1] = colPtr[c] + cols[c].size;
  const rowIdx = new Int32Array(colPtr[base.colsLevels]);
  for (let c = 0; c < base.colsLevels; c++) {
    const rows = [...cols[c]].sort((x, y) => x - y);
    rowIdx.set(rows, colPtr[c]);
  }
  return { ...base, colPtr, rowIdx };
}

/** Entry index of (row level r, column level c) in a pattern, or −1. */
export function findEntry(p: SparsePattern, r: number, c: number): number {
  let lo = p.colPtr[c];
  let hi = p.colPtr[c + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = p.rowIdx[mid];
    if (v === r) return mid;
    if (v < r) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
