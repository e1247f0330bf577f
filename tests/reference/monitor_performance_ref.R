# Golden values for the monitors' realised performance once labels mature (issue 17,
# "Performance over time"): per current night of tests/reference/monitor_cbpe/cases.csv, the
# cases whose label is known. Read by tests/test_monitor_cbpe.c (test_performance_golden) and
# tests/cli/test_monitor_cbpe.sh.
#
# Peers: R 4.2.2 with pROC 1.18.0 (Debian r-cran-proc) and jsonlite 1.8.4:
#   AUROC and its DeLong interval  pROC::roc + ci.auc(method = "delong")
#   calibration slope              glm(y ~ qlogis(p), binomial): coefficient, Wald SE
#   CITL                           glm(y ~ 1, offset = qlogis(p), binomial): intercept, Wald SE
#   O/E                            sum(y) / sum(p); SE of log(O/E) sqrt(1/O - 1/N) (Debray et al.,
#                                  BMJ 2017), the interval exp(log(O/E) -/+ z SE)
#   sensitivity, PPV at 0.3        prop.test(correct = FALSE)$conf.int (the Wilson interval)
# Run: Rscript tests/reference/monitor_performance_ref.R
# Writes tests/reference/monitor_cbpe/performance.json.
suppressMessages({ library(pROC); library(jsonlite) })
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
cases <- read.csv(file.path(here, "monitor_cbpe", "cases.csv"))
thr <- 0.3
z <- qnorm(0.975)
wilson <- function(k, n) {
    if (n == 0) return(c(NA, NA, NA))
    ci <- prop.test(k, n, correct = FALSE)$conf.int
    c(k / n, ci[1], ci[2])
}
out <- list(peer = sprintf("R %s, pROC %s", paste(R.version$major, R.version$minor, sep = "."),
                           packageVersion("pROC")),
            threshold = thr, nights = list())
for (night in 1:5) {
    d <- cases[cases$night == night, ]
    lab <- d[!is.na(d$label), ]
    y <- lab$label; p <- lab$score
    r <- roc(y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
    ci <- as.numeric(ci.auc(r, method = "delong"))
    lp <- qlogis(p)
    # converged tightly: summary.glm's SE uses the weights of the last IRLS step, which at the
    # default epsilon (1e-8 on the deviance) sit ~1e-4 away from the maximum
    ctl <- glm.control(epsilon = 1e-14, maxit = 100)
    fs <- summary(glm(y ~ lp, family = binomial, control = ctl))$coefficients
    fc <- summary(glm(y ~ 1, offset = lp, family = binomial, control = ctl))$coefficients
    oe <- sum(y) / sum(p); lse <- sqrt(1 / sum(y) - 1 / length(y))
    flag <- p >= thr
    tp <- sum(flag & y == 1); fp <- sum(flag & y == 0); fn <- sum(!flag & y == 1); tn <- sum(!flag & y == 0)
    se <- wilson(tp, tp + fn); pv <- wilson(tp, tp + fp)
    v <- function(x) list(value = x[1], ci_low = x[2], ci_high = x[3])
    out$nights[[as.character(night)]] <- list(
        n_labelled = nrow(lab), unlabelled = nrow(d) - nrow(lab),
        n_pos = sum(y), n_neg = sum(1 - y), cells = c(tp = tp, fp = fp, fn = fn, tn = tn),
        auroc = v(c(ci[2], ci[1], ci[3])),
        oe_ratio = v(c(oe, oe * exp(-z * lse), oe * exp(z * lse))),
        calibration_slope = v(c(fs[2, 1], fs[2, 1] - z * fs[2, 2], fs[2, 1] + z * fs[2, 2])),
        citl = v(c(fc[1, 1], fc[1, 1] - z * fc[1, 2], fc[1, 1] + z * fc[1, 2])),
        sensitivity = v(se), ppv = v(pv))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "monitor_cbpe", "performance.json"))
