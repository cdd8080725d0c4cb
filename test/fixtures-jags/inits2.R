".RNG.name" <- "base::Mersenne-Twister"
".RNG.seed" <- 7
mu.a <- 300
sigma.y <- 40
