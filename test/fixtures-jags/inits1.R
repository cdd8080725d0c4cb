".RNG.name" <- "base::Mersenne-Twister"
".RNG.seed" <- 20240601
mu.a <- 250
sigma.y <- 10
