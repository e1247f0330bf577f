# Golden values for the stored lowess calibration curve (issue 18): the curve rms::val.prob
# draws, Sm <- lowess(p, y, iter = 0) with R's defaults (f = 2/3, delta = 0.01 * diff(range(p)))
# drawn by lines(Sm), i.e. linear interpolation between the fitted points, read off at 50
# equally spaced predicted risks over the observed range:
#   approx(Sm, xout = seq(min(p), max(p), length.out = 50), ties = mean)$y
# Peer: R 4.2.2 stats::lowess / stats::approx (val.prob of rms 6.5.0 calls exactly these; see
# deparse(rms::val.prob)). Run from the repository root:
#   Rscript tests/reference/calib_curve_ref.R
# It writes tests/reference/calib_curve/cases.csv (a 7%-prevalence cohort with tied scores and
# three sites: A and B large, C with 6 events, so its prevalence is withheld under the
# cell-size policy) and goldens.json (the curve overall and for every level; vigil must give
# A and B the curve, and C none).
out <- "tests/reference/calib_curve"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(18)
n <- 900
site <- rep(c("A", "B", "C"), c(500, 300, 100))
lp <- -2.9 + 1.1 * rnorm(n)
p <- round(plogis(lp), 3)                     # ties, as scores stored to 3 digits are
p[p <= 0] <- 0.001
y <- rbinom(n, 1, plogis(lp + ifelse(site == "B", 0.5, 0)))
cidx <- which(site == "C")
y[cidx] <- 0
y[cidx[order(-p[cidx])][1:6]] <- 1           # C: 6 events in 100 cases
curve <- function(p, y) {
    Sm <- lowess(p, y, iter = 0)
    grid <- seq(min(p), max(p), length.out = 50)
    list(predicted = grid, observed = approx(Sm, xout = grid, ties = mean)$y)
}
write.csv(data.frame(p = sprintf("%.3f", p), y = y, site = site), file.path(out, "cases.csv"),
          row.names = FALSE, quote = FALSE)
num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
cj <- function(cv) sprintf('{"predicted": %s, "observed": %s}', num(cv$predicted), num(cv$observed))
lv <- sapply(c("A", "B", "C"), function(s) sprintf('"%s": {"events": %d, "curve": %s}', s,
             sum(y[site == s]), cj(curve(p[site == s], y[site == s]))))
writeLines(c("{", sprintf('  "peer": "R %s stats::lowess(p, y, iter = 0) + approx(ties = mean), as rms %s val.prob",',
                          paste(R.version$major, R.version$minor, sep = "."), packageVersion("rms")),
             sprintf('  "prevalence": %.17g,', mean(y)),
             sprintf('  "overall": %s,', cj(curve(p, y))),
             sprintf('  "levels": {%s}', paste(lv, collapse = ", ")), "}"),
           file.path(out, "goldens.json"))
