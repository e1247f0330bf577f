#!/usr/bin/python3
"""Derive vigil's bundled shadow-mode case files and models from two Mayo Clinic cohorts.

Input:  datasets/raw/flchain.csv, datasets/raw/nafld1.csv (written by export_cohorts.R).
Output: datasets/flchain/{train,test,cases,test_all}.csv, datasets/nafld1/{train,test,test_all}.csv,
        datasets/models/*.json.

train/test/cases and the models are the complete-case derivation (subjects censored alive
before 5 years excluded); test_all.csv adds the test share of those censored subjects (their own
seeded 60/40 split) with futime/death, so that the censoring-aware metrics see every subject.

Run from anywhere with Debian's interpreter (numpy, pandas 1.5.3, scikit-learn 1.2.1,
statsmodels 0.13.5, python3-xgboost 1.7.4):

    Rscript datasets/export_cohorts.R && /usr/bin/python3 datasets/derive.py

Deterministic: fixed seeds, single-threaded XGBoost and BLAS, own CSV writer with fixed number
formatting. Running it twice gives byte-identical files. It prints every step, the exclusion
counts and the test-set AUROC of each model.
"""
import os

# Single-threaded BLAS/OpenMP before numpy is imported: summation order, hence the fitted
# MLP and every written number, must not depend on the machine's core count.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
import xgboost as xgb
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "raw")
MODELS = os.path.join(HERE, "models")

HORIZON_DAYS = 1826          # 5 years = 5 * 365.25 days, rounded down
SPLIT_SEED = 20240601        # train/test split
XGB_SEED = 0                 # XGBoost row subsampling
MLP_SEED = 0                 # MLP weight initialisation
AGE_BANDS = ["<50", "50-59", "60-69", "70-79", "80+"]


def say(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------------------------
# Formatting and writing
# --------------------------------------------------------------------------------------------

def fmt_num(v):
    """Shortest round-trip decimal of a float64 (Python repr), '' for missing, no '.0'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    s = repr(float(v))
    if s.endswith(".0"):
        s = s[:-2]
    return s


def fmt_score(v):
    """A float32 prediction printed with 9 significant digits: reads back to the same float32."""
    f = np.float32(v)
    if np.isnan(f):
        return ""
    return "%.9g" % float(f)


def write_csv(path, df, score_cols=()):
    """Deterministic CSV: LF line ends, header row, no quoting needed (no commas in values)."""
    cols = list(df.columns)
    out = [",".join(cols)]
    formatters = []
    for c in cols:
        if c in score_cols:
            formatters.append(fmt_score)
        elif df[c].dtype == object:
            formatters.append(lambda v: "" if v is None else str(v))
        else:
            formatters.append(fmt_num)
    for row in zip(*(df[c].tolist() for c in cols)):
        fields = [f(v) for f, v in zip(formatters, row)]
        for x in fields:
            assert "," not in x and '"' not in x and "\n" not in x, x
        out.append(",".join(fields))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(out) + "\n")
    say(f"  wrote {os.path.relpath(path, os.path.dirname(HERE))}: {len(df)} rows x {len(cols)} columns")


def age_band(age):
    a = float(age)
    if a < 50:
        return "<50"
    if a < 60:
        return "50-59"
    if a < 70:
        return "60-69"
    if a < 80:
        return "70-79"
    return "80+"


def label_5y(futime, event):
    """1 = died within 5 years, 0 = followed alive (or died) beyond 5 years, NaN = censored early."""
    lab = np.full(len(futime), np.nan)
    lab[(event == 1) & (futime <= HORIZON_DAYS)] = 1.0
    lab[futime > HORIZON_DAYS] = 0.0
    return lab


def stratified_split(df, what):
    idx = np.arange(len(df))
    tr, te = train_test_split(idx, test_size=0.4, stratify=df["death_5y"].to_numpy(),
                              random_state=SPLIT_SEED, shuffle=True)
    train = df.iloc[np.sort(tr)].reset_index(drop=True)
    test = df.iloc[np.sort(te)].reset_index(drop=True)
    say(f"  {what}: stratified 60/40 split (seed {SPLIT_SEED}): train {len(train)} "
        f"(prevalence {train.death_5y.mean():.4f}), test {len(test)} (prevalence {test.death_5y.mean():.4f})")
    return train, test


def write_test_all(cohort, full, test, scorers):
    """test_all.csv: the test rows plus the test share of the subjects censored alive before the
    horizon (their own seeded 60/40 split, so test.csv and everything before it is unchanged),
    with futime and death beside the derived columns; death_5y empty where it is unknown.

    `full` holds every raw subject (raw row order) with the derived columns, death_5y (NaN when
    censored before the horizon), futime and death; `scorers` is [(column, booster, features)].
    """
    cens = full[full["death_5y"].isna()].reset_index(drop=True)
    idx = np.arange(len(cens))
    c_tr, c_te = train_test_split(idx, test_size=0.4, random_state=SPLIT_SEED, shuffle=True)
    keep = set(test["case_id"]) | set(cens["case_id"].iloc[c_te])
    out = full[full["case_id"].isin(keep)].reset_index(drop=True)
    assert len(out) == len(test) + len(c_te)
    for col, booster, features in scorers:
        out[col] = predict(booster, out, features)
    cols = list(test.columns) + ["futime", "death"]
    out = out[cols]
    say(f"  {cohort}: censored alive at or before {HORIZON_DAYS} days: {len(cens)}, split 60/40 on their own "
        f"(seed {SPLIT_SEED}): {len(c_tr)} held back (train share, unused), {len(c_te)} into test_all.csv")
    path = os.path.join(HERE, cohort, "test_all.csv")
    write_csv(path, out, ("shadow_score", "score"))
    for col, booster, features in scorers:
        e = check_rescore(path, booster, features, col)
        say(f"  re-scored {cohort}/test_all.csv from the model files: max |diff| {col} {e:.1e}")
    # Every test.csv row reappears in test_all.csv, byte for byte, followed by ",futime,death".
    with open(os.path.join(HERE, cohort, "test.csv"), encoding="utf-8") as fh:
        old = fh.read().split("\n")[1:-1]
    with open(path, encoding="utf-8") as fh:
        new = fh.read().split("\n")[1:-1]
    byid = {line.split(",", 1)[0]: line for line in new}
    for line in old:
        row = byid[line.split(",", 1)[0]]
        assert row.rsplit(",", 2)[0] == line, (line, row)
    ev = int(np.sum((out["death"] == 1) & (out["futime"] <= HORIZON_DAYS)))
    cb = int(np.sum((out["death"] == 0) & (out["futime"] <= HORIZON_DAYS)))
    say(f"  {cohort}/test_all.csv: {len(out)} subjects ({len(test)} of test.csv, byte-identical before "
        f"futime,death; {len(c_te)} censored before {HORIZON_DAYS} days with death_5y empty); "
        f"deaths by {HORIZON_DAYS} days {ev}, censored before {cb}, all deaths {int(out['death'].sum())}")
    return out


def count_all(cohort, futime, event):
    """Every subject: events by the horizon, censored at or before it, followed beyond it."""
    n = len(futime)
    ev = int(np.sum((event == 1) & (futime <= HORIZON_DAYS)))
    cb = int(np.sum((event == 0) & (futime <= HORIZON_DAYS)))
    say(f"  {cohort}, every subject: {n}; deaths by {HORIZON_DAYS} days {ev}; censored alive at or before "
        f"{HORIZON_DAYS} days {cb}; followed beyond {HORIZON_DAYS} days {n - ev - cb}")


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

def dmatrix(df, features, label=None):
    X = df[features].to_numpy(dtype=np.float64)
    return xgb.DMatrix(X, label=label, feature_names=list(features), missing=np.nan, nthread=1)


def train_xgb(name, df, features, label, params, rounds):
    p = {"tree_method": "hist", "nthread": 1, "seed": XGB_SEED}
    p.update(params)
    dtrain = dmatrix(df, features, label)
    booster = xgb.train(p, dtrain, num_boost_round=rounds)
    path = os.path.join(MODELS, name)
    booster.save_model(path)
    size = os.path.getsize(path)
    shown = {k: v for k, v in p.items() if k not in ("nthread",)}
    say(f"  wrote datasets/models/{name}: {rounds} rounds, {shown}, features {features}, {size} bytes")
    # Reload from the JSON file: the written model is what vigil reads.
    b = xgb.Booster()
    b.load_model(path)
    return b


def predict(booster, df, features):
    return booster.predict(dmatrix(df, features))


def auroc(y, s):
    return float(roc_auc_score(np.asarray(y, dtype=int), np.asarray(s, dtype=np.float64)))


def check_rescore(path, booster, features, col):
    """Re-read a written case file and re-score it: the written column must match within 1e-6."""
    df = pd.read_csv(path, keep_default_na=True)
    fresh = predict(booster, df, features).astype(np.float64)
    written = df[col].to_numpy(dtype=np.float64)
    err = float(np.max(np.abs(fresh - written)))
    assert err <= 1e-6, (path, col, err)
    # %.9g of a float32 reads back to the identical float32.
    assert np.array_equal(written.astype(np.float32), fresh.astype(np.float32)), (path, col)
    return err


# --------------------------------------------------------------------------------------------
# flchain
# --------------------------------------------------------------------------------------------

V1_FEATURES = ["age", "male", "kappa", "lambda"]
V2_FEATURES = ["age", "male", "kappa", "lambda", "creatinine", "mgus"]
AGEGROUP_FEATURES = ["kappa", "lambda", "creatinine", "male", "mgus"]
REG_FEATURES = ["kappa", "lambda", "creatinine", "male"]


def derive_flchain():
    say("flchain (Dispenzieri et al. 2012; R survival::flchain)")
    raw = pd.read_csv(os.path.join(RAW, "flchain.csv"), keep_default_na=False,
                      na_values=[""])
    say(f"  read datasets/raw/flchain.csv: {len(raw)} rows")
    assert len(raw) == 7874
    lab = label_5y(raw["futime"].to_numpy(), raw["death"].to_numpy())
    n_pos = int(np.sum(lab == 1))
    n_neg = int(np.sum(lab == 0))
    n_excl = int(np.sum(np.isnan(lab)))
    n_late_death = int(np.sum((raw["death"] == 1) & (raw["futime"] > HORIZON_DAYS)))
    say(f"  label death_5y: died within {HORIZON_DAYS} days -> 1: {n_pos}; followed beyond "
        f"{HORIZON_DAYS} days -> 0: {n_neg} (of whom {n_late_death} died later)")
    say(f"  excluded: {n_excl} censored alive at or before {HORIZON_DAYS} days")

    df = pd.DataFrame({
        "case_id": ["FLC%05d" % (i + 1) for i in range(len(raw))],   # raw row number, 1-based
        "sample_yr": raw["sample.yr"].astype(np.int64),
        "age": raw["age"].astype(np.int64),
        "sex": raw["sex"].astype(str),
        "male": (raw["sex"] == "M").astype(np.int64),
        "age_band": [age_band(a) for a in raw["age"]],
        "kappa": raw["kappa"].astype(np.float64),
        "lambda": raw["lambda"].astype(np.float64),
        "flc_grp": raw["flc.grp"].astype(np.int64),
        "creatinine": raw["creatinine"].astype(np.float64),
        "mgus": raw["mgus"].astype(np.int64),
        "death_5y": lab,
    })
    assert set(df.sex) == {"F", "M"}
    assert np.array_equal(raw["sample.yr"].to_numpy(), df["sample_yr"].to_numpy())
    full = df.copy()                       # every subject, for test_all.csv
    full["futime"] = raw["futime"].astype(np.int64)
    full["death"] = raw["death"].astype(np.int64)
    count_all("flchain", full["futime"].to_numpy(), full["death"].to_numpy())
    df = df[~np.isnan(lab)].reset_index(drop=True)
    df["death_5y"] = df["death_5y"].astype(np.int64)
    say(f"  eligible: {len(df)} cases, prevalence {df.death_5y.mean():.4f}; "
        f"creatinine missing in {int(df.creatinine.isna().sum())}")
    train, test = stratified_split(df, "flchain")
    ytr = train["death_5y"].to_numpy()

    say("  models (trained on flchain/train.csv):")
    v1 = train_xgb("flchain_v1.json", train, V1_FEATURES, ytr,
                   {"objective": "binary:logistic", "max_depth": 3, "eta": 0.1}, 60)
    v2 = train_xgb("flchain_v2.json", train, V2_FEATURES, ytr,
                   {"objective": "binary:logistic", "max_depth": 4, "eta": 0.05,
                    "subsample": 0.8}, 150)
    deep = train_xgb("flchain_deep.json", train, V2_FEATURES, ytr,
                     {"objective": "binary:logistic", "max_depth": 7, "eta": 0.03,
                      "subsample": 0.8, "min_child_weight": 2}, 300)
    band_idx = train["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)}).to_numpy()
    agegrp = train_xgb("flchain_agegroup_softprob.json", train, AGEGROUP_FEATURES, band_idx,
                       {"objective": "multi:softprob", "num_class": len(AGE_BANDS),
                        "max_depth": 4, "eta": 0.1}, 40)
    base_age = float(round(train["age"].mean(), 1))
    reg = train_xgb("flchain_reg.json", train, REG_FEATURES, train["age"].to_numpy(np.float64),
                    {"objective": "reg:squarederror", "max_depth": 4, "eta": 0.1,
                     "base_score": base_age}, 50)

    logit = fit_logistic(train, V1_FEATURES, "flchain_logistic.json", "flchain-logistic")
    mlp = fit_mlp(train, V1_FEATURES, "flchain_mlp.json", "flchain-mlp")

    # Scores: v1 is "in service" (shadow_score), v2 the candidate (score).
    for part in (train, test, df):
        part["shadow_score"] = predict(v1, part, V1_FEATURES)
        part["score"] = predict(v2, part, V2_FEATURES)

    cases = df.iloc[np.argsort(df["sample_yr"].to_numpy(), kind="mergesort")].reset_index(drop=True)
    say("  case files:")
    write_csv(os.path.join(HERE, "flchain", "train.csv"), train, ("shadow_score", "score"))
    write_csv(os.path.join(HERE, "flchain", "test.csv"), test, ("shadow_score", "score"))
    write_csv(os.path.join(HERE, "flchain", "cases.csv"), cases, ("shadow_score", "score"))
    for f in ("train", "test", "cases"):
        p = os.path.join(HERE, "flchain", f + ".csv")
        e1 = check_rescore(p, v1, V1_FEATURES, "shadow_score")
        e2 = check_rescore(p, v2, V2_FEATURES, "score")
        say(f"  re-scored flchain/{f}.csv from the model files: max |diff| shadow_score {e1:.1e}, score {e2:.1e}")
    write_test_all("flchain", full, test, [("shadow_score", v1, V1_FEATURES), ("score", v2, V2_FEATURES)])
    yr = cases.groupby("sample_yr").agg(n=("death_5y", "size"), prevalence=("death_5y", "mean"),
                                        mean_age=("age", "mean"))
    say("  cases.csv by sample_yr (temporal order for monitors):")
    for y, r in yr.iterrows():
        say(f"    {y}: n={int(r.n):5d} prevalence={r.prevalence:.4f} mean age={r.mean_age:.1f}")

    yte = test["death_5y"].to_numpy()
    res = {
        "flchain_v1.json": auroc(yte, predict(v1, test, V1_FEATURES)),
        "flchain_v2.json": auroc(yte, predict(v2, test, V2_FEATURES)),
        "flchain_deep.json": auroc(yte, predict(deep, test, V2_FEATURES)),
        "flchain_logistic.json": auroc(yte, logit(test)),
        "flchain_mlp.json": auroc(yte, mlp(test)),
    }
    say("  test-set AUROC for death_5y (flchain/test.csv, n=%d):" % len(test))
    for k, v in res.items():
        say(f"    {k:32s} {v:.4f}")
    P = predict(agegrp, test, AGEGROUP_FEATURES)
    yb = test["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)}).to_numpy()
    acc = float(np.mean(np.argmax(P, axis=1) == yb))
    ll = float(log_loss(yb, P, labels=list(range(len(AGE_BANDS)))))
    base_acc = float(np.mean(yb == np.bincount(band_idx, minlength=5).argmax()))
    say(f"    flchain_agegroup_softprob.json   age_band: accuracy {acc:.4f} (majority class {base_acc:.4f}), "
        f"log loss {ll:.4f}; test age_band counts {np.bincount(yb, minlength=5).tolist()} for {AGE_BANDS}")
    pr = predict(reg, test, REG_FEATURES)
    ya = test["age"].to_numpy(np.float64)
    rmse = float(np.sqrt(np.mean((pr - ya) ** 2)))
    r2 = 1.0 - float(np.sum((pr - ya) ** 2) / np.sum((ya - ya.mean()) ** 2))
    say(f"    flchain_reg.json                 age: RMSE {rmse:.3f} years, R^2 {r2:.4f} "
        f"(base_score {base_age})")
    return res


# --------------------------------------------------------------------------------------------
# Logistic regression (vigil-linear) and MLP (vigil-mlp)
# --------------------------------------------------------------------------------------------

def fit_logistic(train, features, fname, name):
    X = train[features].to_numpy(np.float64)
    y = train["death_5y"].to_numpy(np.float64)
    res = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(method="newton", maxiter=100,
                                                                  tol=1e-12, disp=0)
    assert res.mle_retvals["converged"], res.mle_retvals
    params = [float(v) for v in res.params]
    doc = {"format": "vigil-linear", "version": 1, "name": name, "features": list(features),
           "coefficients": params[1:], "intercept": params[0], "link": "logit"}
    path = os.path.join(MODELS, fname)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    say(f"  wrote datasets/models/{fname}: statsmodels {statsmodels.__version__} Logit (Newton, "
        f"unpenalised, {res.mle_retvals['iterations']} iterations), intercept {params[0]:.6g}, "
        f"coefficients {dict(zip(features, [round(c, 6) for c in params[1:]]))}")

    with open(path, encoding="utf-8") as fh:
        m = json.load(fh)

    def score(df):
        Z = df[m["features"]].to_numpy(np.float64)
        margin = m["intercept"] + Z @ np.asarray(m["coefficients"])
        return 1.0 / (1.0 + np.exp(-margin))

    ref = res.predict(sm.add_constant(X, has_constant="add"))
    err = float(np.max(np.abs(score(train) - ref)))
    assert err <= 1e-12, err
    say(f"  checked {fname}: JSON forward pass = statsmodels predict (max |diff| {err:.1e})")
    return score


def fit_mlp(train, features, fname, name):
    X = train[features].to_numpy(np.float64)
    y = train["death_5y"].to_numpy(np.int64)
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(8,), activation="relu", solver="lbfgs", alpha=1e-4,
                        max_iter=3000, random_state=MLP_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no ConvergenceWarning allowed
        clf.fit(Xs, y)
    assert clf.out_activation_ == "logistic" and len(clf.coefs_) == 2
    layers = []
    acts = ["relu", "sigmoid"]
    for W, b, act in zip(clf.coefs_, clf.intercepts_, acts):
        # sklearn stores W as (n_in, n_out); vigil-mlp wants one row per unit of the layer.
        layers.append({"weights": [[float(v) for v in row] for row in W.T],
                       "bias": [float(v) for v in b], "activation": act})
    doc = {"format": "vigil-mlp", "version": 1, "name": name, "features": list(features),
           "input": {"mean": [float(v) for v in scaler.mean_],
                     "scale": [float(v) for v in scaler.scale_]},
           "layers": layers}
    path = os.path.join(MODELS, fname)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    say(f"  wrote datasets/models/{fname}: scikit-learn {sklearn.__version__} MLPClassifier(8 relu, "
        f"lbfgs, alpha 1e-4, seed {MLP_SEED}, {clf.n_iter_} iterations) + StandardScaler")

    with open(path, encoding="utf-8") as fh:
        m = json.load(fh)

    def score(df):
        h = (df[m["features"]].to_numpy(np.float64) - np.asarray(m["input"]["mean"])) \
            / np.asarray(m["input"]["scale"])
        for layer in m["layers"]:
            z = h @ np.asarray(layer["weights"]).T + np.asarray(layer["bias"])
            if layer["activation"] == "relu":
                h = np.maximum(z, 0.0)
            elif layer["activation"] == "sigmoid":
                h = 1.0 / (1.0 + np.exp(-z))
            else:
                raise ValueError(layer["activation"])
        return h[:, 0]

    ref = clf.predict_proba(scaler.transform(X))[:, 1]
    err = float(np.max(np.abs(score(train) - ref)))
    assert err <= 1e-12, err
    say(f"  checked {fname}: own numpy forward pass of the JSON = sklearn predict_proba "
        f"(max |diff| {err:.1e})")
    return score


# --------------------------------------------------------------------------------------------
# nafld1
# --------------------------------------------------------------------------------------------

NAFLD_FEATURES = ["age", "male", "weight", "height", "bmi"]


def derive_nafld1():
    say("nafld1 (Allen et al. 2018; R survival::nafld1)")
    raw = pd.read_csv(os.path.join(RAW, "nafld1.csv"), keep_default_na=False, na_values=[""])
    say(f"  read datasets/raw/nafld1.csv: {len(raw)} rows")
    assert len(raw) == 17549 and raw["id"].is_unique
    lab = label_5y(raw["futime"].to_numpy(), raw["status"].to_numpy())
    n_pos, n_neg, n_excl = int(np.sum(lab == 1)), int(np.sum(lab == 0)), int(np.sum(np.isnan(lab)))
    n_late_death = int(np.sum((raw["status"] == 1) & (raw["futime"] > HORIZON_DAYS)))
    say(f"  label death_5y: died within {HORIZON_DAYS} days -> 1: {n_pos}; followed beyond "
        f"{HORIZON_DAYS} days -> 0: {n_neg} (of whom {n_late_death} died later)")
    say(f"  excluded: {n_excl} censored alive at or before {HORIZON_DAYS} days")
    say("  no calendar time in nafld1 (futime counts from each subject's index date): "
        "no time column, no temporally ordered cases file")
    df = pd.DataFrame({
        "case_id": ["NAF%05d" % i for i in raw["id"]],            # the package's id
        "age": raw["age"].astype(np.int64),
        "sex": np.where(raw["male"] == 1, "M", "F"),
        "male": raw["male"].astype(np.int64),
        "age_band": [age_band(a) for a in raw["age"]],
        "weight": raw["weight"].astype(np.float64),
        "height": raw["height"].astype(np.float64),
        "bmi": raw["bmi"].astype(np.float64),
        "death_5y": lab,
    })
    full = df.copy()                       # every subject, for test_all.csv
    full["futime"] = raw["futime"].astype(np.int64)
    full["death"] = raw["status"].astype(np.int64)
    count_all("nafld1", full["futime"].to_numpy(), full["death"].to_numpy())
    df = df[~np.isnan(lab)].reset_index(drop=True)
    df["death_5y"] = df["death_5y"].astype(np.int64)
    miss = {c: int(df[c].isna().sum()) for c in ("weight", "height", "bmi")}
    say(f"  eligible: {len(df)} cases, prevalence {df.death_5y.mean():.4f}; missing {miss}")
    train, test = stratified_split(df, "nafld1")
    ytr = train["death_5y"].to_numpy()
    say("  models (trained on nafld1/train.csv):")
    v1 = train_xgb("nafld1_v1.json", train, NAFLD_FEATURES, ytr,
                   {"objective": "binary:logistic", "max_depth": 3, "eta": 0.1}, 80)
    v2 = train_xgb("nafld1_v2.json", train, NAFLD_FEATURES, ytr,
                   {"objective": "binary:logistic", "max_depth": 4, "eta": 0.05,
                    "subsample": 0.8}, 150)
    for part in (train, test):
        part["shadow_score"] = predict(v1, part, NAFLD_FEATURES)
        part["score"] = predict(v2, part, NAFLD_FEATURES)
    say("  case files:")
    write_csv(os.path.join(HERE, "nafld1", "train.csv"), train, ("shadow_score", "score"))
    write_csv(os.path.join(HERE, "nafld1", "test.csv"), test, ("shadow_score", "score"))
    for f in ("train", "test"):
        p = os.path.join(HERE, "nafld1", f + ".csv")
        e1 = check_rescore(p, v1, NAFLD_FEATURES, "shadow_score")
        e2 = check_rescore(p, v2, NAFLD_FEATURES, "score")
        say(f"  re-scored nafld1/{f}.csv from the model files: max |diff| shadow_score {e1:.1e}, score {e2:.1e}")
    write_test_all("nafld1", full, test, [("shadow_score", v1, NAFLD_FEATURES), ("score", v2, NAFLD_FEATURES)])
    yte = test["death_5y"].to_numpy()
    res = {"nafld1_v1.json": auroc(yte, test["shadow_score"]),
           "nafld1_v2.json": auroc(yte, test["score"])}
    say("  test-set AUROC for death_5y (nafld1/test.csv, n=%d):" % len(test))
    for k, v in res.items():
        say(f"    {k:32s} {v:.4f}")
    return res


def main():
    say(f"derive.py: python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}, xgboost {xgb.__version__}")
    if xgb.__version__ != "1.7.4":
        say(f"warning: expected xgboost 1.7.4, have {xgb.__version__}; outputs will differ")
    os.makedirs(MODELS, exist_ok=True)
    derive_flchain()
    derive_nafld1()
    say("done")


if __name__ == "__main__":
    main()
