/** The structural model comparison the golden seed test relies on (bugs-structure.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenModel, matchModels, Renaming } from './bugs-structure.js';

const base = `model {
  for (i in 1:n) {
    y[i] ~ dnorm(y.hat[i], tau.y)
    y.hat[i] <- a[g[i]] + b[g[i]] * x[i]
  }
  tau.y <- sigma.y^-2
  sigma.y ~ dunif(0, 100)
  for (j in 1:m) {
    a[j] ~ dnorm(mu.a, tau.a)
    b[j] ~ dnorm(0, tau.a)
  }
  mu.a ~ dnorm(0, 0.0001)
  tau.a <- pow(s, -2)
  s ~ dunif(0, 100)
}`;

function same(a: string, b: string, pairs: [string, string][] = [['y', 'y'], ['x', 'x'], ['g', 'g'], ['n', 'n'], ['m', 'm']]): boolean {
  return matchModels(flattenModel(a, 'a'), flattenModel(b, 'b'), Renaming.from(pairs)).same;
}

test('equal up to renaming, order, comments, loop splitting, number spelling and + / * operand order', () => {
  const renamed = `# a comment
model {
  S ~ dunif(0, 1.0E+2)
  for (k in 1:m) { B[k] ~ dnorm(0, T) }
  for (k in 1:m) { A[k] ~ dnorm(M, T) }
  M ~ dnorm(0, 1e-4); T <- pow(S, -2)
  for (q in 1:n) {
    yh[q] <- x[q] * B[g[q]] + A[g[q]]
    y[q] ~ dnorm(yh[q], ty)
  }
  ty <- sd.y^-2
  sd.y ~ dunif(0, 100)
}`;
  assert.ok(same(base, renamed));
});

test('different constants, distributions, indices, loop ranges or extra relations do not match', () => {
  const variants = [
    base.replace('dunif(0, 100)\n  for', 'dunif(0, 10)\n  for'),
    base.replace('mu.a ~ dnorm(0, 0.0001)', 'mu.a ~ dt(0, 0.0001, 3)'),
    base.replace('b[g[i]] * x[i]', 'b[g[i]] * x[g[i]]'),
    base.replace('for (j in 1:m)', 'for (j in 1:n)'),
    base.replace('b[j] ~ dnorm(0, tau.a)', 'b[j] ~ dnorm(mu.a, tau.a)'),
    base.replace('tau.y <- sigma.y^-2', 'tau.y <- sigma.y^-2\n  z ~ dnorm(0, 1)'),
    base.replace('y.hat[i] <- a[g[i]] + b[g[i]] * x[i]', 'y.hat[i] <- a[g[i]] - b[g[i]] * x[i]'),
    base.replace('y.hat[i] <- a[g[i]] + b[g[i]] * x[i]', 'y.hat[i] <- a[g[i]] * x[i] + b[g[i]]'),
  ];
  variants.forEach((v, k) => {
    assert.notEqual(v, base, `variant ${k} changes the text`);
    assert.equal(same(base, v), false, `variant ${k} must differ`);
  });
  // Two different nodes may not collapse into one name (the renaming is a bijection).
  assert.equal(same(base, base.replace('b[j] ~ dnorm(0, tau.a)', 'b[j] ~ dnorm(0, tau.b)').replace('tau.a <- pow(s, -2)', 'tau.a <- pow(s, -2)\n  tau.b <- pow(s, -2)')), false);
  // The data names are pinned by the starting pairs: swapping x and g is a different model.
  assert.equal(same(base, base.replace(/\bg\[/g, 'G[').replace(/\bx\[/g, 'g[').replace(/\bG\[/g, 'x[')), false);
});
