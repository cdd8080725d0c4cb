## lme4's side of bench/lmer.ts: times lmer() alone, after the data are loaded.
##   Rscript bench/lmer.R DATA.csv "FORMULA" REPS OUT.json
## Reads the CSV as our tool reads it (read.csv, check.names = FALSE), fits REPS times and writes
## the elapsed seconds of each lmer() call, lme4's estimates and its messages to OUT.json.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) stop("usage: Rscript bench/lmer.R DATA.csv FORMULA REPS OUT.json")
dat <- utils::read.csv(args[1], check.names = FALSE)
form <- stats::as.formula(args[2])
reps <- as.integer(args[3])

times <- numeric(reps)
conditions <- character(0)
for (i in seq_len(reps)) {
  invisible(gc())
  conditions <- character(0)
  t <- system.time(fit <- withCallingHandlers(lmer(form, data = dat),
    message = function(m) {
      conditions <<- c(conditions, sub("\n+$", "", conditionMessage(m)))
      invokeRestart("muffleMessage")
    },
    warning = function(w) {
      conditions <<- c(conditions, sub("\n+$", "", conditionMessage(w)))
      invokeRestart("muffleWarning")
    }))
  times[i] <- t[["elapsed"]]
}
out <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  lme4 = as.character(packageVersion("lme4")),
  Matrix = as.character(packageVersion("Matrix")),
  blas = extSoftVersion()[["BLAS"]],
  nobs = nobs(fit),
  times = I(times),
  criterion = REMLcrit(fit),
  fixef = as.list(fixef(fit)),
  theta = I(unname(getME(fit, "theta"))),
  feval = fit@optinfo$feval,
  messages = I(conditions)
)
write_json(out, args[4], auto_unbox = TRUE, digits = NA, pretty = TRUE)
