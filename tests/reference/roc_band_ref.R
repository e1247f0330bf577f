# Golden values for the ROC curve's confidence band (issue 18): pROC 1.18.0 (Debian r-cran-proc,
# R 4.2.2) on the bundled flchain test set (score against death_5y):
#   - the sensitivity at specificities seq(0, 1, 0.1): coords(roc, x, input = "specificity",
#     ret = "sensitivity") -- exact, the highest sensitivity where the curve has that
#     specificity, else linear interpolation between its neighbours;
#   - ci.se(roc, specificities = seq(0, 1, 0.1), boot.n = 10000, boot.stratified = FALSE): the
#     2.5%, 50% and 97.5% quantiles of the bootstrap sensitivities (non-stratified, as vigil
#     resamples cases). The bootstrap draws differ from vigil's, so the test compares these with
#     a Monte Carlo tolerance; the point values are compared exactly.
# Also a small file with tied scores (ties.csv: scores to one decimal, 200 controls), where the
# curve has several of the specificities exactly and the highest-sensitivity rule matters. Run from the repository root: Rscript tests/reference/roc_band_ref.R
suppressMessages(library(pROC))
out <- "tests/reference/roc_band"
dir.create(out, showWarnings = FALSE)
set.seed(18)
n <- 400
y <- rep(c(0, 1), each = 200)  # 200 controls: specificities k/200, several exactly seq()'s values
p <- round(pmin(pmax(rnorm(n, 0.4 + 0.2 * y, 0.2), 0), 1), 1)
write.csv(data.frame(p = sprintf("%.1f", p), y = y), file.path(out, "ties.csv"), row.names = FALSE, quote = FALSE)
band <- function(p, y) {
    r <- roc(y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
    sp <- seq(0, 1, 0.1)
    se <- coords(r, sp, input = "specificity", ret = "sensitivity", transpose = FALSE)$sensitivity
    ci <- ci.se(r, specificities = sp, boot.n = 10000, boot.stratified = FALSE, progress = "none")
    num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
    sprintf('{"specificity": %s, "sensitivity": %s, "ci_low": %s, "median": %s, "ci_high": %s}',
            num(sp), num(se), num(ci[, 1]), num(ci[, 2]), num(ci[, 3]))
}
d <- read.csv("datasets/flchain/test.csv")
writeLines(c("{", sprintf('  "peer": "pROC %s (R %s.%s) coords + ci.se(boot.n = 10000, boot.stratified = FALSE)",',
                          packageVersion("pROC"), R.version$major, R.version$minor),
             sprintf('  "flchain": %s,', band(d$score, d$death_5y)),
             sprintf('  "ties": %s', band(p, y)), "}"), file.path(out, "goldens.json"))
