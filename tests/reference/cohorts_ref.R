# Golden values for the bundled cohorts re-derived with every subject (issue 16 s.2):
# datasets/{flchain,nafld1}/test_all.csv, the 5-year risk of the models v1 (shadow_score) and
# v2 (score) validated by the censoring-aware metrics at 1,826 days; read by
# tests/cli/test_cohorts.sh (vigil metrics --time futime --event death --horizon 1826 and the
# suites suites/{flchain,nafld1}-5y-survival.json).
#
# Peers: riskRegression 2022.11.28 (Debian r-cran-riskregression; Score with cens.model = "km",
# metrics auc and brier at times = 1826, se.fit = TRUE, conf.int = 0.95), survival 3.5-3
# (concordance(reverse = TRUE): Harrell's C; survfit: Kaplan-Meier with Greenwood log
# intervals), pROC 1.18.0 (the complete-case AUROC of the 0/1 label on test.csv, for the bias
# table in datasets/README.md). Install: apt-get install r-cran-riskregression r-cran-survival
# r-cran-proc r-cran-jsonlite.
# Run from the repository root:  Rscript tests/reference/cohorts_ref.R
# It writes tests/reference/cohorts/goldens.json; regenerating reproduces it.
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(prodlim); library(pROC); library(jsonlite)
})
H <- 1826
out <- "tests/reference/cohorts"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

km_at <- function(time, event) {
  f <- survfit(Surv(time, event) ~ 1, conf.type = "log")
  s <- summary(f, times = H, extend = TRUE)
  list(risk = 1 - s$surv, ci_low = 1 - s$upper, ci_high = 1 - s$lower)
}

block <- function(d, risk) {
  r <- list(n = nrow(d), events_by_horizon = sum(d$futime <= H & d$death == 1),
            censored_before_horizon = sum(d$futime <= H & d$death == 0))
  sc <- Score(list(m = risk), formula = Hist(futime, death) ~ 1, data = d, times = H,
              cens.model = "km", metrics = c("auc", "brier"), null.model = FALSE,
              se.fit = TRUE, conf.int = 0.95)
  a <- sc$AUC$score; b <- sc$Brier$score
  r$auc <- list(value = a$AUC, se = a$se, ci_low = a$lower, ci_high = a$upper)
  r$brier <- list(value = b$Brier, se = b$se, ci_low = b$lower, ci_high = b$upper)
  d$risk <- risk
  r$c_harrell <- concordance(Surv(futime, death) ~ risk, data = d, reverse = TRUE)$concordance
  km <- km_at(d$futime, d$death)
  r$km_risk <- km$risk; r$km_ci_low <- km$ci_low; r$km_ci_high <- km$ci_high
  r$mean_risk <- mean(risk)
  r$oe_ratio <- km$risk / mean(risk)
  r
}

cohort <- function(name, groups) {
  d <- read.csv(file.path("datasets", name, "test_all.csv"), stringsAsFactors = FALSE,
                na.strings = "")
  cc <- read.csv(file.path("datasets", name, "test.csv"), stringsAsFactors = FALSE, na.strings = "")
  res <- list(n = nrow(d), complete_cases = nrow(cc))
  for (m in c("shadow_score", "score")) {
    r <- block(d, d[[m]])
    r$levels <- list()
    for (g in groups)
      r$levels[[g]] <- lapply(split(seq_len(nrow(d)), d[[g]]), function(i) block(d[i, ], d[[m]][i]))
    # the complete-case (sensitivity) view on test.csv: the 0/1 label's AUROC and observed risk
    r$complete_case <- list(n = nrow(cc), events = sum(cc$death_5y),
                            observed_risk = mean(cc$death_5y), mean_risk = mean(cc[[m]]),
                            auroc = as.numeric(auc(roc(cc$death_5y, cc[[m]], direction = "<",
                                                       levels = c(0, 1), quiet = TRUE))))
    res[[m]] <- r
  }
  # v2 (score) against v1 (shadow_score) on the same subjects: Score's contrast row, delta =
  # v2 - v1 with the influence-function se (the suites' non_inferior rules)
  sc <- Score(list(v1 = d$shadow_score, v2 = d$score), formula = Hist(futime, death) ~ 1, data = d,
              times = H, cens.model = "km", metrics = c("auc", "brier"), null.model = FALSE,
              contrasts = TRUE, se.fit = TRUE, conf.int = 0.95, conservative = FALSE)
  pick <- function(tab, key) {
    row <- as.data.frame(tab)[1, ]
    list(delta = row[[key]], se = row$se, lower = row$lower, upper = row$upper, p = row$p)
  }
  res$contrast <- list(auc = pick(sc$AUC$contrasts, "delta.AUC"), brier = pick(sc$Brier$contrasts, "delta.Brier"))
  res
}

res <- list(peer = list(riskRegression = as.character(packageVersion("riskRegression")),
                        survival = as.character(packageVersion("survival")),
                        prodlim = as.character(packageVersion("prodlim")),
                        pROC = as.character(packageVersion("pROC")),
                        R = paste(R.version$major, R.version$minor, sep = ".")),
            horizon = H,
            cohorts = list(flchain = cohort("flchain", c("sex", "age_band")),
                           nafld1 = cohort("nafld1", c("sex", "age_band"))))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(out, "goldens.json"))
