/* Time-to-event validation at a horizon (vigil/survival.h). One sort by time gives both
 * Kaplan-Meier curves (the event's and the censoring's), the inverse-probability-of-censoring
 * weights and the censoring term of every influence function; one sort by risk gives the
 * AUROC's pair sums and Harrell's C. O(n log n) throughout: no pair loop.
 *
 * The influence functions are those riskRegression 2022.11.28 uses for Score's se with
 * cens.model = "km" (getIC0AUC, getInfluenceFunctionAUCKMCensoringTerm and
 * getInfluenceFunctionBrierKMCensoringTerm), written here from their definition: for a
 * statistic built from weights 1/G(s), subject k moves it by (its own term, weights fixed) plus
 * sum over weights of weight * IF_k(Lambda_C(s)), with the Nelson-Aalen influence function
 *   IF_k(Lambda_C(t)) = n (1 - E_k) [T_k <= t] / Y(T_k) - n sum_{s <= min(T_k, t)} dC(s) / Y(s)^2,
 * Y(s) = #{T >= s}, dC(s) the censorings at s. A case's weight is 1/G(T-): its censoring term
 * stops at the unique time before T. */
#include "vigil/survival.h"
#include "vigil/error.h"
#include "stats/metrics_internal.h"
#include "stats/survival.h"
#include "core/parallel.h"
#include "core/sort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n, nu;       /* subjects, unique times */
    uint32_t *ot;       /* rows in time order */
    double *ts;         /* the times in that order, and the events: the passes in time order */
    uint8_t *es;        /* read these, not time[ot[j]] (one gather instead of one per pass) */
    uint32_t *u_of;     /* row -> its unique-time index */
    /* per unique time u (one block of KM_TABLES x nu doubles): the passes over the rows look
     * these up instead of dividing per row */
    double *Y;          /* at risk at unique time u */
    double *Gm;         /* censoring KM just before unique time u */
    double *mc;         /* n sum_{s <= u} dC / Y^2 */
    double *ig;         /* 1 / Gm: a case's weight */
    double *mp;         /* mc at the unique time before u (0 for the first) */
    double *fc, *fe;    /* IF_k(Lambda_C(T_k)) of a subject censored / with its event at u */
    double GH, mcH;     /* G(H) and mc at the last unique time <= H (1 and 0 when none) */
    size_t uH;          /* unique times <= H */
} km_pass;

enum { KM_TABLES = 7 };

/* Each row's role at H in one byte (the low two bits), with E = 0 in a third bit: the passes
 * over the rows read it instead of the time and the event. */
enum { NEITHER, CASE, CONTROL, ROLE = 3, CENSORED = 4 }; /* censored by H; event by H; event-free past H */

static void km_free(km_pass *k)
{
    free(k->ot);
    free(k->ts);
    free(k->es);
    free(k->u_of);
    free(k->Y);
}

/* The time sort and both KM ingredients. */
static int km_build(km_pass *k, const double *time, const double *event, size_t n, double H)
{
    memset(k, 0, sizeof *k);
    k->n = n;
    k->ot = malloc(n * sizeof *k->ot);
    k->u_of = malloc(n * sizeof *k->u_of);
    k->ts = malloc(n * sizeof *k->ts);
    k->es = malloc(n);
    if (!k->ot || !k->u_of || !k->ts || !k->es || vigil_sort_order_values(time, n, k->ot, k->ts) != 0)
        return VIGIL_ENOMEM;
    for (size_t j = 0; j < n; j++) k->es[j] = event[k->ot[j]] == 1;
    size_t nu = n > 0;
    for (size_t j = 1; j < n; j++) nu += k->ts[j] != k->ts[j - 1];
    if (!(k->Y = malloc(KM_TABLES * (nu ? nu : 1) * sizeof *k->Y))) return VIGIL_ENOMEM;
    double **tab[KM_TABLES - 1] = {&k->Gm, &k->mc, &k->ig, &k->mp, &k->fc, &k->fe};
    for (size_t q = 0; q < KM_TABLES - 1; q++) *tab[q] = k->Y + (q + 1) * nu;
    double G = 1, mc = 0;
    k->GH = 1;
    k->mcH = 0;
    size_t u = 0;
    for (size_t a = 0; a < n; u++) {
        double t = k->ts[a], c = 0;
        size_t b = a;
        for (; b < n && k->ts[b] == t; b++) {
            k->u_of[k->ot[b]] = (uint32_t)u;
            c += !k->es[b];
        }
        double Y = (double)(n - a), d = (double)(b - a) - c;
        k->Y[u] = Y;
        k->Gm[u] = G;
        k->ig[u] = 1 / G;
        k->mp[u] = mc;
        if (c > 0) G *= 1 - c / (Y - d); /* prodlim's reverse KM: events at t leave first */
        mc += c / (Y * Y) * (double)n;
        k->mc[u] = mc;
        k->fc[u] = (double)n / Y - mc;
        k->fe[u] = 0 - mc;
        if (t <= H) {
            k->GH = G;
            k->mcH = mc;
            k->uH = u + 1;
        }
        a = b;
    }
    k->nu = u;
    return VIGIL_OK;
}

/* IF_k(Lambda_C(T_k)) for subject k at unique time u with role byte c: the value every later
 * weight sees. */
static double if_at_own(const km_pass *k, uint32_t u, uint8_t c) { return c & CENSORED ? k->fc[u] : k->fe[u]; }

static double if_horizon(const km_pass *k, uint32_t u, uint8_t c) { return u < k->uH ? if_at_own(k, u, c) : -k->mcH; }

/* For weights a over the cases (rows with E = 1, T <= H), accumulated per unique time by
 * case_add (after[u] = sum of a over the cases at u, before[u] = sum of a * (-mc at the unique
 * time before u)), case_sums makes after[u] the sum over cases later than u and before[u] the
 * sum over cases at or before u: then
 *   sum_cases a_i IF_k(Lambda_C(T_i-)) = if_at_own(k) * after[u_k] + before[u_k].
 * Rows that are not cases add a = 0 (after and before never hold -0, so adding 0 changes no
 * bit): the passes need no branch on the role. */
static void case_add(const km_pass *k, double *after, double *before, uint32_t u, double a)
{
    after[u] += a;
    before[u] -= a * k->mp[u];
}

static void case_sums(const km_pass *k, double *after, double *before)
{
    double tot = 0, cum = 0;
    for (size_t u = 0; u < k->nu; u++) tot += after[u];
    for (size_t u = 0; u < k->nu; u++) {
        tot -= after[u];
        after[u] = tot;
        cum += before[u];
        before[u] = cum;
    }
}

static void se_ci(const double *IF, size_t n, double v, double z, double *se, double *lo, double *hi)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++) m += IF[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) ss += (IF[i] - m) * (IF[i] - m);
    *se = n > 1 ? sqrt(ss / (double)(n - 1)) / sqrt((double)n) : NAN;
    *lo = fmax(0, v - z * *se);
    *hi = fmin(1, v + z * *se);
}

typedef struct {
    const double *risk, *time, *event;
    size_t n;
    double H, z;
    km_pass k;
    uint32_t *orisk; /* rows in risk order */
    double *rs;      /* the risks in that order */
    uint8_t *cls;    /* each row's role byte */
    /* the second half's own scratch (Harrell's C and the KM groups run beside the AUROC and
     * Brier, which use h, IF and after) */
    uint32_t *rank;  /* 2n: the rows' dense risk ranks (1-based), then the ranks in time order */
    size_t nr;       /* distinct risks */
    uint8_t *grp;    /* 2n: each row's calibration group, then in time order */
    double *cA;      /* n: Harrell's C's pair counts per subject (harrell_pairs' scratch) */
    size_t groups;
    vigil_survival *o;
    double *h, *IF, *after;              /* after: 4 x nu (the AUROC's two weights' sums) */
} sv_work;

static int is_case(const sv_work *s, size_t i) { return (s->cls[i] & ROLE) == CASE; }
static int is_ctrl(const sv_work *s, size_t i) { return (s->cls[i] & ROLE) == CONTROL; }

/* The value for a row of this role (NEITHER: 0), picked from a table rather than branched on:
 * the roles follow no pattern, and a mispredicted branch also stalls the loads in flight (the
 * pass in risk order reads the rows at random). Both values are computed; the other is unused. */
static double by_role(int role, double if_case, double if_ctrl)
{
    const double v[4] = {0, if_case, if_ctrl, 0};
    return v[role];
}

/* Each row's role byte, so the passes read one byte per row; with o, the block's counts and
 * mean risk in the same pass. */
static void classify(sv_work *s, vigil_survival *o)
{
    double m = 0;
    size_t count[4] = {0};
    for (size_t i = 0; i < s->n; i++) {
        int later = s->time[i] > s->H, event = s->event[i] == 1; /* no branch: the roles follow no pattern */
        int role = later ? CONTROL : event; /* CASE is 1, NEITHER 0 */
        s->cls[i] = (uint8_t)(role | (s->event[i] == 0) * CENSORED);
        m += s->risk[i];
        count[role]++;
    }
    if (!o) return;
    o->mean_risk = m / (double)s->n;
    o->events_by_horizon = (double)count[CASE];
    o->censored_before_horizon = (double)count[NEITHER]; /* checked input: E = 0 and T <= H */
    o->event_free = (double)count[CONTROL];
}

/* AUROC and its se. h[i]: a case's weight of controls below it (ties one half), a control's
 * weight of cases above it. The sums over rows run in row order (the numbers do not depend on
 * how the passes are arranged); a row that is not counted adds 0. */
static void auroc(vigil_survival *o, sv_work *s)
{
    size_t n = s->n;
    const km_pass *k = &s->k;
    const uint8_t *cls = s->cls;
    const uint32_t *u_of = k->u_of;
    /* a row's weight, by_role(role, ig[u], wctrl), is looked up where it is used rather than
     * kept: the pass in risk order then reads 5 bytes of the row at random instead of 9 */
    double *h = s->h, wctrl = 1 / k->GH, Wcase = 0, Wctrl = 0;
    for (size_t i = 0; i < n; i++) {
        int role = cls[i] & ROLE;
        double x = by_role(role, k->ig[u_of[i]], wctrl);
        Wcase += by_role(role, x, 0);
        Wctrl += by_role(role, 0, x);
    }
    if (o->events_by_horizon == 0 || o->event_free == 0) {
        o->auc_reason = o->events_by_horizon == 0 ? "no event by the horizon: no case to rank"
                                                  : "nobody is followed event-free past the horizon: no control";
        return;
    }
    double below_ctrl = 0, below_case = 0;
    for (size_t a = 0; a < n;) {
        double r = s->rs[a], gc = 0, gk = 0;
        size_t b = a;
        for (; b < n && s->rs[b] == r; b++) {
            size_t i = s->orisk[b];
            int role = cls[i] & ROLE;
            double x = by_role(role, k->ig[u_of[i]], wctrl);
            gc += by_role(role, x, 0);
            gk += by_role(role, 0, x);
        }
        double hcase = below_ctrl + 0.5 * gk, hctrl = (Wcase - below_case - gc) + 0.5 * gc;
        for (size_t j = a; j < b; j++) {
            size_t i = s->orisk[j];
            h[i] = by_role(cls[i] & ROLE, hcase, hctrl); /* NEITHER: unused (its weight is 0) */
        }
        below_ctrl += gk;
        below_case += gc;
        a = b;
    }
    /* n^2 nu, and the censoring terms of a = w h (numerator) and b = w (denominator) over the
     * cases in one pass */
    double nu2 = 0, *aafter = s->after, *abefore = aafter + k->nu, *bafter = abefore + k->nu, *bbefore = bafter + k->nu;
    memset(aafter, 0, 4 * k->nu * sizeof *aafter);
    for (size_t i = 0; i < n; i++) {
        int role = cls[i] & ROLE;
        uint32_t u = u_of[i];
        double w = by_role(role, k->ig[u], wctrl), a = by_role(role, w * h[i], 0), b = by_role(role, w, 0);
        nu2 += a;
        case_add(k, aafter, abefore, u, a);
        case_add(k, bafter, bbefore, u, b);
    }
    case_sums(k, aafter, abefore);
    case_sums(k, bafter, bbefore);
    o->auc = nu2 / (Wcase * Wctrl);
    double dn = (double)n, mu = Wcase * Wctrl / (dn * dn), nu = nu2 / (dn * dn);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = cls[i];
        int role = c & ROLE;
        uint32_t u = u_of[i];
        double wn = by_role(role, k->ig[u], wctrl) / dn, num0 = wn * h[i];
        double den0 = by_role(role, wn * Wctrl, wn * Wcase);
        num0 = by_role(role, num0, num0);
        double f = if_at_own(k, u, c), fH = if_horizon(k, u, c);
        double num = num0 + (f * aafter[u] + abefore[u]) / (dn * dn) + fH * nu;
        double den = den0 + (f * bafter[u] + bbefore[u]) * Wctrl / (dn * dn) + fH * mu;
        s->IF[i] = (num * mu - den * nu) / (mu * mu);
    }
    se_ci(s->IF, n, o->auc, s->z, &o->auc_se, &o->auc_ci_low, &o->auc_ci_high);
}

/* The IPCW Brier score and its se; h holds the residuals. */
static void brier(vigil_survival *o, sv_work *s)
{
    size_t n = s->n;
    const km_pass *k = &s->k;
    const uint8_t *cls = s->cls;
    const uint32_t *u_of = k->u_of;
    double dn = (double)n, sum = 0, ctrl = 0;
    double *res = s->h, *after = s->after, *before = after + k->nu;
    memset(after, 0, 2 * k->nu * sizeof *after);
    for (size_t i = 0; i < n; i++) {
        double r = s->risk[i];
        int role = cls[i] & ROLE;
        uint32_t u = u_of[i];
        double x = by_role(role, (1 - r) * (1 - r) / k->Gm[u], r * r / k->GH);
        res[i] = x;
        sum += x;
        ctrl += by_role(role, 0, x);
        case_add(k, after, before, u, by_role(role, x, 0));
    }
    case_sums(k, after, before);
    o->brier = sum / dn;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = cls[i];
        uint32_t u = u_of[i];
        double f = if_at_own(k, u, c), fH = if_horizon(k, u, c);
        s->IF[i] = res[i] - o->brier + (f * after[u] + before[u]) / dn + fH * ctrl / dn;
    }
    se_ci(s->IF, n, o->brier, s->z, &o->brier_se, &o->brier_ci_low, &o->brier_ci_high);
}

/* Harrell's C: times from the last back, a Fenwick tree of the risk ranks of everyone later
 * (a censoring tied with an event counts as later); each event is compared with them. The
 * counts are whole numbers (exact in doubles below 2^53), so the order within a tie group is
 * free: rt holds each group's censored ranks first, then its events', and the passes over a
 * group branch on nothing but the tree's walks.
 * With A (n doubles of scratch) also every subject's derivative of C with respect to its case
 * weight, dC/dw_j = (A_j - C N_j) / pairs, for the infinitesimal jackknife: A_j its concordant
 * pairs + half its tied-risk ones as an event (the backward pass) and as the later member (a
 * forward pass: the events before it), kept at its place in rt; N_j its comparable pairs,
 * which its tie group's counts give (an event: everyone later and the group's censorings, and
 * the events before the group; a censoring: the events before it and the group's). A_j and
 * N_j are whole or half counts, exact whatever the order they are summed in. The derivatives
 * are taken in time order (k.ot: the order before the groups' censored-first layout, the same
 * subject at j for two models on one KM pass), into D where it is given, and *ss = the sum of
 * their squares in that order. */
static int harrell_pairs(vigil_survival *o, sv_work *s, double *A, double *D, double *ss)
{
    size_t n = s->n, nr = s->nr;
    uint32_t *rank = s->rank, *rt = rank + n; /* by row, in time order */
    /* the Fenwick tree of counts and the count per rank, over the distinct risks only (32-bit:
     * n < 2^32; a tree of 10^4 ranks stays in the first-level cache) */
    uint32_t *bit = calloc(2 * (nr + 1), sizeof *bit), *at = bit + nr + 1;
    if (!bit) return vigil_error_set(VIGIL_ENOMEM, "out of memory for Harrell's C of %zu subjects", n);
    const uint32_t *ot = s->k.ot;
    const double *ts = s->k.ts;
    const uint8_t *es = s->k.es;
    for (size_t a = 0, b; a < n; a = b) {
        size_t c = 0;
        for (b = a; b < n && ts[b] == ts[a]; b++) c += !es[b];
        for (size_t j = a, pc = a, pe = a + c; j < b; j++) {
            rt[es[j] ? pe : pc] = rank[ot[j]];
            pe += es[j];
            pc += !es[j];
        }
    }
    double conc = 0, disc = 0, tied = 0, later = 0;
    for (size_t b = n, a, c; b > 0; b = a) {
        for (a = b, c = 0; a > 0 && ts[a - 1] == ts[b - 1]; a--) c += !es[a - 1];
        for (size_t j = a; j < a + c; j++) { /* the group's censorings: later than its events */
            for (size_t x = rt[j]; x <= nr; x += x & (~x + 1)) bit[x] += 1;
            at[rt[j]]++;
        }
        later += (double)c;
        for (size_t j = a + c; j < b; j++) {
            uint64_t lt = 0;
            double eq = at[rt[j]];
            for (size_t x = rt[j] - 1; x > 0; x -= x & (~x + 1)) lt += bit[x];
            conc += (double)lt;
            tied += eq;
            disc += later - (double)lt - eq;
            if (A) A[j] = (double)lt + 0.5 * eq;
        }
        for (size_t j = a + c; j < b; j++) {
            for (size_t x = rt[j]; x <= nr; x += x & (~x + 1)) bit[x] += 1;
            at[rt[j]]++;
        }
        later += (double)(b - a - c);
    }
    double pairs = conc + disc + tied;
    o->c_harrell = pairs > 0 ? (conc + 0.5 * tied) / pairs : NAN;
    if (!A || !(pairs > 0)) {
        for (size_t j = 0; D && j < n; j++) D[j] = NAN;
        if (ss) *ss = NAN;
        free(bit);
        return VIGIL_OK;
    }
    /* forward: each subject against the events before it (an event at its own time is before a
     * censored subject, not before another event); concordant where the event's risk is higher.
     * A group's counts are then whole, and its derivatives (survival's dfbeta / 2) are taken
     * while it is in cache, in time order. */
    memset(bit, 0, 2 * (nr + 1) * sizeof *bit);
    double C = o->c_harrell, sum = 0, before = 0; /* before: the events of earlier groups */
    for (size_t a = 0, b; a < n; a = b) {
        size_t c = 0;
        for (b = a; b < n && ts[b] == ts[a]; b++) c += !es[b];
        for (size_t j = a + c; j < b; j++) { /* the group's events: the events of earlier groups */
            uint64_t le = 0;
            for (size_t x = rt[j]; x > 0; x -= x & (~x + 1)) le += bit[x];
            A[j] += before - (double)le + 0.5 * at[rt[j]];
        }
        for (size_t j = a + c; j < b; j++) {
            for (size_t x = rt[j]; x <= nr; x += x & (~x + 1)) bit[x] += 1;
            at[rt[j]]++;
        }
        double ne = (double)(b - a - c), Nn[2] = {before + ne, (double)(n - b + c) + before}; /* censoring, event */
        before += ne;
        for (size_t j = a; j < a + c; j++) { /* its censorings: those and the group's own */
            uint64_t le = 0;
            for (size_t x = rt[j]; x > 0; x -= x & (~x + 1)) le += bit[x];
            A[j] = before - (double)le + 0.5 * at[rt[j]];
        }
        for (size_t j = a, pc = a, pe = a + c; j < b; j++) {
            double d = (A[es[j] ? pe : pc] - C * Nn[es[j]]) / pairs;
            pe += es[j];
            pc += !es[j];
            if (D) D[j] = d;
            sum += d * d;
        }
    }
    free(bit);
    if (ss) *ss = sum;
    return VIGIL_OK;
}

/* The infinitesimal jackknife's se of the difference of two Cs (survival::concordance's var:
 * no centring) from their derivatives. */
static double ij_se_diff(const double *a, const double *b, size_t n)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i];
        ss += d * d;
    }
    return sqrt(ss);
}

/* Harrell's C with its infinitesimal-jackknife se (as survival::concordance's $var) and the
 * interval C -/+ z se clipped to [0, 1]. */
static int harrell(vigil_survival *o, sv_work *s)
{
    double ss;
    int rc = harrell_pairs(o, s, s->cA, NULL, &ss);
    if (rc || isnan(o->c_harrell)) return rc;
    o->c_harrell_se = sqrt(ss);
    o->c_harrell_ci_low = fmax(0, o->c_harrell - s->z * o->c_harrell_se);
    o->c_harrell_ci_high = fmin(1, o->c_harrell + s->z * o->c_harrell_se);
    return VIGIL_OK;
}

/* 1 - KM survival at H with survfit's log interval. */
static void km_risk(double S, double gw, double z, double *risk, double *lo, double *hi)
{
    *risk = 1 - S;
    if (!(S > 0) || !isfinite(gw)) {
        *lo = *hi = NAN;
        return;
    }
    double se = sqrt(gw);
    *lo = 1 - fmin(1, S * exp(z * se));
    *hi = 1 - S * exp(-z * se);
}

/* Overall KM and the calibration groups' KM in one walk over the time order. */
static void km_groups(vigil_survival *o, sv_work *s, size_t k)
{
    size_t n = s->n;
    uint8_t *g = s->grp, *gt = s->grp + n; /* by row, in time order */
    double Yg[VIGIL_SURVIVAL_MAX_GROUPS] = {0}, Sg[VIGIL_SURVIVAL_MAX_GROUPS], gwg[VIGIL_SURVIVAL_MAX_GROUPS] = {0};
    double dg[VIGIL_SURVIVAL_MAX_GROUPS] = {0}, cg[VIGIL_SURVIVAL_MAX_GROUPS] = {0};
    size_t base = n / k, extra = n % k, pos = 0;
    for (size_t j = 0; j < k; j++) {
        size_t sz = base + (j < extra);
        vigil_survival_group *q = &o->group[j];
        memset(q, 0, sizeof *q);
        q->n = (double)sz;
        double m = 0;
        size_t ev = 0; /* counted here, not in *q: the byte stores to g may alias it */
        for (size_t r = 0; r < sz; r++, pos++) {
            size_t i = s->orisk[pos];
            g[i] = (uint8_t)j;
            m += s->rs[pos];
            ev += is_case(s, i);
        }
        q->events_by_horizon = (double)ev;
        q->mean_risk = m / (double)sz;
        Yg[j] = (double)sz;
        Sg[j] = 1;
    }
    double S = 1, gw = 0;
    const uint32_t *ot = s->k.ot;
    const double *ts = s->k.ts;
    const uint8_t *es = s->k.es;
    for (size_t j = 0; j < n; j++) gt[j] = g[ot[j]];
    size_t gi = 0; /* the next grid time of the groups' curves */
#define CURVE_T(i) (s->H * (double)((i) + 1) / VIGIL_SURVIVAL_CURVE)
#define CURVE_RECORD(i)                                                                      \
    for (size_t q_ = 0; q_ < k; q_++) {                                                      \
        o->group[q_].curve_time[i] = CURVE_T(i);                                             \
        o->group[q_].curve_risk[i] = 1 - Sg[q_];                                             \
        o->group[q_].curve_at_risk[i] = Yg[q_];                                              \
    }
    for (size_t a = 0; a < n;) {
        double t = ts[a], d = 0, c = 0;
        for (; gi < VIGIL_SURVIVAL_CURVE && CURVE_T(gi) < t; gi++) CURVE_RECORD(gi) /* S just before t */
        if (t > s->H) break;
        size_t b = a;
        for (; b < n && ts[b] == t; b++) { /* whole counts: adding 0 changes nothing, and needs no branch */
            double e = es[b];
            d += e, dg[gt[b]] += e;
            c += 1 - e, cg[gt[b]] += 1 - e;
        }
        double Y = (double)(n - a);
        S *= 1 - d / Y;
        gw += d / (Y * (Y - d));
        for (size_t j = a; j < b; j++) {
            size_t q = gt[j];
            if (dg[q] + cg[q] == 0) continue;
            Sg[q] *= 1 - dg[q] / Yg[q];
            gwg[q] += dg[q] / (Yg[q] * (Yg[q] - dg[q]));
            Yg[q] -= dg[q] + cg[q];
            dg[q] = cg[q] = 0;
        }
        a = b;
    }
    for (; gi < VIGIL_SURVIVAL_CURVE; gi++) CURVE_RECORD(gi) /* grid times after the last time <= H */
#undef CURVE_RECORD
#undef CURVE_T
    km_risk(S, gw, s->z, &o->km_risk, &o->km_ci_low, &o->km_ci_high);
    for (size_t j = 0; j < k; j++) {
        vigil_survival_group *q = &o->group[j];
        km_risk(Sg[j], gwg[j], s->z, &q->observed, &q->ci_low, &q->ci_high);
    }
    o->n_groups = k;
}

/* The two independent halves, one per worker where two cores answer. */
static int halves(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    sv_work *s = ctx;
    for (size_t h = begin; h < end; h++) {
        if (h == 0) {
            auroc(s->o, s);
            brier(s->o, s);
        } else {
            int rc = harrell(s->o, s);
            if (rc) return rc;
            km_groups(s->o, s, s->groups);
        }
    }
    return VIGIL_OK;
}

/* The risk order: the sort, the risks in it and each row's dense rank (1-based) among the
 * distinct risks (rank may be NULL: no Harrell's C). */
static int risk_order(sv_work *s, uint32_t *rank)
{
    if (vigil_sort_order_values(s->risk, s->n, s->orisk, s->rs) != 0) return VIGIL_ENOMEM;
    size_t nr = 0;
    for (size_t j = 0; rank && j < s->n; j++) {
        if (j == 0 || s->rs[j] != s->rs[j - 1]) nr++;
        rank[s->orisk[j]] = (uint32_t)nr;
    }
    s->nr = nr;
    return VIGIL_OK;
}

/* The two sorts, one per worker where two cores answer: by time (both KM curves), by risk
 * (with the role bytes, the counts and the ranks). */
static int sorts(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    sv_work *s = ctx;
    for (size_t h = begin; h < end; h++) {
        if (h == 1) classify(s, s->o);
        if ((h == 0 ? km_build(&s->k, s->time, s->event, s->n, s->H) : risk_order(s, s->rank)) != 0)
            return vigil_error_set(VIGIL_ENOMEM, "out of memory for the time-to-event metrics of %zu subjects", s->n);
    }
    return VIGIL_OK;
}

int vigil_stats_survival_subset(vigil_survival *o, const double *risk, const double *time, const double *event,
                                size_t n, double H, const vigil_survival_options *opt)
{
    vigil_survival_options def = VIGIL_SURVIVAL_OPTIONS_INIT;
    if (!opt) opt = &def;
    memset(o, 0, sizeof *o);
    o->horizon = H;
    o->n = (double)n;
    o->auc = o->auc_se = o->auc_ci_low = o->auc_ci_high = NAN;
    o->brier = o->brier_se = o->brier_ci_low = o->brier_ci_high = NAN;
    o->c_harrell = o->km_risk = o->km_ci_low = o->km_ci_high = o->mean_risk = o->oe_ratio = NAN;
    o->c_harrell_se = o->c_harrell_ci_low = o->c_harrell_ci_high = NAN;
    if (n == 0) {
        o->auc_reason = "no subjects";
        return VIGIL_OK;
    }
    size_t groups = opt->groups < 1 ? 1 : opt->groups > VIGIL_SURVIVAL_MAX_GROUPS ? VIGIL_SURVIVAL_MAX_GROUPS : opt->groups;
    if (groups > n) groups = n;
    sv_work s = {.risk = risk, .time = time, .event = event, .n = n, .H = H,
                 .z = vigil_stats_qnorm(1 - (1 - opt->level) / 2), .o = o, .groups = groups};
    int rc = VIGIL_OK;
    memset(&s.k, 0, sizeof s.k); /* km_free below whatever km_build got */
    s.orisk = malloc(n * sizeof *s.orisk);
    s.h = malloc(n * sizeof *s.h);
    s.IF = s.h; /* each row's influence replaces its h (the AUROC) or residual (the Brier), the last use of it */
    s.cls = malloc(n);
    s.rs = malloc(n * sizeof *s.rs);
    s.rank = malloc(2 * n * sizeof *s.rank);
    s.grp = malloc(2 * n);
    s.cA = malloc(n * sizeof *s.cA);
    if (!s.orisk || !s.h || !s.cls || !s.rs || !s.rank || !s.grp || !s.cA) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the time-to-event metrics of %zu subjects", n);
        goto done;
    }
    if ((rc = vigil_parallel_for((int)opt->threads, 2, 1, sorts, &s)) != 0) goto done;
    if (!(s.after = malloc(4 * s.k.nu * sizeof *s.after))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the time-to-event metrics of %zu subjects", n);
        goto done;
    }
    if ((rc = vigil_parallel_for((int)opt->threads, 2, 1, halves, &s)) != 0) goto done;
    o->oe_ratio = o->mean_risk > 0 ? o->km_risk / o->mean_risk : NAN;
done:
    km_free(&s.k);
    free(s.orisk);
    free(s.h);
    free(s.after);
    free(s.cls);
    free(s.rs);
    free(s.rank);
    free(s.grp);
    free(s.cA);
    return rc;
}

int vigil_stats_survival_regroup(vigil_survival *o, const double *risk, const double *time, const double *event,
                                 size_t n, double H, size_t k, double level)
{
    if (k < 1 || k > VIGIL_SURVIVAL_MAX_GROUPS || k > n) return vigil_error_set(VIGIL_EINVAL, "%zu risk groups", k);
    sv_work s = {.risk = risk, .time = time, .event = event, .n = n, .H = H,
                 .z = vigil_stats_qnorm(1 - (1 - level) / 2)};
    memset(&s.k, 0, sizeof s.k);
    s.orisk = malloc(n * sizeof *s.orisk);
    s.grp = malloc(2 * n);
    s.cls = malloc(n);
    s.rs = malloc(n * sizeof *s.rs);
    int rc = VIGIL_OK;
    if (s.cls) classify(&s, NULL);
    if (!s.orisk || !s.grp || !s.cls || !s.rs || km_build(&s.k, time, event, n, H) != 0 || risk_order(&s, NULL) != 0)
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the calibration groups of %zu subjects", n);
    else
        km_groups(o, &s, k);
    km_free(&s.k);
    free(s.rs);
    free(s.orisk);
    free(s.grp);
    free(s.cls);
    return rc;
}

/* The checks of vigil_survival_compute. */
static int check_inputs(const double *risk, const double *time, const double *event, size_t n, double H,
                        const vigil_survival_options *opt)
{
    if (n >= UINT32_MAX) return vigil_error_set(VIGIL_EINVAL, "too many subjects (%zu)", n); /* 32-bit orders */
    if (!(isfinite(H) && H > 0)) return vigil_error_set(VIGIL_EINVAL, "horizon %g is not a positive number", H);
    if (opt && !(opt->level > 0 && opt->level < 1))
        return vigil_error_set(VIGIL_EINVAL, "confidence level %g is not between 0 and 1", opt->level);
    double tmax = -INFINITY;
    enum { BLOCK = 4096 }; /* a block is checked without a branch per row, and read again only when it fails */
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t e = n - b < BLOCK ? n : b + BLOCK;
        int ok = 1;
        for (size_t i = b; i < e; i++)
            ok &= (time[i] >= 0) & (time[i] < INFINITY) & ((event[i] == 0) | (event[i] == 1)) & (risk[i] >= 0) &
                  (risk[i] <= 1);
        for (size_t i = b; !ok && i < e; i++) {
            if (!(time[i] >= 0) || !isfinite(time[i]))
                return vigil_error_set(VIGIL_EINVAL, "time: row %zu: value %g is missing or negative", i + 1, time[i]);
            if (!(event[i] == 0 || event[i] == 1))
                return vigil_error_set(VIGIL_EINVAL, "event: row %zu: value %g is not 0 (censored) or 1 (event)",
                                       i + 1, event[i]);
            if (!(risk[i] >= 0 && risk[i] <= 1))
                return vigil_error_set(VIGIL_EINVAL, "risk: row %zu: value %g is not a probability in [0, 1]", i + 1,
                                       risk[i]);
        }
        for (size_t i = b; i < e; i++) tmax = time[i] > tmax ? time[i] : tmax;
    }
    if (n && H > tmax)
        return vigil_error_set(VIGIL_EINVAL, "horizon %g is beyond the last follow-up time %g: nobody is at risk at it",
                               H, tmax);
    return VIGIL_OK;
}

int vigil_survival_compute(vigil_survival *o, const double *risk, const double *time, const double *event, size_t n,
                           double H, const vigil_survival_options *opt)
{
    if (!o || (n && (!risk || !time || !event))) return vigil_error_set(VIGIL_EINVAL, "survival: missing input");
    int rc = check_inputs(risk, time, event, n, H, opt);
    return rc ? rc : vigil_stats_survival_subset(o, risk, time, event, n, H, opt);
}

/* ---- two models on the same subjects ------------------------------------------------------ */

/* One model's pass over the shared KM: its risk order, AUROC and Brier, and their influence
 * functions kept (the AUROC's only where it is defined). */
typedef struct {
    sv_work s;
    vigil_survival o;
    double *if_auc, *if_brier, *if_c; /* if_c: dC/dw in time order (harrell_pairs) */
    double c_ss;                      /* the sum of their squares, in that order */
} pm_model;

static int pm_one(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    pm_model *m = ctx;
    for (size_t h = begin; h < end; h++) {
        pm_model *x = &m[h];
        size_t n = x->s.n;
        auroc(&x->o, &x->s);
        if (!isnan(x->o.auc)) memcpy(x->if_auc, x->s.IF, n * sizeof *x->if_auc);
        brier(&x->o, &x->s);
        memcpy(x->if_brier, x->s.IF, n * sizeof *x->if_brier);
        /* h is free again (the Brier's influence is kept): the pair counts' scratch */
        int rc = harrell_pairs(&x->o, &x->s, x->s.h, x->if_c, &x->c_ss);
        if (rc) return rc;
    }
    return VIGIL_OK;
}

/* se, interval and p of a difference d from the difference of two influence functions. */
static void diff_ci(const double *a, const double *b, size_t n, double d, double z, double *se, double *lo,
                    double *hi, double *p)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++) m += a[i] - b[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) ss += (a[i] - b[i] - m) * (a[i] - b[i] - m);
    *se = n > 1 ? sqrt(ss / (double)(n - 1)) / sqrt((double)n) : NAN;
    *lo = d - z * *se;
    *hi = d + z * *se;
    *p = *se > 0 ? 2 * vigil_stats_pnorm_upper(fabs(d) / *se) : NAN; /* as Score: NaN when se is 0 */
}

int vigil_stats_survival_compare_subset(vigil_survival_paired *o, const double *risk, const double *compare,
                                        const double *time, const double *event, size_t n, double H,
                                        const vigil_survival_options *opt)
{
    vigil_survival_options def = VIGIL_SURVIVAL_OPTIONS_INIT;
    if (!opt) opt = &def;
    memset(o, 0, sizeof *o);
    o->horizon = H;
    o->n = (double)n;
    o->auc = o->auc_compare = o->auc_diff = o->auc_se = o->auc_ci_low = o->auc_ci_high = o->auc_p = NAN;
    o->brier = o->brier_compare = o->brier_diff = o->brier_se = o->brier_ci_low = o->brier_ci_high = o->brier_p = NAN;
    o->c_harrell = o->c_harrell_compare = o->c_harrell_se = o->c_harrell_compare_se = NAN;
    o->c_diff = o->c_se = o->c_ci_low = o->c_ci_high = o->c_p = NAN;
    if (n == 0) {
        o->auc_reason = o->c_reason = "no subjects";
        return VIGIL_OK;
    }
    pm_model m[2];
    memset(m, 0, sizeof m);
    double z = vigil_stats_qnorm(1 - (1 - opt->level) / 2);
    km_pass k;
    memset(&k, 0, sizeof k);
    uint8_t *cls = malloc(n);
    sv_work c0 = {.risk = risk, .time = time, .event = event, .n = n, .H = H, .cls = cls};
    if (cls) classify(&c0, NULL);
    int rc = cls ? km_build(&k, time, event, n, H) : VIGIL_ENOMEM;
    int ok = !rc;
    for (int j = 0; j < 2; j++) {
        sv_work *s = &m[j].s;
        *s = (sv_work){.risk = j ? compare : risk, .time = time, .event = event, .n = n, .H = H, .z = z, .k = k,
                       .cls = cls};
        s->orisk = malloc(n * sizeof *s->orisk);
        s->rs = malloc(n * sizeof *s->rs);
        s->h = malloc(n * sizeof *s->h);
        s->IF = s->h; /* as in vigil_stats_survival_subset */
        s->after = malloc(4 * (k.nu ? k.nu : 1) * sizeof *s->after);
        m[j].if_auc = malloc(n * sizeof *m[j].if_auc);
        m[j].if_brier = malloc(n * sizeof *m[j].if_brier);
        m[j].if_c = malloc(n * sizeof *m[j].if_c);
        s->rank = malloc(2 * n * sizeof *s->rank);
        ok = ok && s->orisk && s->rs && s->h && s->after && m[j].if_auc && m[j].if_brier && m[j].if_c && s->rank &&
             risk_order(s, s->rank) == 0;
    }
    if (!ok) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory comparing the time-to-event metrics of %zu subjects", n);
        goto done;
    }
    for (int j = 0; j < 2; j++) {
        sv_work *s = &m[j].s;
        vigil_survival *q = &m[j].o;
        q->auc = q->auc_se = q->auc_ci_low = q->auc_ci_high = NAN;
        for (size_t i = 0; i < n; i++) {
            q->events_by_horizon += is_case(s, i);
            q->event_free += is_ctrl(s, i);
        }
    }
    o->events_by_horizon = m[0].o.events_by_horizon;
    o->event_free = m[0].o.event_free;
    if ((rc = vigil_parallel_for((int)opt->threads, 2, 1, pm_one, m)) != 0) goto done;
    o->auc = m[0].o.auc, o->auc_compare = m[1].o.auc;
    o->brier = m[0].o.brier, o->brier_compare = m[1].o.brier;
    o->auc_reason = m[0].o.auc_reason ? m[0].o.auc_reason : m[1].o.auc_reason;
    if (!o->auc_reason) {
        o->auc_diff = o->auc - o->auc_compare;
        diff_ci(m[0].if_auc, m[1].if_auc, n, o->auc_diff, z, &o->auc_se, &o->auc_ci_low, &o->auc_ci_high, &o->auc_p);
    }
    o->brier_diff = o->brier - o->brier_compare;
    diff_ci(m[0].if_brier, m[1].if_brier, n, o->brier_diff, z, &o->brier_se, &o->brier_ci_low, &o->brier_ci_high,
            &o->brier_p);
    o->c_harrell = m[0].o.c_harrell, o->c_harrell_compare = m[1].o.c_harrell;
    if (isnan(o->c_harrell) || isnan(o->c_harrell_compare)) { /* the same pairs for both: both or neither */
        int ev = 0;
        for (size_t i = 0; i < n && !ev; i++) ev = event[i] == 1;
        o->c_reason = ev ? "no comparable pair: no event before another subject's time" : "no event: no pair to order";
    } else {
        o->c_harrell_se = sqrt(m[0].c_ss);
        o->c_harrell_compare_se = sqrt(m[1].c_ss);
        o->c_diff = o->c_harrell - o->c_harrell_compare;
        o->c_se = ij_se_diff(m[0].if_c, m[1].if_c, n);
        o->c_ci_low = o->c_diff - z * o->c_se;
        o->c_ci_high = o->c_diff + z * o->c_se;
        o->c_p = o->c_se > 0 ? 2 * vigil_stats_pnorm_upper(fabs(o->c_diff) / o->c_se) : NAN;
    }
done:
    km_free(&k); /* zeroed first: safe whatever km_build got */
    free(cls);
    for (int j = 0; j < 2; j++) {
        sv_work *s = &m[j].s;
        free(s->orisk), free(s->rs), free(s->h), free(s->after), free(s->rank);
        free(m[j].if_auc), free(m[j].if_brier), free(m[j].if_c);
    }
    return rc;
}

int vigil_survival_compare(vigil_survival_paired *o, const double *risk, const double *compare, const double *time,
                           const double *event, size_t n, double H, const vigil_survival_options *opt)
{
    if (!o || (n && (!risk || !compare || !time || !event)))
        return vigil_error_set(VIGIL_EINVAL, "survival: missing input");
    int rc = check_inputs(risk, time, event, n, H, opt);
    for (size_t i = 0; !rc && i < n; i++)
        if (!(compare[i] >= 0 && compare[i] <= 1))
            rc = vigil_error_set(VIGIL_EINVAL, "compare: row %zu: value %g is not a probability in [0, 1]", i + 1,
                                 compare[i]);
    return rc ? rc : vigil_stats_survival_compare_subset(o, risk, compare, time, event, n, H, opt);
}
