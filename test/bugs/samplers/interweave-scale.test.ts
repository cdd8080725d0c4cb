/**
 * The interweaving step for a precision with a gamma prior (slice-sampled on the log scale):
 * the chain's posterior of tau matches the exact one, computed by quadrature. With 30 groups
 * of well-measured effects that barely differ and JAGS's dgamma(0.001, 0.001) prior, tau's
 * posterior has a tail reaching into the thousands (mean 52, SD 157). A slice step whose width
 * followed the current value (the bug behind Rats' wandering tau.beta) gets that tail wrong:
 * its P(tau ≤ 100) and P(tau ≤ 500) came out more than 5 standard errors off at this run length.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSamplers } from '../../../src/bugs/assign.js';
import { essBasic, mean, splitChains } from '../../../src/mcmc/diagnostics.js';
import { draws, modelChain, slotOf } from '../model-chain.js';

const J = 30;
const PREC = 13.6;
const Y = Array.from({ length: J }, (_, j) => Number((6.2 + 0.5 * Math.sin(3.7 * j + 1)).toFixed(3)));
const MODEL = `model {
  for (j in 1:J) {
    y[j] ~ dnorm(b[j], ${PREC})
    b[j] ~ dnorm(mu, tau)
  }
  mu ~ dnorm(0, 1.0E-6)
  tau ~ dgamma(0.001, 0.001)
}`;
const DATA = `J <- ${J}L\ny <- c(${Y.join(', ')})`;
const CUTS = [5, 20, 100, 500];

/**
 * P(tau ≤ c) for each cut, from p(tau | y) ∝ prior(tau) · v^-(J−1)/2 exp(−SS / 2v) with
 * v = 1/PREC + 1/tau (mu integrated out under its flat-enough prior), on a log grid.
 */
function exactCdf(): number[] {
  const ybar = Y.reduce((a, b) => a + b) / J;
  const ss = Y.reduce((a, y) => a + (y - ybar) ** 2, 0);
  const cdf = CUTS.map(() => 0);
  let z = 0;
  for (let u = Math.log(1e-6); u < Math.log(1e7); u += 1e-4) {
    const t = Math.exp(u);
    const v = 1 / PREC + 1 / t;
    const d = Math.exp((0.001 - 1) * u - 0.001 * t - ((J - 1) / 2) * Math.log(v) - ss / (2 * v)) * t;
    z += d;
    CUTS.forEach((c, i) => {
      if (t <= c) cdf[i] += d;
    });
  }
  return cdf.map((x) => x / z);
}

test('tau, sampled by conjugate gamma and interweaving, has the exact posterior', () => {
  const { model, chain } = modelChain(MODEL, DATA, { seed: 3, inits: 'tau <- 1\nmu <- 0\n' });
  const kinds = describeSamplers(model, chain.samplers).map(([k]) => k);
  assert.ok(kinds.includes('Interweave'), kinds.join(', '));
  draws(chain, [], 1000);
  chain.endAdaptation();
  const [x] = draws(chain, [slotOf(model, 'tau')], 300000);
  exactCdf().forEach((p, i) => {
    const ind = x.map((v) => (v <= CUTS[i] ? 1 : 0));
    const got = mean(ind);
    const se = Math.sqrt((p * (1 - p)) / essBasic(splitChains([ind])));
    assert.ok(Math.abs(got - p) <= 4 * se, `P(tau ≤ ${CUTS[i]}) = ${got}, exact ${p.toFixed(5)} (se ${se.toFixed(5)})`);
  });
});
