# Golden values for vigil's paired comparison of two models' Harrell's C on the same subjects
# (vigil_survival_compare's c_* fields in src/stats/survival.c; tests/test_survival_paired.c
# and the suite criteria on c_harrell in tests/cli/test_survival_paired.sh).
#
# Peer: survival 3.5-3 (Debian r-cran-survival), concordance() of two Cox fits whose
# coefficient is held at 1 (init = 1, iter.max = 0: the linear predictor is the risk itself,
# centred, which keeps its order and its ties), i.e. concordance's own multi-model path
# (cord.work): $concordance holds the two C's (reverse = TRUE, as a Cox fit's: a higher risk
# goes with a shorter time) and $var their variance matrix, the infinitesimal-jackknife
# variance crossprod(dfbeta) with dfbeta the derivative of each C with respect to each
# subject's case weight (concordancefit: var = sum(dfbeta^2) for one model, no centring and no
# n/(n-1)). The contrast of model v2 (candidate) minus v1 (predecessor): delta = C2 - C1,
# se = sqrt(v11 + v22 - 2 v12), lower/upper = delta -/+ qnorm(0.975) se, p = 2 pnorm(-|delta|/se).
# Each C and its own se are checked here against the one-model call
#   concordance(Surv(time, event) ~ risk, data, reverse = TRUE)
# and the variance matrix against crossprod of the one-model calls' dfbeta (influence = 1).
# timefix = TRUE (the default) changes nothing here: the times are multiples of 0.5.
# Install: apt-get install r-cran-survival r-cran-jsonlite.
# Run from the repository root:  Rscript tests/reference/survival_paired_c_ref.R
# It reads the cases survival_paired_ref.R wrote (moderate, heavy, tiny, noevents), writes one
# more (fewevents.csv: a level with three events and one with none, generated here with a fixed
# seed) and tests/reference/survival_paired/c_harrell.json. Regenerating reproduces both files.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
out <- "tests/reference/survival_paired"
set.seed(20261216)

num <- function(x) if (length(x) == 0 || is.na(x) || is.nan(x)) NA else unname(x)

paired_c <- function(d) {
  n <- nrow(d)
  s1 <- concordance(Surv(time, event) ~ risk_v1, data = d, reverse = TRUE, influence = 1)
  s2 <- concordance(Surv(time, event) ~ risk_v2, data = d, reverse = TRUE, influence = 1)
  pairs <- sum(s2$count[c("concordant", "discordant", "tied.x")])
  if (sum(d$event) == 0 || pairs == 0)   # no comparable pair: no C, no contrast
    return(list(n = n, events = sum(d$event), pairs = pairs, c_v1 = NA, c_v2 = NA, se_v1 = NA, se_v2 = NA,
                cov = NA, delta = NA, se = NA, lower = NA, upper = NA, p = NA))
  f1 <- coxph(Surv(time, event) ~ risk_v1, data = d, init = 1, control = coxph.control(iter.max = 0))
  f2 <- coxph(Surv(time, event) ~ risk_v2, data = d, init = 1, control = coxph.control(iter.max = 0))
  stopifnot(abs(coef(f1) - 1) < 1e-12, abs(coef(f2) - 1) < 1e-12)  # 1 up to the rescaling of x
  cc <- concordance(f1, f2)
  V <- cc$var
  stopifnot(isTRUE(all.equal(unname(cc$concordance), c(s1$concordance, s2$concordance), tolerance = 1e-14)),
            isTRUE(all.equal(V[1, 1], s1$var, tolerance = 1e-12)), isTRUE(all.equal(V[2, 2], s2$var, tolerance = 1e-12)),
            isTRUE(all.equal(unname(V), unname(crossprod(cbind(s1$dfbeta, s2$dfbeta))), tolerance = 1e-12)))
  delta <- unname(cc$concordance[2] - cc$concordance[1])
  se <- sqrt(V[1, 1] + V[2, 2] - 2 * V[1, 2])
  z <- qnorm(0.975)
  list(n = n, events = sum(d$event), pairs = pairs,
       c_v1 = num(cc$concordance[1]), c_v2 = num(cc$concordance[2]),
       se_v1 = sqrt(V[1, 1]), se_v2 = sqrt(V[2, 2]), cov = V[1, 2],
       delta = delta, se = se, lower = delta - z * se, upper = delta + z * se,
       p = if (se > 0) 2 * pnorm(-abs(delta) / se) else NA)
}

one <- function(name, note) {
  d <- read.csv(file.path(out, paste0(name, ".csv")))
  r <- paired_c(d)
  r$note <- note
  if (!is.null(d$group)) r$levels <- lapply(split(d, d$group), paired_c)
  r
}

# A level with few events (b: three, heavily censored) and one with none (z): its C is undefined.
grid <- function(p) pmin(pmax(round(p * 1024), 0), 1024) / 1024
n <- 150
x <- rnorm(n)
t <- rexp(n, rate = 0.1 * exp(0.8 * x))
cens <- rexp(n, rate = 0.2)
d <- data.frame(time = pmax(round(pmin(t, cens) * 2) / 2, 0.5), event = as.integer(t <= cens),
                risk_v1 = grid(1 - exp(-0.1 * exp(0.5 * x + rnorm(n, sd = 0.6)) * 5)),
                risk_v2 = grid(1 - exp(-0.1 * exp(0.8 * x + rnorm(n, sd = 0.3)) * 5)),
                group = rep(c("a", "b", "z"), c(100, 35, 15)))
b <- which(d$group == "b")
d$event[b] <- 0
d$event[b[c(3, 11, 20)]] <- 1               # three events in b
d$event[d$group == "z"] <- 0                # none in z
d$label <- as.integer(d$event == 1 & d$time <= 5)
write.csv(d, file.path(out, "fewevents.csv"), row.names = FALSE, quote = FALSE)

cases <- list(
  moderate = one("moderate", "n 400, about 30% censored, times on a 0.5 grid (ties), tied risks"),
  heavy = one("heavy", "heavy censoring (about 80%), integer times: events and censorings tied"),
  tiny = one("tiny", "n 8: event/censoring tie at 2, tied risks in both models"),
  noevents = one("noevents", "level c's times all after 5 (C over the whole follow-up: it has events)"),
  fewevents = one("fewevents", "level b: 3 events among 35 (heavy censoring); level z: no event, C undefined"))

res <- list(peer = list(survival = as.character(packageVersion("survival")),
                        R = paste(R.version$major, R.version$minor, sep = "."),
                        call = paste("concordance(coxph(Surv(time, event) ~ risk_v1, init = 1, iter.max = 0),",
                                     "coxph(Surv(time, event) ~ risk_v2, init = 1, iter.max = 0)): $concordance, $var;",
                                     "delta = C2 - C1, se = sqrt(v11 + v22 - 2 v12)")),
            cases = cases)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(out, "c_harrell.json"))
