#!/usr/bin/python3
"""Golden values for the drift engine (tests/test_drift.c).

Peers (Debian): scipy 1.10.1 ks_2samp (method 'auto': exact when max(n1, n2) <= 10000 -- scipy
1.10's rule; older scipy used n1*n2 <= 10000 -- else asymptotic; each case also records the p of
an explicit method= to pin which one ran), anderson_ksamp (midrank statistic; its p-value is capped to [0.001, 0.25], so it is
compared only inside that range), cramervonmises_2samp (method 'auto'; on tied samples the
ECDF form of the statistic with scipy's p machinery, see cvm_ecdf; where one value holds >= 5% of the
pooled sample the p of the conditional null, scipy permutation_test, see cvm_perm -- and so for
anderson_ksamp, ad_perm), wasserstein_distance,
chi2_contingency(correction=False), scipy.spatial.distance.jensenshannon (natural log);
statsmodels 0.13.5 multipletests (holm, fdr_bh) and proportions_ztest; PSI in numpy as defined
in vigil/drift.h (ten bins at reference deciles, np.quantile linear, bin b = (edge[b-1], edge[b]],
proportions floored at 1e-4). Samples: ties, unequal sizes, tiny and large, missing values
(for compare()), a category unseen in the reference (one and two), a single category, KS
asymptotic at the 10001 boundary and large with ties, an exact KS p of 4e-25, CvM exact with ties
and asymptotic at 20 vs 21; KS asymptotic where n1 n2 / (n1 + n2) ends in .5 (ks_asymp_half).
Run from the repository root:  /usr/bin/python3 tests/reference/drift_ref.py
"""
import json
import numpy as np
import scipy
import statsmodels
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

rng = np.random.default_rng(20261125)
out = {"peers": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}",
       "numeric": [], "categorical": [], "correction": [], "two_proportion": [], "compare": None}


def psi_js(ref, cur, bins=10):
    r = np.sort(ref)
    edges = []
    for b in range(1, bins):
        e = np.quantile(r, b / bins)
        if not edges or e > edges[-1]:
            edges.append(e)
    ca = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1).astype(float)
    cb = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1).astype(float)
    p = np.maximum(ca / ca.sum(), 1e-4)
    q = np.maximum(cb / cb.sum(), 1e-4)
    return float(np.sum((q - p) * np.log(q / p))), float(jensenshannon(ca / ca.sum(), cb / cb.sum())), ca, cb


def cvm_ecdf(x, y):
    """Cramer-von Mises T in its ECDF form, nm/(n+m)^2 sum_z (F(z) - G(z))^2 over the pooled
    sample, and its p by scipy's own machinery (scipy.stats._hypotests: _pval_cvm_2samp_exact
    for sizes <= 20 on U = nmN (T + (4nm-1)/(6N)), else 1 - _cdf_cvm_inf of the normalised T).
    Without ties T equals scipy's rank form (asserted below); with ties scipy's rank form is not
    a CvM statistic (midranks against 1..n: a random split of a 0/1 column gives T = 27), and
    vigil uses this form -- the goldens for tied samples are these values."""
    from scipy.stats._hypotests import _cdf_cvm_inf, _pval_cvm_2samp_exact
    xs, ys = np.sort(x), np.sort(y)
    nx, ny = len(xs), len(ys)
    z = np.concatenate([xs, ys])
    F = np.searchsorted(xs, z, side="right") / nx
    G = np.searchsorted(ys, z, side="right") / ny
    k, N = nx * ny, nx + ny
    t = k / N ** 2 * np.sum((F - G) ** 2)
    if max(nx, ny) <= 20:
        p = _pval_cvm_2samp_exact(k * N * (t + (4 * k - 1) / (6 * N)), nx, ny)
    else:
        et = (1 + 1 / N) / 6
        vt = (N + 1) * (4 * k * N - 3 * (nx ** 2 + ny ** 2) - 2 * k) / (45 * N ** 2 * 4 * k)
        tn = 1 / 6 + (t - et) / np.sqrt(45 * vt)
        p = 1.0 if tn < 0.003 else max(0, 1.0 - _cdf_cvm_inf(tn))
    return float(t), float(p)


def heavily_tied(x, y):
    """vigil's rule (drift_tests.c): one value holds >= 5% of the pooled sample (and ties exist)."""
    _, c = np.unique(np.concatenate([x, y]), return_counts=True)
    return bool(c.max() > 1 and c.max() >= 0.05 * c.sum())


PERM_RESAMPLES = 99999


def cvm_perm(x, y, seed):
    """The conditional (permutation) null of the ECDF-form T: scipy.stats.permutation_test
    (permutation_type='independent', alternative='greater', n_resamples=PERM_RESAMPLES; p =
    (1 + #{T_b >= T}) / (1 + B)). vigil draws its own permutations, so the C test allows the
    two Monte Carlo errors (binomial SE of each) between them."""
    u = np.unique(np.concatenate([x, y]))

    def stat(a, b, axis=-1):
        na, nb = a.shape[-1], b.shape[-1]
        ca = np.cumsum((a[..., None] == u).sum(axis=-2), axis=-1)
        cb = np.cumsum((b[..., None] == u).sum(axis=-2), axis=-1)
        t = (ca + cb)[..., :] - np.concatenate([np.zeros(ca.shape[:-1] + (1,)), (ca + cb)[..., :-1]], axis=-1)
        return na * nb / (na + nb) ** 2 * np.sum(t * (ca / na - cb / nb) ** 2, axis=-1)

    r = stats.permutation_test((x, y), stat, permutation_type="independent", vectorized=True,
                               n_resamples=PERM_RESAMPLES, alternative="greater", batch=2000,
                               random_state=np.random.default_rng(seed))
    assert abs(r.statistic - cvm_ecdf(x, y)[0]) <= 1e-9 * max(1, r.statistic)
    return float(r.pvalue)


AD_PERM_RESAMPLES = 19999


def ad_perm(x, y, seed):
    """The same conditional null for Anderson-Darling: permutation_test over scipy's own
    anderson_ksamp (midrank) statistic, AD_PERM_RESAMPLES resamples (not vectorised: slower)."""
    import warnings

    def stat(a, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return stats.anderson_ksamp([a, b]).statistic

    r = stats.permutation_test((x, y), stat, permutation_type="independent", n_resamples=AD_PERM_RESAMPLES,
                               alternative="greater", random_state=np.random.default_rng(seed))
    return float(r.pvalue)


cases = {
    "tiny_exact": (rng.normal(size=8), rng.normal(0.5, 1, size=12)),
    "small_ties": (rng.integers(0, 5, 30).astype(float), rng.integers(0, 6, 25).astype(float)),
    "medium_ties_exp": (np.round(rng.exponential(1, 150), 1), np.round(rng.exponential(1.3, 80), 1)),
    "exact_edge": (rng.normal(size=100), rng.normal(0.2, 1, size=100)),
    "large_unequal": (rng.normal(size=3000), rng.normal(0.1, 1.1, size=1500)),
    "identical": (np.arange(20.0), np.arange(20.0)),
}
# more cases from their own stream, so the draws above (and the compare() files) stay as they were
rng2 = np.random.default_rng(20261126)
cases.update({
    # scipy 1.10 'auto' is exact while max(n1, n2) <= 10000 (not n1*n2 <= 10000): these two are
    # asymptotic, one with a small effective n (kstwo n <= 140 branch), one large, both with ties
    "asymp_boundary": (np.round(rng2.normal(size=10001), 2), np.round(rng2.normal(0.2, 1, size=40), 2)),
    "asymp_large_ties": (np.round(rng2.normal(size=12000), 2), np.round(rng2.normal(0.03, 1, size=10500), 2)),
    "exact_tiny_p": (rng2.normal(size=300), rng2.normal(1.2, 1, size=200)),
    "cvm_exact_ties": (rng2.integers(0, 4, 15).astype(float), rng2.integers(0, 5, 18).astype(float)),
    "cvm_asymp_21": (rng2.normal(size=20), rng2.normal(0.3, 1, size=21)),
})
for name, (x, y) in cases.items():
    ks = stats.ks_2samp(x, y)
    ad = stats.anderson_ksamp([x, y])
    cvm = stats.cramervonmises_2samp(x, y)
    psi, js, ca, cb = psi_js(x, y)
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    ct, cp = cvm_ecdf(x, y)
    cvm_null, cp_cont, ad_perm_p = "continuous", cp, None
    if heavily_tied(x, y):
        # the continuous null is invalid here (drift_tests.c): the conditional one is the golden
        cvm_null, cp = "permutation", cvm_perm(x, y, 20261204)
        ad_perm_p = ad_perm(x, y, 20261205)
    if not ties:
        assert abs(ct - cvm.statistic) <= 1e-9 * max(1, ct) and abs(cp - cvm.pvalue) <= 1e-9, name
    out["numeric"].append({
        "name": name, "x": x.tolist(), "y": y.tolist(),
        "ks_stat": float(ks.statistic), "ks_p": float(ks.pvalue),
        "ks_method": "exact" if max(len(x), len(y)) <= 10000 else "asymp",
        "ks_p_method_check": float(stats.ks_2samp(x, y, method="exact" if max(len(x), len(y)) <= 10000
                                                  else "asymp").pvalue),
        "cvm_method": "exact" if max(len(x), len(y)) <= 20 else "asymptotic",
        "ad_stat": float(ad.statistic), "ad_p_scipy_capped": float(ad.significance_level),
        "cvm_stat_scipy": float(cvm.statistic), "cvm_p_scipy": float(cvm.pvalue), "ties": bool(ties),
        "cvm_stat": ct, "cvm_p": cp,  # = scipy's without ties; the ECDF form with them
        "cvm_null": cvm_null, "cvm_p_continuous": cp_cont, "cvm_perm_resamples": PERM_RESAMPLES,
        "ad_p_perm": ad_perm_p, "ad_perm_resamples": AD_PERM_RESAMPLES,
        "wasserstein": float(stats.wasserstein_distance(x, y)),
        "psi": psi, "js": js, "psi_counts_ref": ca.tolist(), "psi_counts_cur": cb.tolist(),
    })

# categorical count vectors (a category unseen in the reference: 0 in a)
for name, a, b in [("unseen", [30, 20, 10, 0], [25, 20, 5, 7]), ("balanced", [100, 100, 100], [90, 120, 95]),
                   ("zero_both_column", [40, 0, 60], [50, 0, 45]), ("single_level", [50], [40]),
                   ("two_unseen", [30, 20, 0, 0], [10, 10, 5, 5])]:
    a, b = np.array(a, float), np.array(b, float)
    keep = (a + b) > 0
    chi = stats.chi2_contingency(np.vstack([a[keep], b[keep]]), correction=False)
    p = np.maximum(a / a.sum(), 1e-4)
    q = np.maximum(b / b.sum(), 1e-4)
    out["categorical"].append({"name": name, "a": a.tolist(), "b": b.tolist(), "chi2": float(chi[0]),
                               "df": float(chi[2]), "p": float(chi[1]),
                               "psi": float(np.sum((q - p) * np.log(q / p))),
                               "js": float(jensenshannon(a / a.sum(), b / b.sum()))})

for ps in [[0.01, 0.04, 0.03, 0.005, 0.2, 0.5], [1e-8, 0.3, 0.3, 0.02, 0.9],
           [0.01, 0.01, 0.02, 0.02, 0.5, 1e-30, 0.004]]:
    out["correction"].append({"p": ps, "holm": multipletests(ps, method="holm")[1].tolist(),
                              "bh": multipletests(ps, method="fdr_bh")[1].tolist()})
# (0, 60, 60, 60): a feature missing in no reference case and every current one (test_not_computable)
for x1, n1, x2, n2 in [(15, 100, 30, 120), (5, 400, 9, 380), (0, 50, 3, 60), (200, 2000, 290, 1900), (0, 60, 60, 60)]:
    z, p = proportions_ztest([x1, x2], [n1, n2])
    out["two_proportion"].append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "diff": x2 / n2 - x1 / n1, "p": float(p)})

# compare(): a reference and a current file with missing values and a categorical column
n1, n2 = 400, 300
ref = {"a": rng.normal(size=n1), "b": rng.gamma(2, 1, n1)}
cur = {"a": rng.normal(0.4, 1, n2), "b": rng.gamma(2, 1, n2)}
ref["b"][rng.random(n1) < 0.1] = np.nan
cur["b"][rng.random(n2) < 0.3] = np.nan
cref = rng.choice(["x", "y", "z"], n1, p=[0.5, 0.3, 0.2])
ccur = rng.choice(["x", "y", "z", "w"], n2, p=[0.4, 0.3, 0.2, 0.1])
with open("tests/reference/drift/ref.csv", "w") as f:
    f.write("a,b,c\n")
    for i in range(n1):
        f.write(f"{ref['a'][i]!r},{'' if np.isnan(ref['b'][i]) else repr(ref['b'][i])},{cref[i]}\n")
with open("tests/reference/drift/cur.csv", "w") as f:
    f.write("a,b,c\n")
    for i in range(n2):
        f.write(f"{cur['a'][i]!r},{'' if np.isnan(cur['b'][i]) else repr(cur['b'][i])},{ccur[i]}\n")
feats = {}
pv = []
for k in ("a", "b"):
    x, y = ref[k][~np.isnan(ref[k])], cur[k][~np.isnan(cur[k])]
    ks = stats.ks_2samp(x, y)
    w = stats.wasserstein_distance(x, y)
    psi, js, _, _ = psi_js(x, y)
    mz, mp = proportions_ztest([int(np.isnan(ref[k]).sum()), int(np.isnan(cur[k]).sum())], [n1, n2]) \
        if np.isnan(ref[k]).any() or np.isnan(cur[k]).any() else (np.nan, 1.0)
    feats[k] = {"n_ref": int(len(x)), "n_cur": int(len(y)), "ks_stat": float(ks.statistic), "ks_p": float(ks.pvalue),
                "wasserstein_norm": float(w / np.std(x, ddof=1)), "psi": psi, "js": js, "missing_p": float(mp),
                "cvm_stat": cvm_ecdf(x, y)[0],
                "ad_stat": float(stats.anderson_ksamp([x, y]).statistic)}
    pv.append(float(ks.pvalue))
levels = ["x", "y", "z", "w"]
a = np.array([(cref == l).sum() for l in levels], float)
b = np.array([(ccur == l).sum() for l in levels], float)
chi = stats.chi2_contingency(np.vstack([a, b]), correction=False)
p = np.maximum(a / a.sum(), 1e-4)
q = np.maximum(b / b.sum(), 1e-4)
feats["c"] = {"n_ref": n1, "n_cur": n2, "chi2": float(chi[0]), "chi2_p": float(chi[1]), "df": float(chi[2]),
              "psi": float(np.sum((q - p) * np.log(q / p))), "n_unseen": 1}
pv.append(float(chi[1]))
adj = multipletests(pv, method="holm")[1]
for k, pa in zip(("a", "b", "c"), adj):
    feats[k]["p_adjusted"] = float(pa)
    eff = feats[k].get("wasserstein_norm", feats[k]["psi"])
    feats[k]["drift"] = bool(pa < 0.01 and eff >= 0.1)
out["compare"] = feats
# KS asymptotic p where m n / (m + n) ends in .5: scipy's kstwo.sf(d, np.round(en)) rounds half to
# even (10001 vs 10001: en = 5000.5 -> 5000). Samples are deterministic (x = 0..n1-1, y = (0..n2-1
# + shift) / scale), so the C test rebuilds them; the p at the other neighbour is recorded to show
# the case tells the two roundings apart.
out["ks_asymp_half"] = []
for n1, n2, scale, shift in [(10001, 10001, 1, 133), (6670, 20010, 3, 400)]:
    x = np.arange(n1, dtype=float)
    y = (np.arange(n2, dtype=float) + shift) / scale
    ks = stats.ks_2samp(x, y)
    en = float(n1) * n2 / (n1 + n2)
    assert en % 1 == 0.5 and ks.pvalue == stats.kstwo.sf(ks.statistic, np.round(en))
    out["ks_asymp_half"].append({"n1": n1, "n2": n2, "scale": scale, "shift": shift,
                                 "ks_stat": float(ks.statistic), "ks_p": float(ks.pvalue), "en": en,
                                 "p_half_away": float(stats.kstwo.sf(ks.statistic, np.floor(en) + 1))})
# CvM on a 0/1 column against its exact conditional null: given the pooled count of ones m, the
# ones in x are hypergeometric, and T is a function of |a - m n1 / N| alone, so the exact p is
# scipy.stats.hypergeom's mass at least that far from the mean. vigil's Monte Carlo permutation p
# must agree within its error, and reach below 1/2000 when the shift is large (its sequential
# extension). Samples: x = a1 ones among n1, y = b1 ones among n2.
out["cvm_binary"] = []
for n1, a1, n2, b1 in [(1500, 500, 1500, 520), (1500, 500, 1500, 560), (1500, 500, 1500, 580), (1500, 500, 1500, 600),
                       (1500, 500, 1500, 800), (40, 10, 30, 12)]:
    x = np.r_[np.zeros(n1 - a1), np.ones(a1)]
    y = np.r_[np.zeros(n2 - b1), np.ones(b1)]
    N, m = n1 + n2, a1 + b1
    h = stats.hypergeom(N, m, n1)
    k = np.arange(max(0, m - n2), min(m, n1) + 1)
    dist = np.abs(k * N - m * n1)
    pexact = float(h.pmf(k)[dist >= abs(a1 * N - m * n1)].sum())
    out["cvm_binary"].append({"n1": n1, "a1": a1, "n2": n2, "b1": b1, "cvm_stat": cvm_ecdf(x, y)[0],
                              "p_exact": pexact, "p_continuous": cvm_ecdf(x, y)[1]})
# MMD^2 (unbiased, RBF kernel, median-heuristic bandwidth over distinct pooled pairs): numpy
from scipy.spatial.distance import pdist, cdist
out["mmd"] = []
for name, m, n, d, shift in [("mmd_even_pairs", 40, 30, 3, 0.8), ("mmd_odd_pairs", 25, 22, 5, 0.0)]:
    x = rng.normal(size=(m, d))
    y = rng.normal(shift, 1, size=(n, d))
    z = np.vstack([x, y])
    bw = float(np.median(pdist(z)))
    k = lambda a, b: np.exp(-cdist(a, b, "sqeuclidean") / (2 * bw * bw))
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    mmd = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean()
    out["mmd"].append({"name": name, "x": x.ravel().tolist(), "y": y.ravel().tolist(), "n1": m, "n2": n, "d": d,
                       "bandwidth": bw, "mmd2": float(mmd), "shifted": shift > 0})
json.dump(out, open("tests/reference/drift/golden.json", "w"), separators=(",", ":"))
print("wrote tests/reference/drift/golden.json")
