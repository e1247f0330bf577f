# Golden values for vigil's paired comparison of two models' time-to-event metrics at a horizon
# (vigil_survival_compare in src/stats/survival.c; tests/test_survival_paired.c and the suite
# criteria in tests/cli/test_survival_paired.sh).
#
# Peer: riskRegression 2022.11.28 (Debian r-cran-riskregression), Score with cens.model = "km",
# metrics = c("auc", "brier"), contrasts = TRUE, se.fit = TRUE, conservative = FALSE:
#   Score(list(v1 = predecessor, v2 = candidate), formula = Hist(time, event) ~ 1, ...)
# Listed in that order, Score's contrast row is model v2 against reference v1, so delta is
# candidate minus predecessor; its se is sd(IF_v1 - IF_v2) / sqrt(n) from the two models'
# influence functions on the same subjects, lower/upper = delta -/+ qnorm(0.975) se (not
# clipped), p = 2 pnorm(-|delta| / se). survival 3.5-3 and prodlim 2019.11.13 underneath.
# Install: apt-get install r-cran-riskregression r-cran-survival.
# Run from the repository root:  Rscript tests/reference/survival_paired_ref.R
# It writes tests/reference/survival_paired/<case>.csv (the data, generated here with a fixed
# seed) and tests/reference/survival_paired/goldens.json. Regenerating reproduces both files.
#
# Risks are multiples of 1/1024, so that a vigil-linear model with the identity link reading
# them as a (float) feature gives back exactly these numbers (the CLI suite test scores both
# models that way), with ties.
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(prodlim); library(jsonlite)
})
out <- "tests/reference/survival_paired"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(20261205)

num <- function(x) if (length(x) == 0 || is.na(x) || is.nan(x)) NA else x

contrast <- function(d, H) {
  n <- nrow(d)
  ev <- sum(d$time <= H & d$event == 1)
  sc <- Score(list(v1 = d$risk_v1, v2 = d$risk_v2), formula = Hist(time, event) ~ 1, data = d,
              times = H, cens.model = "km", metrics = c("auc", "brier"), null.model = FALSE,
              contrasts = TRUE, se.fit = TRUE, conf.int = 0.95, conservative = FALSE)
  pick <- function(tab, key) {
    row <- tab[tab$model == "v2" & tab$reference == "v1", ]
    stopifnot(nrow(row) == 1)
    list(delta = num(row[[key]]), se = num(row$se), lower = num(row$lower), upper = num(row$upper),
         p = num(row$p))
  }
  a <- pick(sc$AUC$contrasts, "delta.AUC")
  # no case or no control at H: the AUROC (and so its contrast) is undefined
  if (!(ev > 0 && sum(d$time > H) > 0)) a <- list(delta = NA, se = NA, lower = NA, upper = NA, p = NA)
  b <- pick(sc$Brier$contrasts, "delta.Brier")
  auc <- sc$AUC$score; bri <- sc$Brier$score
  list(n = n, horizon = H, events_by_horizon = ev, auc = a, brier = b,
       auc_v1 = num(auc$AUC[auc$model == "v1"]), auc_v2 = num(auc$AUC[auc$model == "v2"]),
       brier_v1 = bri$Brier[bri$model == "v1"], brier_v2 = bri$Brier[bri$model == "v2"])
}

write_case <- function(name, d, H, note) {
  d$label <- as.integer(d$event == 1 & d$time <= H)   # the suite's 0/1 view at H
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  r <- contrast(d, H)
  r$note <- note
  if (!is.null(d$group)) r$levels <- lapply(split(d, d$group), function(s) contrast(s, H))
  r
}

grid <- function(p) pmin(pmax(round(p * 1024), 0), 1024) / 1024   # exact in float32, ties

sim <- function(n, cens_rate, round_to, H = 5) {
  x <- rnorm(n)
  t <- rexp(n, rate = 0.1 * exp(0.8 * x))
  c <- rexp(n, rate = cens_rate)
  time <- pmax(round(pmin(t, c) / round_to) * round_to, round_to)
  event <- as.integer(t <= c)
  # v2 sees the true linear predictor more sharply than v1 (the predecessor)
  v1 <- grid(1 - exp(-0.1 * exp(0.5 * x + rnorm(n, sd = 0.6)) * H))
  v2 <- grid(1 - exp(-0.1 * exp(0.8 * x + rnorm(n, sd = 0.3)) * H))
  data.frame(time = time, event = event, risk_v1 = v1, risk_v2 = v2)
}

cases <- list()
d <- sim(400, 0.05, 0.5)
d$group <- sample(c("a", "b"), nrow(d), replace = TRUE)
cases$moderate <- write_case("moderate", d, 5, "n 400, about 30% censored, times on a 0.5 grid (ties), tied risks")

d <- sim(500, 0.4, 1)
cases$heavy <- write_case("heavy", d, 5, "heavy censoring (about 80%), integer times: events and censorings tied, some at H")

d <- data.frame(time = c(1, 2, 2, 3, 3, 4, 5, 6), event = c(1, 0, 1, 1, 0, 1, 0, 1),
                risk_v1 = c(0.5, 0.25, 0.5, 0.5, 0.375, 0.625, 0.125, 0.5),
                risk_v2 = c(0.875, 0.25, 0.625, 0.625, 0.25, 0.75, 0.125, 0.625))
cases$tiny <- write_case("tiny", d, 3, "n 8: an event and a censoring at H, event/censoring tie at 2, tied risks in both models")

# A level with no events by H (level c: its times all come after H): its AUROC contrast is
# undefined, its Brier contrast is not.
d <- sim(900, 0.05, 0.5)
d$group <- ifelse(seq_len(nrow(d)) %% 3 == 0, "c", ifelse(seq_len(nrow(d)) %% 3 == 1, "a", "b"))
sel <- d$group == "c"
d$time[sel] <- d$time[sel] + 6
cases$noevents <- write_case("noevents", d, 5, "level c has no event (and no censoring) by H")

res <- list(peer = list(riskRegression = as.character(packageVersion("riskRegression")),
                        survival = as.character(packageVersion("survival")),
                        prodlim = as.character(packageVersion("prodlim")),
                        R = paste(R.version$major, R.version$minor, sep = "."),
                        call = paste("Score(list(v1 = risk_v1, v2 = risk_v2), Hist(time, event) ~ 1, times = H,",
                                     "cens.model = 'km', metrics = c('auc', 'brier'), null.model = FALSE,",
                                     "contrasts = TRUE, se.fit = TRUE, conservative = FALSE)")),
            cases = cases)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(out, "goldens.json"))
