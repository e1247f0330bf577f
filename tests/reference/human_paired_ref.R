# Golden values for the team against the model on the same cases (issue 21: suites'
# team_vs_model_sensitivity / team_vs_model_specificity; vigil_human_paired_difference in
# src/stats/human.c, the human.team_vs_model block of `vigil metrics --decision`), read by
# tests/test_human.c and tests/cli/test_human_paired.sh.
#
# Among the cases of one outcome (positives for sensitivity, negatives for specificity), the
# paired 2x2 table team correct (rows) x model correct (columns), [[a, b], [c, d]]: a both,
# b the team only, c the model only, d neither; team minus model = (b - c) / n with Newcombe's
# hybrid score interval for paired proportions (method 10, Newcombe 1998 Stat Med 17:2635).
#
# Peer: contingencytables 3.0.0 (Fagerland, Lydersen & Laake, "Statistical Analysis of
# Contingency Tables", 2017; CRAN), Newcombe_square_and_add_CI_paired_2x2(table, alpha = 0.05),
# run in Debian's R 4.2.2. Cross-check: biostatUZH 2.0.2 confIntPairedProportion (Rufibach),
# where it is defined (it gives NaN when a margin of the table is empty; contingencytables
# then sets the correlation term to 0, as Newcombe does).
#
# Why not statsmodels: statsmodels 0.15.0, the newest release on PyPI (Dec 2026), has no
# confint_proportions_paired (only its development documentation does), so it cannot be run.
#
# Neither package is in Debian. With CRAN reachable: install.packages(c("contingencytables",
# "biostatUZH")). Without it, from the packages' source trees (GitHub ocbe-uio/contingencytables
# at b1fde68e, version 3.0.0, and felix-hof/biostatUZH at b05b3310, version 2.0.2):
#   CONTINGENCYTABLES_SRC=<tree>/R BIOSTATUZH_SRC=<tree>/R Rscript tests/reference/human_paired_ref.R
# sources the files the functions need (Newcombe_square_and_add_CI_paired_2x2.R,
# Wilson_score_CI_1x2.R, validateArguments.R, contingencytables-class.R; confIntProportion.R).
# Run from the repository root. It writes tests/reference/human_paired/<case>.csv (the data,
# generated here with a fixed seed) and tests/reference/human_paired/goldens.json;
# regenerating reproduces both files.
suppressPackageStartupMessages(library(jsonlite))

ct_src <- Sys.getenv("CONTINGENCYTABLES_SRC")
if (nzchar(ct_src)) {
  for (f in c("Newcombe_square_and_add_CI_paired_2x2.R", "Wilson_score_CI_1x2.R", "validateArguments.R",
              "contingencytables-class.R"))
    source(file.path(ct_src, f))
  ct_version <- "3.0.0 (source b1fde68e)"
} else {
  suppressPackageStartupMessages(library(contingencytables))
  ct_version <- as.character(packageVersion("contingencytables"))
}
bz_src <- Sys.getenv("BIOSTATUZH_SRC")
is.wholenumber <- function(x, tol = .Machine$double.eps^0.5) abs(x - round(x)) < tol
if (nzchar(bz_src)) {
  source(file.path(bz_src, "confIntProportion.R"))
  bz_version <- "2.0.2 (source b05b3310)"
} else {
  suppressPackageStartupMessages(library(biostatUZH))
  bz_version <- as.character(packageVersion("biostatUZH"))
}

out <- "tests/reference/human_paired"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(20261204)
THR <- 0.3

# team minus model of one table, by the peer; the cross-check where it is defined
newcombe <- function(a, b, c, d) {
  a <- as.numeric(a); b <- as.numeric(b); c <- as.numeric(c); d <- as.numeric(d) # integer products overflow
  n <- a + b + c + d
  if (n == 0) return(NULL)
  tab <- matrix(c(a, c, b, d), 2, 2) # rows: team correct, not; columns: model correct, not
  r <- Newcombe_square_and_add_CI_paired_2x2(tab, alpha = 0.05)
  x <- list(n = n, both = a, team_only = b, model_only = c, neither = d,
            difference = unname(r$estimate), ci_low = unname(r$lower), ci_high = unname(r$upper))
  z <- confIntPairedProportion(tab, conf.level = 0.95)$newcombeCI
  if (all(is.finite(z)) && max(abs(z - c(x$ci_low, x$ci_high))) > 1e-12)
    stop(sprintf("the peers disagree on [[%g, %g], [%g, %g]]", a, b, c, d))
  x$biostatuzh_defined <- all(is.finite(z))
  x
}

tables <- function(y, dec, flag) {
  s <- function(yy) {
    k <- y == yy
    tc <- dec[k] == yy
    mc <- flag[k] == yy
    newcombe(sum(tc & mc), sum(tc & !mc), sum(!tc & mc), sum(!tc & !mc))
  }
  list(sensitivity = s(1), specificity = s(0))
}

# cases: scores in thousandths (ties), the outcome, the clinicians' decision, a group
make <- function(name, n, p_follow, p_catch, groups = NULL, fix = NULL) {
  score <- round(rbeta(n, 1.3, 2.5), 3)
  y <- rbinom(n, 1, 0.1 + 0.7 * score)
  flag <- as.integer(score >= THR)
  # clinicians follow the flag with probability p_follow, else decide on their own, finding a
  # positive with probability p_catch
  own <- rbinom(n, 1, ifelse(y == 1, p_catch, 0.1))
  dec <- ifelse(runif(n) < p_follow, flag, own)
  g <- if (is.null(groups)) NULL else sample(names(groups), n, replace = TRUE, prob = groups)
  d <- data.frame(score = score, label = y, decision = dec)
  if (!is.null(g)) d$group <- g
  if (!is.null(fix)) d <- fix(d)
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  flag <- as.integer(d$score >= THR)
  res <- list(n = nrow(d), threshold = THR, overall = tables(d$label, d$decision, flag))
  if (!is.null(d$group)) {
    res$levels <- list()
    for (l in sort(unique(d$group))) {
      k <- d$group == l
      res$levels[[l]] <- tables(d$label[k], d$decision[k], flag[k])
    }
  }
  res
}

cases <- list()
# 'tiny': 12 cases, 5 positives
cases$tiny <- make("tiny", 12, 0.6, 0.7, fix = function(d) {
  d$label <- c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
  d$score <- c(0.8, 0.3, 0.1, 0.25, 0.9, 0.3, 0.05, 0.6, 0.2, 0.1, 0.4, 0.15) # 0.3: at the threshold
  d$decision <- c(1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0)
  d
})
# 'agree': the clinicians always follow the flag: no discordant pair (difference 0)
cases$agree <- make("agree", 400, 1.0, 0.7)
# 'one_way': the clinicians act on every flag and catch some positives the model missed: every
# discordant positive is the team's, none the model's
cases$one_way <- make("one_way", 600, 0.0, 0.5, fix = function(d) {
  f <- d$score >= THR
  d$decision <- ifelse(f, 1L, d$decision)
  d
})
# 'equal': b = c among the positives (the difference is 0, the table is not symmetric)
cases$equal <- make("equal", 500, 0.7, 0.6, fix = function(d) {
  f <- as.integer(d$score >= THR)
  pos <- which(d$label == 1)
  tc <- d$decision[pos] == 1
  mc <- f[pos] == 1
  b <- which(tc & !mc)
  c <- which(!tc & mc)
  k <- min(length(b), length(c))
  # turn the surplus of the larger side into agreement with the flag
  if (length(b) > k) d$decision[pos[b[seq.int(k + 1, length(b))]]] <- 0L
  if (length(c) > k) d$decision[pos[c[seq.int(k + 1, length(c))]]] <- 1L
  d
})
# 'large': 100,000 cases
cases$large <- make("large", 100000, 0.8, 0.6)
# 'groups': three levels, C with a handful of positives (the cell-size policy withholds it;
# the goldens are the peer's numbers for every level, what vigil shows is the test's business)
cases$groups <- make("groups", 3000, 0.75, 0.65, groups = c(A = 0.55, B = 0.44, C = 0.01))

# published tables: Altman et al. 2000, Statistics with Confidence, Table 6.2 (Newcombe's
# worked example, [[14, 5], [0, 22]]: the difference 5/41), and edge tables
tabs <- list(
  altman_6_2 = c(14, 5, 0, 22),
  zero_discordant = c(30, 0, 0, 10),
  all_correct = c(25, 0, 0, 0),
  none_correct = c(0, 0, 0, 7),
  team_only = c(0, 9, 0, 0),
  model_only = c(0, 0, 4, 0),
  b_equals_c = c(40, 6, 6, 8),
  one = c(0, 1, 0, 0),
  big = c(81234, 6021, 4512, 8233),
  negative_phi = c(1, 20, 25, 2),
  small_positive_phi = c(3, 2, 2, 3)
)
tab_out <- lapply(tabs, function(t) newcombe(t[1], t[2], t[3], t[4]))

doc <- list(peers = list(contingencytables = ct_version, biostatUZH = bz_version, R = R.version.string),
            method = "Newcombe_square_and_add_CI_paired_2x2(table, alpha = 0.05), table [[both, team_only], [model_only, neither]]",
            level = 0.95, cases = cases, tables = tab_out)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
           file.path(out, "goldens.json"))
