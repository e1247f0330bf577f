#!/bin/sh
# Time-to-event benchmark (issue 16): sh bench/survival.sh [build/vigil]
# BENCH_SURV_N subjects (default 1,000,000; bench/survival.py: tied times, ~40% censored by H = 5,
# a 4-level site), vigil metrics --time --event --horizon 5 --group site (no --label: the
# survival block alone; it has no bootstrap, its CIs come from the influence function), whole
# process; and on the first BENCH_SURV_PEER_N (default 100,000) subjects the same command beside
# riskRegression::Score(metrics = c("auc", "brier"), cens.model = "km", se.fit = TRUE) plus
# survival::concordance and survfit (the rest of the block), R 4.2.2, Debian packages.
# BENCH_SURV_PEER_FULL=1 also runs the peers on all N subjects (each run stopped after 600 s).
# Every figure is the fastest of BENCH_SURV_REPS (default 3) runs: the machine is shared.
# Writes bench/out/survival.txt.
set -eu
. "$(dirname "$0")/lib.sh"
N=${BENCH_SURV_N:-1000000}
PN=${BENCH_SURV_PEER_N:-100000}
cd "$ROOT"
$PY bench/survival.py "$N" "$TMP/s.csv"
head -n $((PN + 1)) "$TMP/s.csv" >"$TMP/p.csv"
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }
jget() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }
REPS=${BENCH_SURV_REPS:-3}
run_vigil() { # file, tag, extra options: the fastest of REPS runs (the machine is shared)
    f=$1 tag=$2
    shift 2
    best=""
    for k in $(seq "$REPS"); do
        /usr/bin/time -v "$VIGIL" metrics --data "$f" --score risk --time time --event event --horizon 5 "$@" \
            --no-store --format json >"$TMP/$tag.$k.json" 2>"$TMP/$tag.$k.time"
        c=$(jget "$TMP/$tag.$k.json" "d['seconds']['compute']")
        if [ -z "$best" ] || awk -v a="$c" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$c
            cp "$TMP/$tag.$k.json" "$TMP/$tag.json"
            cp "$TMP/$tag.$k.time" "$TMP/$tag.time"
        fi
    done
}
run_vigil "$TMP/s.csv" vN --group site
run_vigil "$TMP/s.csv" vN0
run_vigil "$TMP/p.csv" vP0
cat >"$TMP/peer.R" <<'R'
suppressPackageStartupMessages({ library(riskRegression); library(survival) })
d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()[["elapsed"]]
s <- Score(list(m = d$risk), formula = Hist(time, event) ~ 1, data = d, times = 5, cens.model = "km",
           metrics = c("auc", "brier"), null.model = FALSE, se.fit = TRUE, conf.int = 0.95)
t1 <- proc.time()[["elapsed"]]
cc <- concordance(Surv(time, event) ~ risk, data = d, reverse = TRUE)$concordance
km <- summary(survfit(Surv(time, event) ~ 1, data = d), times = 5)$surv
t2 <- proc.time()[["elapsed"]]
cat(sprintf("score %.3f rest %.3f auc %.10f auc_se %.10g brier %.10f brier_se %.10g c %.10f km %.10f rr %s\n",
            t1 - t0, t2 - t1, s$AUC$score$AUC, s$AUC$score$se, s$Brier$score$Brier, s$Brier$score$se, cc, 1 - km,
            packageVersion("riskRegression")))
R
run_peer() { # file, tag: the fastest of REPS runs (Score + the rest), as for vigil; 1 if one failed
    best=""
    for k in $(seq "$REPS"); do
        /usr/bin/time -v timeout 600 Rscript "$TMP/peer.R" "$1" >"$TMP/$2.$k.txt" 2>"$TMP/$2.$k.time" || return 1
        c=$(awk '{ print $2 + $4 }' "$TMP/$2.$k.txt")
        if [ -z "$best" ] || awk -v a="$c" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$c
            cp "$TMP/$2.$k.txt" "$TMP/$2.txt"
            cp "$TMP/$2.$k.time" "$TMP/$2.time"
        fi
    done
}
run_peer "$TMP/p.csv" rP
full=""
if [ "${BENCH_SURV_PEER_FULL:-0}" = 1 ]; then
    if run_peer "$TMP/s.csv" rN; then
        fs=$(sed -n 's/^score \([^ ]*\) rest \([^ ]*\).*/\1 \2/p' "$TMP/rN.txt")
        full=$(awk -v a="${fs% *}" -v b="${fs#* }" -v v="$(jget "$TMP/vN0.json" "d['seconds']['compute']")" -v w="$(wall "$TMP/vN0.time")" -v p="$(wall "$TMP/rN.time")" -v m="$(rss "$TMP/rN.time")" \
            'BEGIN { printf "peers on all '"$N"': Score %.2f s + concordance/survfit %.2f s, process %s s, peak RSS %s MiB; peer/vigil computation %.0fx, whole process %.1fx", a, b, p, m, (a + b) / v, p / w }')
    else
        full="Score on all $N: did not finish in 600 s (or ran out of memory)"
    fi
fi
pv() { sed -n "s/.* $1 \([^ ]*\).*/\1/p" "$TMP/rP.txt"; }
sc=$(sed -n 's/^score \([^ ]*\).*/\1/p' "$TMP/rP.txt"); rest=$(pv rest)
{
    echo "time to event at H = 5, --group site (4 levels), whole process unless stated:"
    echo "  vigil, $N subjects: $(wall "$TMP/vN.time") s wall (load $(jget "$TMP/vN.json" "round(d['seconds']['load'],3)") s, compute $(jget "$TMP/vN.json" "round(d['seconds']['compute'],3)") s), peak RSS $(rss "$TMP/vN.time") MiB"
    echo "  vigil, $N subjects, no --group: $(wall "$TMP/vN0.time") s wall (compute $(jget "$TMP/vN0.json" "round(d['seconds']['compute'],3)") s), peak RSS $(rss "$TMP/vN0.time") MiB"
    echo "  vigil, $PN subjects, no --group: $(wall "$TMP/vP0.time") s wall (compute $(jget "$TMP/vP0.json" "round(d['seconds']['compute'],3)") s), peak RSS $(rss "$TMP/vP0.time") MiB"
    echo "  riskRegression $(pv rr) Score (auc + brier, se.fit), $PN subjects: $sc s; concordance + survfit $rest s; process $(wall "$TMP/rP.time") s, peak RSS $(rss "$TMP/rP.time") MiB"
    awk -v s="$sc" -v r="$rest" -v v="$(jget "$TMP/vP0.json" "d['seconds']['compute']")" -v w="$(wall "$TMP/vP0.time")" -v p="$(wall "$TMP/rP.time")" \
        'BEGIN { printf "  peer/vigil at %s, same file, overall only: computation %.0fx (Score + concordance + survfit / vigil compute), whole process %.1fx\n", "'"$PN"'", (s + r) / v, p / w }'
    echo "  agreement at $PN: vigil AUROC $(jget "$TMP/vP0.json" "d['survival']['auc']['value']") se $(jget "$TMP/vP0.json" "d['survival']['auc']['se']"), Score $(pv auc) se $(pv auc_se); vigil Brier se $(jget "$TMP/vP0.json" "d['survival']['brier']['se']"), Score $(pv brier_se)"
    [ -z "$full" ] || echo "  $full"
} | tee "$OUT/survival.txt"
