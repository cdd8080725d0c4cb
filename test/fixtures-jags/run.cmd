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
