#!/bin/sh
# Regenerates the small JAGS 4.3.1 output files in this folder (CODA index/chain files and a
# `data to` dump) that test/jags/coda.test.ts reads and writes back byte for byte.
# Needs `jags` on PATH. Fixed .RNG.seed values make the run reproducible on one JAGS build.
# Usage: sh test/fixtures-jags/make.sh   (from anywhere)
set -eu
cd "$(dirname "$0")"

cat > model.jags <<'MODEL'
model {
  for (i in 1:N) {
    y[i] ~ dnorm(a[g[i]] + beta * x[i], tau.y)
  }
  for (j in 1:J) {
    a[j] ~ dnorm(mu.a, tau.a)
  }
  mu.a ~ dnorm(0, 1.0E-6)
  beta ~ dnorm(0, 1.0E-4)
  tau.y <- pow(sigma.y, -2)
  sigma.y ~ dunif(0, 100)
  tau.a <- pow(sigma.a, -2)
  sigma.a ~ dunif(0, 100)
  # small and large derived values, to exercise exponent formatting
  for (r in 1:2) {
    for (c in 1:3) {
      m[r, c] <- (a[r] - 250) * c * 1.0E-6
    }
  }
  big <- mu.a * 1.0E+7
  # fixed edge values (ties at the 6th digit, subnormals, the largest double, -0)
  for (k in 1:K) {
    e[k] <- ev[k]
  }
}
MODEL

cat > data.R <<'DATA'
N <- 24L
J <- 4L
y <- c(299.2, 309.67, 353.58, 346.28, 361.67, 412.42, 221.24, 278.43, 279.73, 250.58, 292.02, 273.45, 211.3, 233.02, 249.07, 278.93, 285.97, 293.28, 263.75, 219.87, 283.09, 271.32, 292.68, 299.47)
g <- c(1L, 1L, 1L, 1L, 1L, 1L, 2L, 2L, 2L, 2L, 2L, 2L, 3L, 3L, 3L, 3L, 3L, 3L, 4L, 4L, 4L, 4L, 4L, 4L)
x <- c(0L, 1L, 2L, 3L, 4L, 5L, 0L, 1L, 2L, 3L, 4L, 5L, 0L, 1L, 2L, 3L, 4L, 5L, 0L, 1L, 2L, 3L, 4L, 5L)
K <- 20L
ev <- c(10000.25, 10000.75, 1000005, 1000015, 999999.5, 123456.5, 0.0001, 1.234567e-05, 123456, 1234567, -0, 1e-300, 1.7976931348623157e+308, 4.9406564584124654e-324, 1e+05, 0.5, -2.5e-07, 0.000123456789, -99999.95, 3.0000000000000004)
DATA

cat > inits1.R <<'INITS'
".RNG.name" <- "base::Mersenne-Twister"
".RNG.seed" <- 20240601
mu.a <- 250
sigma.y <- 10
INITS

cat > inits2.R <<'INITS'
".RNG.name" <- "base::Mersenne-Twister"
".RNG.seed" <- 7
mu.a <- 300
sigma.y <- 40
INITS

cat > run.cmd <<'CMD'
model in "model.jags"
data in "data.R"
compile, nchains(2)
parameters in "inits1.R", chain(1)
parameters in "inits2.R", chain(2)
initialize
update 200
monitor mu.a
monitor a
monitor sigma.y, thin(2)
monitor m
monitor big
update 20
monitor e
update 2
coda *, stem("CODA")
data to "data-out.R"
exit
CMD

jags run.cmd > jags.log
rm -f jags.log
