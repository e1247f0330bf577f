#!/usr/bin/env Rscript
# Golden values for tests/test_metrics.c and tests/test_calibration.c from R peers:
#   pROC 1.18.0  roc(direction = "<"), ci.auc(method = "delong"), var(), roc.test(paired DeLong)
#   rms 6.5.0    val.prob(): Intercept, Slope, Emax, E90, Eavg, S:z, S:p, D, U, Q, U:p, Brier
#   stats        lowess(), glm(offset = qlogis(p)) for calibration-in-the-large
# E50 is the median of val.prob's |p - lowess(p, y, iter = 0)(p)|, computed the way val.prob
# computes Eavg. Hosmer-Lemeshow is written out here (deciles of risk by quantile type 7,
# duplicate breaks merged, g - 2 df) because ResourceSelection is not installed.
# Run after metrics_ref.py (which writes the cases): Rscript tests/reference/metrics_ref.R
suppressMessages({ library(pROC); library(rms) })
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
out <- file.path(here, "metrics")
num <- function(x) format(x, digits = 17)
writeJSON <- function(lst, path) {
  items <- vapply(names(lst), function(k) {
    v <- lst[[k]]
    if (is.character(v)) sprintf("\"%s\": \"%s\"", k, v)
    else if (length(v) == 1) sprintf("\"%s\": %s", k, ifelse(is.na(v), "null", num(v)))
    else sprintf("\"%s\": [%s]", k, paste(ifelse(is.na(v), "null", num(v)), collapse = ", "))
  }, "")
  writeLines(c("{", paste0(" ", items, collapse = ",\n"), "}"), path)
}
hosmer <- function(p, y, g = 10) {
  br <- unique(quantile(p, probs = seq(0, 1, 1 / g)))
  cut_p <- if (length(br) > 1) cut(p, breaks = br, include.lowest = TRUE) else factor(rep(1, length(p)))
  o1 <- tapply(y, cut_p, sum); e1 <- tapply(p, cut_p, sum); cnt <- tapply(y, cut_p, length)
  keep <- !is.na(cnt)
  o1 <- o1[keep]; e1 <- e1[keep]; cnt <- cnt[keep]
  stat <- sum((o1 - e1)^2 / e1) + sum(((cnt - o1) - (cnt - e1))^2 / (cnt - e1))
  df <- length(cnt) - 2
  c(stat = stat, df = df, p = 1 - pchisq(stat, df))
}
for (case in c("a", "b", "c")) {
  d <- read.csv(file.path(out, paste0("case_", case, ".csv")))
  p <- d$score; y <- d$label
  r1 <- roc(y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
  r2 <- roc(y, d$score2, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci <- ci.auc(r1, method = "delong")
  tt <- roc.test(r1, r2, method = "delong", paired = TRUE)
  v <- val.prob(p, y, pl = FALSE)
  Sm <- lowess(p, y, iter = 0)
  er <- abs(p - approx(Sm, xout = p, ties = mean)$y)
  citl <- coef(glm(y ~ 1, offset = qlogis(p), family = binomial))[[1]]
  hl <- hosmer(p, y)
  writeJSON(list(versions = paste0("pROC ", packageVersion("pROC"), ", rms ", packageVersion("rms"),
                                   ", ", R.version.string),
                 auroc = as.numeric(auc(r1)), auroc_ci_low = ci[1], auroc_ci_high = ci[3],
                 auroc_se = sqrt(var(r1, method = "delong")),
                 auroc2 = as.numeric(auc(r2)), delong_z = unname(tt$statistic), delong_p = tt$p.value,
                 intercept = v[["Intercept"]], slope = v[["Slope"]], emax = v[["Emax"]],
                 e90 = v[["E90"]], eavg = v[["Eavg"]], e50 = median(er),
                 spiegelhalter_z = v[["S:z"]], spiegelhalter_p = v[["S:p"]],
                 d = v[["D"]], u = v[["U"]], q = v[["Q"]], u_p = v[["U:p"]], brier = v[["Brier"]],
                 citl = citl, hl_stat = hl[["stat"]], hl_df = hl[["df"]], hl_p = hl[["p"]]),
            file.path(out, paste0(case, ".R.json")))
  cat("wrote", case, "\n")
}
# lowess itself, with ties and robustness iterations, on a small set.
set.seed(5)
x <- sort(c(round(runif(40), 1), 0.5, 0.5, 0.5))
yy <- sin(6 * x) + rnorm(length(x), sd = 0.3)
writeJSON(list(x = x, y = yy, fit0 = lowess(x, yy, iter = 0)$y, fit3 = lowess(x, yy)$y,
               fit_f03 = lowess(x, yy, f = 0.3, iter = 0, delta = 0)$y),
          file.path(out, "lowess.R.json"))
cat("wrote lowess\n")
