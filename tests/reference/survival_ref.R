# Golden values for vigil's time-to-event validation (src/stats/survival.c, tests/test_survival.c).
#
# Peers: riskRegression 2022.11.28 (Debian r-cran-riskregression; Score with cens.model = "km":
# IPCW AUROC and Brier at the horizon, their se from the influence function with the KM
# censoring term, conservative = FALSE), prodlim 2019.11.13 (its reverse Kaplan-Meier), survival
# 3.5-3 (survfit: Kaplan-Meier with Greenwood log intervals; concordance(reverse = TRUE):
# Harrell's C). Install: apt-get install r-cran-riskregression r-cran-survival.
# Run from the repository root:  Rscript tests/reference/survival_ref.R
# It writes tests/reference/survival/<case>.csv (the data, generated here with a fixed seed) and
# tests/reference/survival/goldens.json. Regenerating reproduces both files.
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(prodlim); library(jsonlite)
})
out <- "tests/reference/survival"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(20261204)

# Calibration groups: `k` contiguous groups of the cases in increasing risk order (ties in row
# order), sizes as numpy.array_split (the first n %% k groups one larger): vigil's equal-mass bins.
groups_of <- function(risk, k) {
  n <- length(risk); k <- min(k, n)
  o <- order(risk, seq_len(n))
  sz <- rep(n %/% k, k) + c(rep(1, n %% k), rep(0, k - n %% k))
  g <- integer(n); g[o] <- rep(seq_len(k), sz)
  g
}

km_at <- function(time, event, H) {
  f <- survfit(Surv(time, event) ~ 1, conf.type = "log")
  s <- summary(f, times = H, extend = TRUE)
  list(risk = 1 - s$surv, ci_low = 1 - s$upper, ci_high = 1 - s$lower)
}

metrics <- function(d, H, k = 10) {
  n <- nrow(d)
  ev <- sum(d$time <= H & d$event == 1)
  r <- list(n = n, horizon = H, events_by_horizon = ev,
            censored_before_horizon = sum(d$time <= H & d$event == 0))
  sc <- Score(list(m = d$risk), formula = Hist(time, event) ~ 1, data = d, times = H,
              cens.model = "km", metrics = c("auc", "brier"), null.model = FALSE,
              se.fit = TRUE, conf.int = 0.95)
  a <- sc$AUC$score; b <- sc$Brier$score
  r$auc <- if (ev > 0 && sum(d$time > H) > 0)
    list(value = a$AUC, se = a$se, ci_low = a$lower, ci_high = a$upper) else
    list(value = NA, se = NA, ci_low = NA, ci_high = NA)
  r$brier <- list(value = b$Brier, se = b$se, ci_low = b$lower, ci_high = b$upper)
  r$c_harrell <- if (sum(d$event) > 0)
    concordance(Surv(time, event) ~ risk, data = d, reverse = TRUE)$concordance else NA
  km <- km_at(d$time, d$event, H)
  r$km_risk <- km$risk; r$km_ci_low <- km$ci_low; r$km_ci_high <- km$ci_high
  r$mean_risk <- mean(d$risk)
  r$oe_ratio <- km$risk / mean(d$risk)
  r$calibration <- calib(d, H, k)
  r
}

calib <- function(d, H, k) {
  g <- groups_of(d$risk, k)
  lapply(sort(unique(g)), function(j) {
    s <- d[g == j, ]
    km <- km_at(s$time, s$event, H)
    # the group's KM risk on vigil's grid, H k / 10 (k = 1..10)
    cs <- summary(survfit(Surv(time, event) ~ 1, data = s), times = H * (1:10) / 10, extend = TRUE)
    list(n = nrow(s), mean_risk = mean(s$risk), observed = km$risk,
         ci_low = km$ci_low, ci_high = km$ci_high, curve = 1 - cs$surv)
  })
}

write_case <- function(name, d, H, note) {
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  r <- metrics(d, H)
  r$note <- note
  if (!is.null(d$group)) {
    r$levels <- lapply(split(d, d$group), function(s) metrics(s, H))
  }
  r
}

sim <- function(n, cens_rate, round_to) {
  x <- rnorm(n)
  lp <- 0.8 * x
  t <- rexp(n, rate = 0.1 * exp(lp))
  c <- rexp(n, rate = cens_rate)
  time <- pmax(round(pmin(t, c) / round_to) * round_to, round_to)
  event <- as.integer(t <= c)
  H <- 5
  risk <- round(1 - exp(-0.1 * exp(0.9 * x + rnorm(n, sd = 0.3)) * H), 3)  # tied risks
  data.frame(time = time, event = event, risk = risk)
}

cases <- list()
d <- sim(400, 0.05, 0.5)
d$group <- sample(c("a", "b"), nrow(d), replace = TRUE)
cases$moderate <- write_case("moderate", d, 5, "n 400, about 30% censored, times on a 0.5 grid (ties)")
# five groups: what the report falls back to when a tenth of the cases holds under 11 events
cases$moderate$calibration5 <- calib(d, 5, 5)

d <- sim(500, 0.4, 1)
cases$heavy <- write_case("heavy", d, 5, "heavy censoring (about 80%), integer times: events and censorings tied, some at H")

d <- data.frame(time = c(1, 2, 2, 3, 3, 4, 5, 6), event = c(1, 0, 1, 1, 0, 1, 0, 1),
                risk = c(0.9, 0.2, 0.6, 0.6, 0.3, 0.7, 0.1, 0.6))
cases$tiny <- write_case("tiny", d, 3, "n 8: an event and a censoring at H, event/censoring tie at 2, tied risks")

# A level with no events by H (level c: its events all come after H).
d <- sim(900, 0.05, 0.5)
d$group <- ifelse(seq_len(nrow(d)) %% 3 == 0, "c", ifelse(seq_len(nrow(d)) %% 3 == 1, "a", "b"))
sel <- d$group == "c"
d$time[sel] <- d$time[sel] + 6   # every time in level c beyond H = 5
cases$noevents <- write_case("noevents", d, 5, "level c has no event (and no censoring) by H")

res <- list(peer = list(riskRegression = as.character(packageVersion("riskRegression")),
                        survival = as.character(packageVersion("survival")),
                        prodlim = as.character(packageVersion("prodlim")),
                        R = paste(R.version$major, R.version$minor, sep = ".")),
            cases = cases)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(out, "goldens.json"))
