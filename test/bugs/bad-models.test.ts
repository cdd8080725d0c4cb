/**
 * Bad model, data, inits and command files through the real command, `lmer2jags sample DIR`
 * (bundled engine). Each case starts from a small valid folder and breaks one thing; each must
 * end with exit code 2 and one clear message on stderr (helpers/bad-input.ts assertBadInput:
 * nothing on stdout, no stack trace, one `error:` line, a `hint:` line), located at
 * file:line:column with a caret under the spot, and saying what is wrong.
 *
 * The cases run a few at a time (each is a child process).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertBadInput } from '../helpers/bad-input.js';
import { runCli, tempDir } from '../helpers/cli.js';

const MODEL = `model {
  for (i in 1:N) {
    y[i] ~ dnorm(mu[i], tau)
    mu[i] <- a[g[i]] + b * x[i]
  }
  for (j in 1:J) {
    a[j] ~ dnorm(0, 0.01)
  }
  b ~ dnorm(0, 0.01)
  tau <- pow(sigma, -2)
  sigma ~ dunif(0, 10)
}
`;
const DATA = `N <- 6L
J <- 2L
g <- c(1L, 1L, 1L, 2L, 2L, 2L)
x <- c(0.1, 0.5, 0.9, 0.2, 0.4, 1.1)
y <- c(1.2, 1.9, 2.5, 0.3, 0.8, 1.7)
`;
const INITS = `".RNG.name" <- "base::Mersenne-Twister"
".RNG.seed" <- 5
sigma <- 1
`;
const CMD = `model in "model.jags"
data in "data.R"
compile, nchains(2)
parameters in "inits1.R", chain(1)
initialize
update 10
monitor b
update 10
coda *
exit
`;

const root = tempDir('lmer2jags-bad-models-');
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** A folder with the valid files, some replaced (null: removed). */
function folder(files: Record<string, string | null>): string {
  const dir = join(root, `case${++count}`);
  mkdirSync(dir);
  const all: Record<string, string | null> = { 'model.jags': MODEL, 'data.R': DATA, 'inits1.R': INITS, 'run.cmd': CMD, ...files };
  for (const [name, text] of Object.entries(all)) if (text !== null) writeFileSync(join(dir, name), text);
  return dir;
}

/** Replaces line `n` (1-based) of a text. */
function line(text: string, n: number, replacement: string): string {
  const lines = text.split('\n');
  lines[n - 1] = replacement;
  return lines.join('\n');
}

interface Case {
  what: string;
  files: Record<string, string | null>;
  /** file:line:column the message must point at (relative to the folder). */
  at: string;
  message: RegExp;
  hint?: RegExp;
}

const cases: Case[] = [
  // Syntax.
  { what: 'a missing ) in model.jags', files: { 'model.jags': line(MODEL, 3, '    y[i] ~ dnorm(mu[i], tau') }, at: 'model.jags:4:5', message: /unexpected 'mu': a parenthesis is not closed/, hint: /the '\(' at line 3, column 17 is not closed: add '\)'/ },
  { what: 'an operator with no operand', files: { 'model.jags': line(MODEL, 4, '    mu[i] <- a[g[i]] + * x[i]') }, at: 'model.jags:4:24', message: /unexpected '\*'/, hint: /expected/ },
  { what: 'a { that is never closed', files: { 'model.jags': MODEL.replace(/}\n$/, '') }, at: 'model.jags:12:1', message: /a \{ is not closed/, hint: /the '\{' at line 1, column 7/ },
  { what: 'a relation with no ~ or <-', files: { 'model.jags': line(MODEL, 9, '  b dnorm(0, 0.01)') }, at: 'model.jags:9:5', message: /a relation needs ~ or <-/ },
  // What the bundled engine does not support.
  { what: 'dweib (a JAGS distribution the engine lacks)', files: { 'model.jags': line(MODEL, 3, '    y[i] ~ dweib(2, tau)') }, at: 'model.jags:3:12', message: /the distribution 'dweib' is not supported by the bundled engine/, hint: /run real JAGS/ },
  { what: 'dnegbin', files: { 'model.jags': line(MODEL, 3, '    y[i] ~ dnegbin(0.5, 3)') }, at: 'model.jags:3:12', message: /'dnegbin' is not supported/ },
  { what: 'a misspelt distribution', files: { 'model.jags': line(MODEL, 9, '  b ~ dnorml(0, 0.01)') }, at: 'model.jags:9:7', message: /unknown distribution 'dnorml'/, hint: /did you mean dnorm/ },
  { what: 'logdet (a JAGS function the engine lacks)', files: { 'model.jags': line(MODEL, 4, '    mu[i] <- a[g[i]] + b * logdet(x[i])') }, at: 'model.jags:4:28', message: /the function 'logdet' is not supported/ },
  { what: 'an unknown function', files: { 'model.jags': line(MODEL, 4, '    mu[i] <- a[g[i]] + b * expp(x[i])') }, at: 'model.jags:4:28', message: /unknown function 'expp'/, hint: /did you mean exp/ },
  { what: 'a stochastic index', files: { 'model.jags': line(line(MODEL, 4, '    mu[i] <- a[k] + b * x[i]'), 9, '  b ~ dnorm(0, 0.01)\n  k ~ dcat(p[1:2])'), 'data.R': `${DATA}p <- c(0.5, 0.5)\n` }, at: 'model.jags:4:16', message: /an index of a must be computable from the data/, hint: /stochastic indices and bounds are not supported/ },
  { what: 'a directed cycle', files: { 'model.jags': line(MODEL, 9, '  b <- c2\n  c2 <- b') }, at: 'model.jags:10:3', message: /directed cycle: c2 -> b -> c2/ },
  { what: 'a dwish precision used through a transformation (no sampler)', files: { 'model.jags': 'model {\n  z[1:2] ~ dmnorm(m[1:2], P[1:2, 1:2])\n  for (r in 1:2) { for (c in 1:2) { P[r, c] <- 2 * W[r, c] } }\n  W[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)\n}\n', 'data.R': 'z <- c(1, 2)\nm <- c(0, 0)\nR <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))\n', 'inits1.R': null, 'run.cmd': CMD.replace('parameters in "inits1.R", chain(1)\n', '').replace('monitor b', 'monitor W') }, at: 'model.jags:4:3', message: /no sampler for W\[1:2,1:2\]/, hint: /run real JAGS/ },
  // Structure.
  { what: 'an index out of range', files: { 'model.jags': line(MODEL, 4, '    mu[i] <- a[g[i] + 1] + b * x[i]') }, at: 'model.jags:4:14', message: /index 3 of a is out of range \(dimension 1 has extent 2\)/ },
  { what: 'a node defined twice', files: { 'model.jags': line(MODEL, 9, '  b ~ dnorm(0, 0.01)\n  b ~ dnorm(1, 1)') }, at: 'model.jags:10:3', message: /b is defined twice \(also at line 9, column 3\)/ },
  { what: 'an undefined variable', files: { 'model.jags': line(MODEL, 4, '    mu[i] <- a[g[i]] + b * z[i]') }, at: 'model.jags:4:28', message: /unknown variable 'z': it is neither data nor defined in the model/, hint: /add z to the data file/ },
  // Data that do not match.
  { what: 'data with the wrong dimensions (a matrix used as a vector)', files: { 'data.R': DATA.replace('x <- c(0.1, 0.5, 0.9, 0.2, 0.4, 1.1)', 'x <- structure(c(0.1, 0.5, 0.9, 0.2, 0.4, 1.1), .Dim = c(3L, 2L))') }, at: 'model.jags:4:28', message: /x has 2 dimensions but is given 1 index/, hint: /extents \[3, 2\] in the data/ },
  { what: 'data too short for the loop', files: { 'data.R': DATA.replace('x <- c(0.1, 0.5, 0.9, 0.2, 0.4, 1.1)', 'x <- c(0.1, 0.5, 0.9, 0.2)') }, at: 'model.jags:4:28', message: /index 5 of x is out of range \(dimension 1 has extent 4\)/ },
  { what: 'non-finite data (Inf)', files: { 'data.R': DATA.replace('0.9, 0.2', 'Inf, 0.2') }, at: 'data.R:4:18', message: /the data value x\[3\] is Inf: the bundled engine refuses non-finite data/, hint: /finite numbers/ },
  { what: 'non-finite data (a literal that overflows)', files: { 'data.R': DATA.replace('0.8, 1.7', '0.8, 1e999') }, at: 'data.R:5:33', message: /the data value y\[6\] is Inf/ },
  { what: 'a data file that is not an R dump', files: { 'data.R': 'N = 6\ny <- c(1, 2' }, at: 'data.R:2:12', message: /expected ',' or '\)' in c\(\.\.\.\) but found the end of the file/ },
  // Initial values.
  { what: 'an inits file naming a variable that is not in the model', files: { 'inits1.R': INITS.replace('sigma <- 1', 'sigmaa <- 1') }, at: 'inits1.R:3:1', message: /the initial values of chain 1 name sigmaa, which is not a node of the model/, hint: /did you mean sigma/ },
  { what: 'an inits file giving a value to data', files: { 'inits1.R': `${INITS}x <- c(1, 2, 3, 4, 5, 6)\n` }, at: 'inits1.R:4:1', message: /x\[1\] is data, not a node to initialise/ },
  { what: 'an initial value outside the support', files: { 'inits1.R': INITS.replace('sigma <- 1', 'sigma <- -1') }, at: 'model.jags:11:3', message: /cannot initialise sigma: its value -1 has zero density \(dunif: lower limit = 0, upper limit = 10\)/ },
  { what: '.RNG.seed without .RNG.name', files: { 'inits1.R': '".RNG.seed" <- 5\n' }, at: 'inits1.R:1', message: /\.RNG\.seed is given without \.RNG\.name/ },
  // Nodes that cannot be initialised.
  { what: 'a node whose prior has invalid parameters', files: { 'model.jags': line(MODEL, 11, '  sigma ~ dunif(10, 1)'), 'inits1.R': null, 'run.cmd': CMD.replace('parameters in "inits1.R", chain(1)\n', '') }, at: 'model.jags:11:3', message: /cannot initialise sigma: the lower limit 10 must be below the upper limit 1/ },
  { what: 'a default initial value that makes a child impossible (the parent is named)', files: { 'model.jags': line(line(MODEL, 10, '  tau <- 1 / s'), 11, '  s ~ dnorm(0, 1)'), 'inits1.R': null, 'run.cmd': CMD.replace('parameters in "inits1.R", chain(1)\n', '') }, at: 'model.jags:3:5', message: /observed node y\[1\] = 1\.2 is impossible given the initial values of its parents \(dnorm: mean = 0, precision = Infinity\); s = 0 was given the default initial value/, hint: /give s an initial value in the inits file/ },
  // The command script.
  { what: 'an unknown command in run.cmd', files: { 'run.cmd': line(CMD, 6, 'updat 10') }, at: 'run.cmd:6:1', message: /unknown command 'updat'/, hint: /commands are/ },
  { what: 'an unknown option in run.cmd', files: { 'run.cmd': line(CMD, 3, 'compile, nchain(2)') }, at: 'run.cmd:3:10', message: /unknown option 'nchain'/, hint: /nchains/ },
  { what: 'a negative number of iterations', files: { 'run.cmd': line(CMD, 6, 'update -5') }, at: 'run.cmd:6:8', message: /whole number of at least 0, found '-5'/ },
  { what: 'a command the bundled engine does not run', files: { 'run.cmd': line(CMD, 9, 'samplers to "s.txt"') }, at: 'run.cmd:9:1', message: /the command 'samplers' is not supported by the bundled engine/ },
  { what: 'monitoring a node that does not exist', files: { 'run.cmd': line(CMD, 7, 'monitor bb') }, at: 'run.cmd:7:1', message: /cannot monitor bb: there is no such variable in the model/, hint: /did you mean b/ },
  { what: 'inits for a chain that does not exist', files: { 'run.cmd': line(CMD, 4, 'parameters in "inits1.R", chain(3)') }, at: 'run.cmd:4:1', message: /chain 3 does not exist: the model was compiled with 2 chains/ },
  // Missing files.
  { what: 'a missing model file (near name suggested)', files: { 'run.cmd': line(CMD, 1, 'model in "modl.jags"') }, at: 'run.cmd:1:10', message: /cannot read the model file modl\.jags: it does not exist/, hint: /did you mean "model\.jags"/ },
  { what: 'a missing data file', files: { 'data.R': null }, at: 'run.cmd:2:9', message: /cannot read the data file data\.R: it does not exist/ },
  { what: 'a missing inits file', files: { 'inits1.R': null }, at: 'run.cmd:4:15', message: /cannot read the initial values file inits1\.R: it does not exist/ },
];

describe('lmer2jags sample DIR: bad files give exit 2 and one message at file:line:column', { concurrency: 3 }, () => {
  for (const c of cases) {
    it(c.what, async () => {
      const dir = folder(c.files);
      const r = await runCli(['sample', dir, '--seed', '1']);
      assertBadInput(r, c.message, ...(c.hint ? [c.hint] : []));
      const where = join(dir, c.at);
      assert.ok(r.stderr.includes(`--> ${where}\n`), `located at ${where}:\n${r.stderr}`);
      if (/:\d+:\d+$/.test(c.at)) assert.match(r.stderr, /\n\s*\|\s*\^/, `a caret under the spot:\n${r.stderr}`);
    });
  }

  it('a missing run.cmd, and a folder that does not exist', async () => {
    const dir = folder({ 'run.cmd': null });
    assertBadInput(await runCli(['sample', dir]), /no run\.cmd in .*case\d+/, /lmer2jags convert/);
    assertBadInput(await runCli(['sample', join(root, 'no-such-folder')]), /the folder .*no-such-folder does not exist/);
  });

  it('--threads 0 and a fractional --seed are refused', async () => {
    const dir = folder({});
    assertBadInput(await runCli(['sample', dir, '--threads', '0']), /threads must be a whole number of at least 1/);
    assertBadInput(await runCli(['sample', dir, '--seed', '1.5']), /seed must be a whole number/);
  });
});
