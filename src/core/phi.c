/* PHI guard (see include/vigil/phi.h).
 *
 * Thresholds, chosen so that ordinary clinical columns (lab values, years, 0/1 flags, scores,
 * case codes declared as the id) are not flagged while an identifier column is:
 *   - a name that is an identifier on its face (surname, mrn, ssn, email, phone, dob, address,
 *     url, ip; compared without case and Latin-1 accents) is flagged whatever its values;
 *   - e-mail addresses, URLs, IP addresses, formatted SSNs and ZIP+4 codes: flagged when at
 *     least 1% of the non-missing values match (one stray match in a large free-text column
 *     is flagged too, as free text);
 *   - dates more specific than the year, phone numbers, VINs, card/account numbers: flagged
 *     when at least half of the non-missing values match;
 *   - an age column (named age, age_years, patient_age, ...) with any value over 89;
 *   - a ZIP column (zip, zipcode, postal_code, ...) with any value of more than 3 digits or a
 *     restricted 3-digit prefix (populations under 20,000; HHS list from the 2000 Census);
 *   - near-unique text: more than 90% distinct values among at least 50;
 *   - one SSN, e-mail address or date to the day among a text column's levels, however few
 *     rows hold it (a level is printed: a subgroup, a category, an id);
 *   - the case id and the time axis (role columns): not by name nor as near-unique text, the
 *     time axis not for dates; the other value rules as above (see scan_table).
 * Values are never copied into messages; a stray level's message gives its first line. */
#include "core/phi_internal.h"

#include "core/util.h"
#include "vigil/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    "a person's name",
    "a medical record, health plan, account or licence number",
    "a street address or city",
    "a Social Security number",
    "an e-mail address",
    "a URL",
    "an IP address",
    "a telephone or fax number",
    "a date more specific than the year",
    "a ZIP code with more than 3 digits or a restricted 3-digit prefix",
    "an age over 89",
    "a vehicle identification number",
    "a card or account number",
    "near-unique free text",
};

const char *vigil_phi_kind_name(vigil_phi_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "an identifier";
}

/* ---- scanning ---------------------------------------------------------------------------- */

enum { N_KINDS = VIGIL_PHI_FREE_TEXT + 1 };

typedef struct {
    vigil_phi_finding *f;
    size_t n, cap;
    size_t sampled; /* the table scanned is the first rows of unread columns: its row count */
} findings;

static int add(findings *fs, const char *col, int kind, int by_name, double share)
{
    if (fs->n == fs->cap) {
        size_t c = fs->cap ? fs->cap * 2 : 8;
        vigil_phi_finding *p = realloc(fs->f, c * sizeof *p);
        if (!p) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        fs->f = p, fs->cap = c;
    }
    fs->f[fs->n++] = (vigil_phi_finding){col, (vigil_phi_kind)kind, by_name, share, by_name ? 0 : fs->sampled, 0};
    return VIGIL_OK;
}

/* Which value kind flags a column, from the per-kind matched counts. */
static int value_verdict(const size_t *hits, size_t total, double *share)
{
    static const int any_kinds[] = {VIGIL_PHI_SSN, VIGIL_PHI_EMAIL, VIGIL_PHI_URL, VIGIL_PHI_IP,
                                    VIGIL_PHI_ZIP, VIGIL_PHI_AGE_OVER_89};
    static const int half_kinds[] = {VIGIL_PHI_DATE, VIGIL_PHI_PHONE, VIGIL_PHI_VIN, VIGIL_PHI_CARD};
    if (!total) return -1;
    for (size_t i = 0; i < sizeof any_kinds / sizeof any_kinds[0]; i++) {
        int k = any_kinds[i];
        double s = (double)hits[k] / (double)total;
        if (hits[k] && (k == VIGIL_PHI_AGE_OVER_89 || k == VIGIL_PHI_ZIP || s >= 0.01)) {
            *share = s;
            return k;
        }
    }
    for (size_t i = 0; i < sizeof half_kinds / sizeof half_kinds[0]; i++) {
        int k = half_kinds[i];
        double s = (double)hits[k] / (double)total;
        if (s >= 0.5) {
            *share = s;
            return k;
        }
    }
    return -1;
}

/* v without surrounding spaces, in buf; long values as they are (not copied). */
static const char *trimmed(const char *v, char *buf, size_t cap)
{
    size_t len = strlen(v);
    if (len >= cap) return v;
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)v[a])) a++;
    while (b > a && isspace((unsigned char)v[b - 1])) b--;
    memcpy(buf, v + a, b - a);
    buf[b - a] = '\0';
    return buf;
}

/* What a column's name says, worked out once per column (not once per value). */
typedef struct {
    int age, zip, date, phone, ssn;
} name_flags;

/* The kinds one text value is (one[k] = 1 for each), and *full = 1 when it is a date to the
 * day (date precision 2 without the name's help: see vigil_phi_is_full_date). */
static void text_kinds(const char *v, const name_flags *nf, size_t *one, int *full)
{
    char buf[64];
    v = trimmed(v, buf, sizeof buf);
    int dp = vigil_phi_date_precision(v, 0);
    *full = dp == 2;
    if (!dp && nf->date) dp = vigil_phi_date_precision(v, 1);
    one[VIGIL_PHI_SSN] = vigil_phi_is_ssn(v, nf->ssn);
    one[VIGIL_PHI_EMAIL] = vigil_phi_is_email(v);
    one[VIGIL_PHI_URL] = vigil_phi_is_url(v);
    one[VIGIL_PHI_IP] = vigil_phi_is_ip(v);
    one[VIGIL_PHI_PHONE] = vigil_phi_is_phone(v, nf->phone);
    one[VIGIL_PHI_DATE] = dp > 0;
    one[VIGIL_PHI_ZIP] = vigil_phi_is_zip4(v);
    one[VIGIL_PHI_VIN] = vigil_phi_is_vin(v);
    one[VIGIL_PHI_CARD] = vigil_phi_is_card(v);
    if (nf->zip) {
        size_t k = strlen(v);
        if ((k == 5 && vigil_phi_digits(v, 5)) || vigil_phi_is_zip4(v)) one[VIGIL_PHI_ZIP] = 1;
        else if (k == 3 && vigil_phi_digits(v, 3) && vigil_phi_restricted_zip3(vigil_phi_num_at(v, 3))) one[VIGIL_PHI_ZIP] = 1;
    }
    if (nf->age) {
        double a;
        if (vigil_parse_double(v, strlen(v), &a) == 0 && a > 89) one[VIGIL_PHI_AGE_OVER_89] = 1;
    }
}

static void number_hits(double x, const name_flags *nf, size_t *hits)
{
    if (nf->age && x > 89) hits[VIGIL_PHI_AGE_OVER_89]++;
    if (x != floor(x) || x < 0) return;
    if (nf->zip) {
        if (x >= 1000) hits[VIGIL_PHI_ZIP]++;
        else if (vigil_phi_restricted_zip3((int)x)) hits[VIGIL_PHI_ZIP]++;
    }
    if (x >= 1e12 && x < 1e19) {
        char d[32];
        int k = snprintf(d, sizeof d, "%.0f", x);
        if (k >= 13 && k <= 19 && vigil_phi_luhn(d, (size_t)k)) hits[VIGIL_PHI_CARD]++;
    }
    if (nf->date && x >= 18000101 && x <= 22001231) {
        char d[16];
        snprintf(d, sizeof d, "%.0f", x);
        if (vigil_phi_is_date(d, 1)) hits[VIGIL_PHI_DATE]++;
    }
}

/* Every column of t, by name and then by value. The role columns (the case id, the time
 * axis) are what they are by design -- an id is unique and may be named mrn, a time axis
 * holds dates -- so they skip the name rule and the near-unique-text rule, and the time axis
 * the date rule; every other value kind applies to them as to any column (issue 19: SSN and
 * e-mail ids passed and were printed, written and stored). */
static int scan_table(const vigil_table *t, const char *id_col, const char *time_col, findings *fs)
{
    int rc = VIGIL_OK;
    size_t rows = vigil_table_nrows(t);
    for (size_t c = 0; c < vigil_table_ncols(t) && !rc; c++) {
        const char *col = vigil_table_col_name(t, c);
        int is_time = time_col && strcmp(time_col, col) == 0;
        int role = is_time || (id_col && strcmp(id_col, col) == 0);
        name_t nm;
        vigil_phi_split_name(col, &nm);
        int k = vigil_phi_kind_by_name(&nm);
        if (k >= 0 && !role) {
            rc = add(fs, col, k, 1, NAN);
            continue;
        }
        size_t hits[N_KINDS] = {0}, total = 0;
        const double *num = vigil_table_numeric(t, c);
        const name_flags nf = {vigil_phi_is_age_name(&nm), vigil_phi_is_zip_name(&nm), vigil_phi_is_date_name(&nm),
                               k == VIGIL_PHI_PHONE, k == VIGIL_PHI_SSN};
        if (num) {
            for (size_t i = 0; i < rows; i++)
                if (!isnan(num[i])) total++, number_hits(num[i], &nf, hits);
            if (is_time) hits[VIGIL_PHI_DATE] = 0; /* YYYYMMDD numbers on the time axis */
        } else {
            const int32_t *codes = vigil_table_codes(t, c);
            size_t nl = vigil_table_n_levels(t, c);
            size_t *cnt = calloc(nl ? nl : 1, sizeof *cnt);
            if (!cnt) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            for (size_t i = 0; i < rows; i++)
                if (codes[i] >= 0) cnt[codes[i]]++, total++;
            size_t used = 0, lh[N_KINDS] = {0}, full_dates = 0;
            /* cnt[l] becomes the stray kinds level l is (bit k: kind k; see below) */
            for (size_t l = 0; l < nl; l++)
                if (cnt[l]) {
                    const char *v = vigil_table_level(t, c, l);
                    size_t one[N_KINDS] = {0};
                    int full;
                    used++;
                    text_kinds(v, &nf, one, &full);
                    for (size_t q = 0; q < N_KINDS; q++) hits[q] += one[q] * cnt[l], lh[q] += one[q];
                    int date = full && !is_time && !fs->sampled;
                    if (date) full_dates += cnt[l];
                    cnt[l] = (one[VIGIL_PHI_SSN] ? 1u << VIGIL_PHI_SSN : 0) |
                             (one[VIGIL_PHI_EMAIL] ? 1u << VIGIL_PHI_EMAIL : 0) |
                             (date ? 1u << VIGIL_PHI_DATE : 0);
                }
            if (is_time) hits[VIGIL_PHI_DATE] = 0;
            /* A level is a value a report prints (a subgroup, a category, an id): one SSN or
             * e-mail address among the levels, or one date to the day (a date of birth's
             * form; a year, a year-month and a band like 50-59 are not), is refused however
             * few rows hold it (issue 19: a stray identifier slipped under the share
             * thresholds). Dates only where the command loads the column (unread_policy). */
            int k2 = lh[VIGIL_PHI_SSN] ? VIGIL_PHI_SSN : lh[VIGIL_PHI_EMAIL] ? VIGIL_PHI_EMAIL : -1;
            size_t h2 = k2 >= 0 ? hits[k2] : 0;
            if (k2 < 0 && full_dates) k2 = VIGIL_PHI_DATE, h2 = full_dates;
            size_t first = rows;
            if (k2 >= 0 && h2 < total) /* where to look: the first row holding a stray level */
                for (size_t i = 0; i < rows && first == rows; i++)
                    if (codes[i] >= 0 && (cnt[codes[i]] >> k2 & 1)) first = i;
            free(cnt);
            if (k2 >= 0) {
                rc = add(fs, col, k2, 0, (double)h2 / (double)(total ? total : 1));
                if (!rc && first < rows) fs->f[fs->n - 1].line = vigil_table_row_line(t, first);
                continue;
            }
            if (!fs->sampled && !role && total >= 50 && (double)used > 0.9 * (double)total) {
                double sh = NAN;
                int vk = value_verdict(hits, total, &sh);
                rc = add(fs, col, vk >= 0 ? vk : VIGIL_PHI_FREE_TEXT, 0,
                         vk >= 0 ? sh : (double)used / (double)total);
                continue;
            }
        }
        if (fs->sampled) /* see unread_policy above vigil_phi_scan */
            hits[VIGIL_PHI_DATE] = hits[VIGIL_PHI_AGE_OVER_89] = hits[VIGIL_PHI_ZIP] = 0;
        double share = NAN;
        int vk = value_verdict(hits, total, &share);
        if (vk >= 0) rc = add(fs, col, vk, 0, share);
    }
    return rc;
}

/* unread_policy: the columns a command does not load are judged by name, and by value for the
 * identifiers that identify on their own wherever they stand -- SSNs, e-mail addresses, URLs,
 * IP addresses, phone and fax numbers, VINs, card and account numbers: a file holding them is
 * not de-identified, whatever the command reads. The quasi-identifiers judged in context --
 * dates, ages over 89, ZIP codes, near-unique text -- are judged in the columns the command
 * loads: a limited data set keeps a date column as its time axis and an id column as its key,
 * declared only to the commands that use them, and a column left out never reaches a result. */
int vigil_phi_scan(const vigil_table *t, const char *id_col, const char *time_col,
                   vigil_phi_finding **out, size_t *n)
{
    findings fs = {0};
    int rc = scan_table(t, id_col, time_col, &fs);
    /* The file's columns the command did not load: the same scan on their first rows. */
    const vigil_table *u = vigil_table_unread_sample(t);
    if (!rc && u) {
        fs.sampled = vigil_table_nrows(u);
        rc = scan_table(u, id_col, time_col, &fs);
    }
    if (rc) {
        free(fs.f);
        fs.f = NULL, fs.n = 0;
    }
    *out = fs.f, *n = fs.n;
    return rc;
}

int vigil_phi_guard(const vigil_table *t, const char *path, const char *id_col,
                    const char *time_col, const vigil_phi_allow *allow, size_t n_allow)
{
    /* An allowance for a column that was not loaded lets nothing through, so a misspelt one
     * fails safe: the real column is still flagged. */
    for (size_t a = 0; a < n_allow; a++)
        if (!allow[a].justification || !*allow[a].justification)
            return vigil_error_set(VIGIL_EINVAL, "%s: allowing column '%s' needs a justification "
                                   "(COLUMN=REASON)", path, allow[a].column);
    vigil_phi_finding *f = NULL;
    size_t n = 0;
    int rc = vigil_phi_scan(t, id_col, time_col, &f, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        int allowed = 0;
        for (size_t a = 0; a < n_allow; a++) allowed |= strcmp(allow[a].column, f[i].column) == 0;
        if (allowed) continue;
        char how[160];
        if (f[i].by_name) snprintf(how, sizeof how, "by its name");
        else if (f[i].line)
            snprintf(how, sizeof how, "by its values: %s%.0f%% of them match, the first at line %zu; "
                     "one such value is refused however few rows hold it",
                     f[i].share < 0.005 ? "under " : "", f[i].share < 0.005 ? 1.0 : 100 * f[i].share,
                     f[i].line);
        else if (f[i].sampled)
            snprintf(how, sizeof how, "by its values: %.0f%% of those in its first %zu rows match",
                     100 * f[i].share, f[i].sampled);
        else snprintf(how, sizeof how, "by its values: %.0f%% of them match", 100 * f[i].share);
        const char *role = id_col && strcmp(id_col, f[i].column) == 0 ? " (the case id)"
                           : time_col && strcmp(time_col, f[i].column) == 0 ? " (the time column)" : "";
        rc = vigil_error_set(VIGIL_EINVAL,
                             "%s: column '%s'%s looks like %s (a HIPAA Safe Harbor identifier, "
                             "45 CFR 164.514(b)(2); found %s). Nothing was computed. Remove or "
                             "generalise the column, or allow it with --allow-column '%s=REASON' "
                             "(in a suite or monitor: \"phi_allow\": {\"%s\": \"REASON\"})",
                             path, f[i].column, role, vigil_phi_kind_name(f[i].kind), how, f[i].column,
                             f[i].column);
    }
    free(f);
    return rc;
}
