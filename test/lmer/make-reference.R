## lme4 reference values for test/lmer (fit.test.ts): fits a few models on lme4's data sets as
## read back from CSV, with derived columns defined identically in test/lmer/models.ts, and writes
## test/lmer/lme4-reference.json in the same shape as fixtures/lmer/<id>.json.
## Run from the repository root:  Rscript test/lmer/make-reference.R
## Note: lme4 1.1-31 is not run-to-run deterministic on the flat, singular
## "sleepstudy-crossed-vector" model (135 or 160 evaluations, θ differing in the 4th digit);
## fit.test.ts checks that model at lme4's θ (see reference.ts, checkAgainstReference).
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

tmp <- tempfile("lmer-ref")
dir.create(tmp)
read_back <- function(name) {
  f <- file.path(tmp, paste0(name, ".csv"))
  utils::write.csv(get(name, asNamespace("lme4")), f, row.names = FALSE)
  utils::read.csv(f)
}
sleep <- read_back("sleepstudy")
## Derived columns (same definitions in models.ts).
sleep$w <- 1 + (sleep$Days %% 3) / 2
sleep$o <- sleep$Days / 10
sleep$g4 <- (match(sleep$Subject, sort(unique(sleep$Subject))) + sleep$Days) %% 6
data <- list(
  sleepstudy = sleep,
  Dyestuff = read_back("Dyestuff"),
  Dyestuff2 = read_back("Dyestuff2"),
  Penicillin = read_back("Penicillin"),
  Pastes = read_back("Pastes")
)

models <- list(
  list(id = "sleepstudy-slope", data = "sleepstudy", formula = "Reaction ~ Days + (Days | Subject)", REML = TRUE),
  list(id = "sleepstudy-slope-ml", data = "sleepstudy", formula = "Reaction ~ Days + (Days | Subject)", REML = FALSE),
  list(id = "sleepstudy-uncorrelated", data = "sleepstudy", formula = "Reaction ~ Days + (Days || Subject)", REML = TRUE),
  list(id = "sleepstudy-weights-offset", data = "sleepstudy", formula = "Reaction ~ Days + (Days | Subject)", REML = TRUE,
       weights = "w", offset = "o"),
  list(id = "sleepstudy-crossed-vector", data = "sleepstudy", formula = "Reaction ~ Days + (1 | Subject) + (Days | g4)", REML = TRUE),
  list(id = "dyestuff", data = "Dyestuff", formula = "Yield ~ 1 + (1 | Batch)", REML = TRUE),
  list(id = "dyestuff-ml", data = "Dyestuff", formula = "Yield ~ 1 + (1 | Batch)", REML = FALSE),
  list(id = "dyestuff2", data = "Dyestuff2", formula = "Yield ~ 1 + (1 | Batch)", REML = TRUE),
  list(id = "penicillin", data = "Penicillin", formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", REML = TRUE),
  list(id = "penicillin-ml", data = "Penicillin", formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", REML = FALSE),
  list(id = "pastes", data = "Pastes", formula = "strength ~ 1 + (1 | batch/cask)", REML = TRUE)
)

rows <- function(m) { m <- unname(as.matrix(m)); storage.mode(m) <- "double"; m[!is.finite(m)] <- NA; m }

out <- lapply(models, function(m) {
  msgs <- character(0)
  d <- data[[m$data]]
  args <- list(formula = as.formula(m$formula), data = d, REML = m$REML)
  if (!is.null(m$weights)) args$weights <- d[[m$weights]]
  if (!is.null(m$offset)) args$offset <- d[[m$offset]]
  fit <- withCallingHandlers(do.call(lmer, args),
    message = function(e) { msgs <<- c(msgs, trimws(conditionMessage(e))); invokeRestart("muffleMessage") },
    warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") })
  vc <- VarCorr(fit)
  gnames <- names(vc)
  varcorr <- lapply(seq_along(vc), function(i) {
    v <- vc[[i]]
    list(group = gnames[i], terms = I(colnames(v)), sd = I(unname(attr(v, "stddev"))),
         corr = rows(if (ncol(v) == 1) matrix(1) else attr(v, "correlation")))
  })
  re <- ranef(fit, condVar = TRUE)
  ranef_out <- lapply(names(re), function(g) {
    r <- re[[g]]
    pv <- attr(r, "postVar")
    ## One row per level, one column per term column (postVar is a list of arrays when several
    ## terms share the factor).
    per_array <- function(a) matrix(apply(a, 3, function(s) sqrt(diag(as.matrix(s)))), ncol = dim(a)[1], byrow = TRUE)
    sds <- if (is.list(pv)) do.call(cbind, lapply(pv, per_array)) else per_array(pv)
    list(levels = I(rownames(r)), terms = I(colnames(r)), values = rows(r), condsd = rows(sds))
  })
  names(ranef_out) <- names(re)
  crit <- if (m$REML) REMLcrit(fit) else deviance(fit)
  list(
    id = m$id, formula = m$formula, data = m$data, REML = m$REML,
    weights = if (is.null(m$weights)) NULL else m$weights,
    offsetArg = if (is.null(m$offset)) NULL else m$offset,
    nobs = nobs(fit), ngroups = as.list(ngrps(fit)),
    criterion = crit, logLik = as.numeric(logLik(fit)), AIC = AIC(fit), BIC = BIC(fit),
    df = attr(logLik(fit), "df"), devianceML = deviance(fit, REML = FALSE),
    fixef = as.list(fixef(fit)), se = as.list(sqrt(diag(as.matrix(vcov(fit))))),
    vcov = rows(as.matrix(vcov(fit))), sigma = sigma(fit),
    theta = I(unname(getME(fit, "theta"))), lower = I(unname(getME(fit, "lower"))),
    varcorr = varcorr, ranef = ranef_out,
    fitted_first = I(unname(head(fitted(fit), 10))), resid_first = I(unname(head(resid(fit), 10))),
    scaledResidQuantiles = I(unname(quantile(resid(fit, scaled = TRUE)))),
    singular = isSingular(fit), messages = I(msgs),
    optinfo = list(feval = fit@optinfo$feval, message = fit@optinfo$message)
  )
})
jsonlite::write_json(out, "test/lmer/lme4-reference.json", auto_unbox = TRUE, digits = NA, pretty = TRUE,
                     na = "null", null = "null")
cat("wrote", length(out), "models\n")
