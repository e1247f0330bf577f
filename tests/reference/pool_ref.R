# Reference values for pooling across sites (issue 22; tests/cli/test_pool.sh): five synthetic
# sites of different size, case mix and calibration (one site's risks systematically too high),
# scores rounded to 2 decimals (ties). Per site: pROC's AUROC and DeLong variance, glm's
# calibration slope (y ~ logit(p)) and CITL (y ~ offset(logit(p))) with their Wald SEs, and
# O/E with var(log O/E) = 1/O - 1/N (Debray et al., BMJ 2017). Pooled: metafor::rma(yi, vi,
# method = "DL") and predict() (transf plogis for AUROC, exp for O/E); per site the CI that
# forest() draws (escalc + summary(transf =)) and the random-effects weight (weights()).
# Peers: R pROC 1.18.0, metafor 3.8.1 (Debian r-cran-proc, r-cran-metafor), stats::glm.
# Run from the repository root: Rscript tests/reference/pool_ref.R
suppressMessages({ library(pROC); library(metafor); library(jsonlite) })
set.seed(22)
sites <- list(list(name = "north", n = 900, shift = 0.0, scale = 1.0),
              list(name = "south", n = 400, shift = 0.4, scale = 0.8),
              list(name = "east", n = 1500, shift = -0.3, scale = 1.2),
              list(name = "west", n = 250, shift = 0.8, scale = 1.0),
              list(name = "central", n = 700, shift = 0.1, scale = 0.6))
dir <- "tests/reference/pool"
per <- list()
for (s in sites) {
  x <- rnorm(s$n)
  p_true <- plogis(-1.2 + s$scale * x)
  y <- rbinom(s$n, 1, p_true)
  p <- round(plogis(-1.2 + x + s$shift), 2)
  p <- pmin(pmax(p, 0.01), 0.99)
  write.csv(data.frame(score = p, label = y), file.path(dir, paste0("site_", s$name, ".csv")), row.names = FALSE)
  r <- roc(y, p, direction = "<", levels = c(0, 1), quiet = TRUE)
  a <- as.numeric(auc(r)); va <- var(r, method = "delong")
  lg <- qlogis(p)
  ctl <- glm.control(epsilon = 1e-14, maxit = 100) # converged: vcov at the estimate
  f1 <- glm(y ~ lg, family = binomial, control = ctl); f2 <- glm(y ~ offset(lg), family = binomial, control = ctl)
  O <- sum(y); E <- sum(p)
  per[[s$name]] <- list(
    auroc = list(value = a, yi = qlogis(a), vi = va / (a * (1 - a))^2),
    calibration_slope = list(value = unname(coef(f1)[2]), yi = unname(coef(f1)[2]), vi = vcov(f1)[2, 2]),
    citl = list(value = unname(coef(f2)[1]), yi = unname(coef(f2)[1]), vi = vcov(f2)[1, 1]),
    oe_ratio = list(value = O / E, yi = log(O / E), vi = 1 / O - 1 / s$n))
}
pooled <- list()
tr <- list(auroc = plogis, calibration_slope = identity, citl = identity, oe_ratio = exp)
for (m in names(tr)) {
  yi <- sapply(per, function(e) e[[m]]$yi); vi <- sapply(per, function(e) e[[m]]$vi)
  fit <- rma(yi, vi, method = "DL")
  pr <- predict(fit, transf = tr[[m]])
  # per site, as metafor's forest() draws it: yi -/+ qnorm(0.975) sqrt(vi) back-transformed, and
  # the random-effects weight in percent (weights(fit))
  es <- summary(escalc(measure = "GEN", yi = yi, vi = vi), transf = tr[[m]])
  wt <- weights(fit)
  st <- list()
  for (j in seq_along(yi)) st[[names(per)[j]]] <- list(value = tr[[m]](yi[j]), ci_low = es$ci.lb[j],
                                                      ci_high = es$ci.ub[j], weight = unname(wt[j]))
  pooled[[m]] <- list(value = pr$pred, ci_low = pr$ci.lb, ci_high = pr$ci.ub, pi_low = pr$pi.lb, pi_high = pr$pi.ub,
                      tau2 = fit$tau2, i2 = fit$I2, q = fit$QE, estimate = as.numeric(fit$b), se = fit$se,
                      sites = st)
}
out <- list(peers = list(pROC = as.character(packageVersion("pROC")), metafor = as.character(packageVersion("metafor")),
                         R = paste(R.version$major, R.version$minor, sep = ".")),
            sites = per, pooled = pooled)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(dir, "pooled.json"))
