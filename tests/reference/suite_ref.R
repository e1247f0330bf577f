# Reference values for the suite runner's paired comparison (tests/cli/test_suite.sh).
# Peer: R pROC (roc.test, method "delong", paired) on the bundled flchain test set, where
# `score` is v2's prediction and `shadow_score` v1's (datasets/derive.py writes them from the
# same XGBoost models the suite re-scores, so they agree to 1e-9).
# Run: Rscript tests/reference/suite_ref.R  (writes tests/reference/suite/flchain_delong.json)
suppressPackageStartupMessages(library(pROC))
d <- read.csv("datasets/flchain/test.csv")
r2 <- roc(d$death_5y, d$score, levels = c(0, 1), direction = "<", quiet = TRUE)
r1 <- roc(d$death_5y, d$shadow_score, levels = c(0, 1), direction = "<", quiet = TRUE)
t <- roc.test(r2, r1, method = "delong", paired = TRUE)
diff <- unname(t$estimate[1] - t$estimate[2])
se <- diff / unname(t$statistic)
ci <- diff + c(-1, 1) * qnorm(0.975) * se
out <- sprintf('{"peer": "R %s, pROC %s", "auc_v2": %.17g, "auc_v1": %.17g, "diff": %.17g, "se": %.17g, "ci_low": %.17g, "ci_high": %.17g, "z": %.17g}\n',
               paste(R.version$major, R.version$minor, sep = "."), packageVersion("pROC"),
               t$estimate[1], t$estimate[2], diff, se, ci[1], ci[2], t$statistic)
cat(out, file = "tests/reference/suite/flchain_delong.json")
cat(out)
