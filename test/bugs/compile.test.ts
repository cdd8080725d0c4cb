/**
 * The BUGS subset of DESIGN §7 through the parser and compiler: every supported function and
 * operator gives the value R/JAGS would, both when its arguments are data (folded into
 * constants at compile time) and when they are nodes (evaluated by closures at run time and by
 * the generated refresh kernels of src/bugs/kernels.ts, which samplers use); operator
 * precedence and associativity; link functions on the left; ranges, `var` declarations,
 * loops and truncation syntax; the graph's parents, children and order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshProgram } from '../../src/bugs/samplers/sampler.js';
import { parseModel } from '../../src/bugs/parse.js';
import { chainFor, compile, slotOf, stoch } from './helpers.js';

/** Φ⁻¹(0.975), as R's qnorm gives it. */
const PROBIT_0975 = 1.959963984540054;

/** name, expression, expected value given x, with p = 0.975, q = -0.4, v = (1, 2, 3), w = (0.5, -1, 2), M = [[2, -1], [-1, 3]]. */
const CASES: [string, string, (x: number) => number][] = [
  ['pow', 'pow(x, 3)', (x) => x ** 3],
  ['sqrt', 'sqrt(x)', (x) => Math.sqrt(x)],
  ['exp', 'exp(x)', (x) => Math.exp(x)],
  ['log', 'log(x)', (x) => Math.log(x)],
  ['logit', 'logit(p)', () => Math.log(0.975 / 0.025)],
  ['ilogit', 'ilogit(q * x)', (x) => 1 / (1 + Math.exp(0.4 * x))],
  ['probit', 'probit(p)', () => PROBIT_0975],
  ['phi', 'phi(x - 2)', (x) => (x === 2 ? 0.5 : 0.8413447460685429)],
  ['inprod', 'inprod(v[], w[]) * x', (x) => (0.5 - 2 + 6) * x],
  ['sum', 'sum(v[1:3]) + x', (x) => 6 + x],
  ['mean', 'mean(v[]) * x', (x) => 2 * x],
  ['abs', 'abs(q * x)', (x) => 0.4 * x],
  ['step', 'step(q)', () => 0],
  ['step at 0', 'step(x - 2)', () => 1],
  ['equals', 'equals(x, 2)', (x) => (x === 2 ? 1 : 0)],
  ['min', 'min(v[], q * x)', (x) => Math.min(1, -0.4 * x)],
  ['max', 'max(v[2:3], x)', (x) => Math.max(3, x)],
  ['^ is right associative', 'x ^ 3 ^ 0.5', (x) => x ** Math.sqrt(3)],
  ['unary minus binds looser than ^', '-x ^ 2', (x) => -(x ** 2)],
  ['a signed exponent', 'x ^ -2', (x) => x ** -2],
  ['* and / before + and -', '1 + x * 3 - 4 / x', (x) => 1 + 3 * x - 4 / x],
  ['parentheses', '(1 + x) * 3', (x) => (1 + x) * 3],
  ['comparisons and logic', '(x > 1) && (q < 0) || 0', () => 1],
  ['an element of a matrix', 'M[2, 1] * x', (x) => -x],
];

function model(xIsNode: boolean): string {
  return `model {
  ${xIsNode ? 'x ~ dnorm(0, 1)' : ''}
  ${CASES.map(([, e], i) => `f[${i + 1}] <- ${e}`).join('\n  ')}
  S[1:2, 1:2] <- inverse(M[1:2, 1:2] * x / 2)
  logit(pp) <- q * x / 2
  log(ll) <- x
}`;
}

const DATA = (xIsNode: boolean) =>
  `${xIsNode ? '' : 'x <- 2\n'}p <- 0.975\nq <- -0.4\nv <- c(1, 2, 3)\nw <- c(0.5, -1, 2)\nM <- structure(c(2, -1, -1, 3), .Dim = c(2L, 2L))`;

describe('functions and operators of DESIGN §7', () => {
  for (const xIsNode of [false, true]) {
    it(xIsNode ? 'evaluated at run time (x a node), also by the refresh kernels' : 'folded at compile time (x data)', () => {
      const m = compile(model(xIsNode), DATA(xIsNode));
      const chain = chainFor(m, xIsNode ? { inits: 'x <- 2' } : {});
      const check = (v: Float64Array, x: number, what: string) => {
        CASES.forEach(([name, , f], i) => {
          const got = v[slotOf(m, `f[${i + 1}]`)];
          const want = f(x);
          assert.ok(Math.abs(got - want) <= 1e-14 * Math.max(1, Math.abs(want)), `${what} ${name}: ${got} vs ${want}`);
        });
      };
      check(chain.v, 2, 'x = 2:');
      // inverse(M) with M = [[2, -1], [-1, 3]] (x / 2 = 1): 1/5 [[3, 1], [1, 2]]
      const S = ['S[1,1]', 'S[2,1]', 'S[1,2]', 'S[2,2]'].map((n) => chain.v[slotOf(m, n)]);
      [0.6, 0.2, 0.2, 0.4].forEach((want, i) => assert.ok(Math.abs(S[i] - want) < 1e-15, `inverse: ${S}`));
      assert.ok(Math.abs(chain.v[slotOf(m, 'pp')] - 1 / (1 + Math.exp(0.4))) < 1e-15, 'logit(pp) <- …');
      assert.ok(Math.abs(chain.v[slotOf(m, 'll')] - Math.exp(2)) < 1e-14, 'log(ll) <- …');
      if (xIsNode) {
        // The kernels samplers use to refresh what depends on x.
        const program = refreshProgram(m, [stoch(m, 'x').id]);
        chain.v[slotOf(m, 'x')] = 3;
        program.run(chain.v);
        check(chain.v, 3, 'after x = 3:');
        const S3 = ['S[1,1]', 'S[2,1]'].map((n) => chain.v[slotOf(m, n)]);
        assert.ok(Math.abs(S3[0] - 0.4) < 1e-15 && Math.abs(S3[1] - 0.4 / 3) < 1e-15, `inverse after x = 3: ${S3}`);
      }
    });
  }
});

describe('the language', () => {
  it('comments, semicolons, var declarations, nested loops, ranges, truncation and I(,)', () => {
    const text = `# a comment
var z[2, 3], t;
model {
  /* block comment */
  for (i in 1:2) { for (j in 1:3) { z[i, j] <- i * 10 + j } }; t <- sum(z[2, ])
  u ~ dnorm(0, 1) T(-1, 1)
  k ~ dpois(2) I(1, )
  y ~ dnorm(u, 1)
}`;
    const m = compile(text, 'y <- 0.5');
    const chain = chainFor(m);
    assert.equal(chain.v[slotOf(m, 't')], 21 + 22 + 23);
    assert.equal(chain.v[slotOf(m, 'z[2,3]')], 23);
    assert.deepEqual(m.variables.get('z')!.dim, [2, 3]);
    const u = stoch(m, 'u');
    assert.equal(u.bounds!.normalize, true);
    assert.equal(stoch(m, 'k').bounds!.normalize, false);
    assert.ok(parseModel(text, 'm').declarations.length === 2);
  });

  it('parents, stochastic children and a topological order', () => {
    const m = compile(`model {
      for (i in 1:3) { y[i] ~ dnorm(mu[i], tau) ; mu[i] <- a + b * x[i] }
      a ~ dnorm(0, 1)
      b ~ dnorm(0, 1)
      tau ~ dgamma(1, 1)
    }`, 'x <- c(1, 2, 3)\ny <- c(1, 2, 3)');
    const a = stoch(m, 'a');
    assert.deepEqual(Array.from(a.stochChildren, (c) => m.nodes[c].label), ['y[1]', 'y[2]', 'y[3]']);
    assert.deepEqual(Array.from(a.detDescendants, (c) => m.nodes[c].label), ['mu[1]', 'mu[2]', 'mu[3]']);
    const position = new Map(Array.from(m.order, (id, k) => [id, k]));
    for (const node of m.nodes) for (const p of node.parents) assert.ok(position.get(p)! < position.get(node.id)!, `${m.nodes[p].label} before ${node.label}`);
    assert.ok(stoch(m, 'y[2]').observed);
    assert.ok(!a.observed);
  });

  it('a data value that is NA makes its node unobserved (sampled); a partly observed dmnorm is refused', () => {
    const m = compile(`model { for (i in 1:3) { y[i] ~ dnorm(0, 1) } }`, 'y <- c(1, NA, 3)');
    assert.ok(stoch(m, 'y[1]').observed);
    assert.ok(!stoch(m, 'y[2]').observed);
    assert.throws(
      () => compile(`model { z[1:2] ~ dmnorm(m[1:2], P[1:2, 1:2]) }`, 'z <- c(1, NA)\nm <- c(0, 0)\nP <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))'),
      /z\[1:2\] is partly observed/,
    );
  });
});
