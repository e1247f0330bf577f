/* PHI guard (see include/vigil/phi.h).
 *
 * Thresholds, chosen so that ordinary clinical columns (lab values, years, 0/1 flags, scores,
 * case codes declared as the id) are not flagged while an identifier column is:
 *   - a name that is an identifier on its face (surname, mrn, ssn, email, phone, dob, address,
 *     url, ip) is flagged whatever its values;
 *   - e-mail addresses, URLs, IP addresses, formatted SSNs and ZIP+4 codes: flagged when at
 *     least 1% of the non-missing values match (one stray match in a large free-text column
 *     is flagged too, as free text);
 *   - dates more specific than the year, phone numbers, VINs, card/account numbers: flagged
 *     when at least half of the non-missing values match;
 *   - an age column (named age, age_years, patient_age, ...) with any value over 89;
 *   - a ZIP column (zip, zipcode, postal_code, ...) with any value of more than 3 digits or a
 *     restricted 3-digit prefix (populations under 20,000; HHS list from the 2000 Census);
 *   - near-unique text: more than 90% distinct values among at least 50.
 * Values are never copied into messages. */
#include "vigil/phi.h"

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

/* ---- names ------------------------------------------------------------------------------- */

typedef struct {
    char flat[128];       /* lower case, separators removed */
    char tok[8][32];      /* lower-case tokens split at _ - . space and camelCase */
    size_t n_tok;
} name_t;

static void split_name(const char *s, name_t *n)
{
    memset(n, 0, sizeof *n);
    size_t f = 0, t = 0, k = 0;
    char prev = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int sep = !isalnum(c);
        int camel = isupper(c) && prev && islower((unsigned char)prev);
        if ((sep || camel) && k > 0) {
            if (++t >= 8) break;
            k = 0;
        }
        if (!sep) {
            if (f + 1 < sizeof n->flat) n->flat[f++] = (char)tolower(c);
            if (k + 1 < sizeof n->tok[0]) n->tok[t][k++] = (char)tolower(c);
        }
        prev = (char)c;
    }
    n->n_tok = t + (k > 0 && t < 8);
}

static int in(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return 1;
    return 0;
}

static int has_tok(const name_t *n, const char *const *list)
{
    for (size_t i = 0; i < n->n_tok; i++)
        if (in(n->tok[i], list)) return 1;
    return 0;
}

/* The kind a column's name alone gives away, or -1. */
static int kind_by_name(const name_t *n)
{
    static const char *const names[] = {"name", "firstname", "lastname", "surname", "fullname",
                                        "givenname", "middlename", "patientname", "familyname",
                                        "maidenname", "forename", NULL};
    static const char *const name_tok[] = {"surname", "firstname", "lastname", "forename", NULL};
    static const char *const rec[] = {"mrn", "medicalrecord", "medicalrecordnumber", "mrnumber",
                                      "healthplan", "healthplanid", "healthplannumber", "beneficiary",
                                      "beneficiaryid", "accountnumber", "account", "acct", "acctno",
                                      "licensenumber", "licencenumber", "license", "licence",
                                      "certificatenumber", "insuranceid", "memberid", "policynumber",
                                      "medicaidid", "medicareid", NULL};
    static const char *const rec_tok[] = {"mrn", NULL};
    static const char *const addr_tok[] = {"address", "street", "addr", NULL};
    static const char *const addr[] = {"city", "town", "streetaddress", "homeaddress", NULL};
    static const char *const ssn[] = {"ssn", "socialsecurity", "socialsecuritynumber", "socsec", NULL};
    static const char *const ssn_tok[] = {"ssn", NULL};
    static const char *const email_tok[] = {"email", "mail", NULL};
    static const char *const phone_tok[] = {"phone", "telephone", "fax", "tel", "mobile", "phonenumber", NULL};
    static const char *const url_tok[] = {"url", "website", "homepage", NULL};
    static const char *const ip[] = {"ip", "ipaddress", "ipaddr", "ipv4", "ipv6", NULL};
    static const char *const ip_tok[] = {"ip", "ipv4", "ipv6", NULL};
    static const char *const dob[] = {"dob", "birthdate", "dateofbirth", "birthday", "birthdt", NULL};
    static const char *const dob_tok[] = {"dob", "birthdate", "birthday", NULL};
    if (in(n->flat, names) || has_tok(n, name_tok)) return VIGIL_PHI_NAME;
    if (in(n->flat, rec) || has_tok(n, rec_tok)) return VIGIL_PHI_RECORD_NUMBER;
    if (in(n->flat, addr) || has_tok(n, addr_tok)) return VIGIL_PHI_ADDRESS;
    if (in(n->flat, ssn) || has_tok(n, ssn_tok)) return VIGIL_PHI_SSN;
    if (strstr(n->flat, "email") || (n->n_tok == 1 && has_tok(n, email_tok))) return VIGIL_PHI_EMAIL;
    if (has_tok(n, phone_tok)) return VIGIL_PHI_PHONE;
    if (has_tok(n, url_tok)) return VIGIL_PHI_URL;
    if (in(n->flat, ip) || has_tok(n, ip_tok)) return VIGIL_PHI_IP;
    if (in(n->flat, dob) || has_tok(n, dob_tok)) return VIGIL_PHI_DATE;
    return -1;
}

static int is_age_name(const name_t *n)
{
    static const char *const ages[] = {"age", "ageyears", "ageyrs", "patientage", "ageatadmission",
                                       "ageatdiagnosis", "ageatvisit", "ageatsample", NULL};
    return in(n->flat, ages) || (n->n_tok >= 1 && strcmp(n->tok[0], "age") == 0 &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "band") != 0) &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "group") != 0));
}

static int is_zip_name(const name_t *n)
{
    static const char *const zt[] = {"zip", "zipcode", "postcode", "postal", "postalcode", "zip5", "zip3", NULL};
    return has_tok(n, zt) || in(n->flat, (const char *const[]){"zipcode", "postalcode", NULL});
}

static int is_date_name(const name_t *n)
{
    static const char *const dt[] = {"date", "dt", "dob", "datetime", "timestamp", NULL};
    return has_tok(n, dt);
}

/* ---- values ------------------------------------------------------------------------------ */

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int num_at(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static int ssn_valid(int area, int group, int serial)
{
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

static int is_ssn(const char *s, int named)
{
    size_t n = strlen(s);
    if (n == 11 && s[3] == '-' && s[6] == '-' && digits(s, 3) && digits(s + 4, 2) && digits(s + 7, 4))
        return ssn_valid(num_at(s, 3), num_at(s + 4, 2), num_at(s + 7, 4));
    if (named && n == 9 && digits(s, 9)) return ssn_valid(num_at(s, 3), num_at(s + 3, 2), num_at(s + 5, 4));
    return 0;
}

static int is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1] || !isalpha((unsigned char)dot[1])) return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p)) return 0;
    return 1;
}

static int is_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
           strncasecmp(s, "ftp://", 6) == 0 || (strncasecmp(s, "www.", 4) == 0 && strchr(s + 4, '.'));
}

static int is_ip(const char *s)
{
    unsigned char buf[16];
    size_t dots = 0, colons = 0;
    for (const char *p = s; *p; p++) dots += *p == '.', colons += *p == ':';
    if (dots == 3 && !colons) return inet_pton(AF_INET, s, buf) == 1;
    if (colons >= 2) return inet_pton(AF_INET6, s, buf) == 1;
    return 0;
}

/* NANP numbers: (212) 555-0100, 212-555-0100, 212.555.0100, +1 212 555 0100; bare ten digits
 * only in a phone column. Area code and exchange start with 2-9. */
static int is_phone(const char *s, int named)
{
    char d[16];
    size_t k = 0, seps = 0;
    const char *p = s;
    if (*p == '+') p++;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (k >= 15) return 0;
            d[k++] = *p;
        } else if (strchr("()-. ", *p)) {
            seps++;
        } else {
            return 0;
        }
    }
    const char *q = d;
    if (k == 11 && d[0] == '1') q++, k--;
    if (k != 10 || (!seps && !named)) return 0;
    return q[0] >= '2' && q[3] >= '2';
}

static int valid_md(int m, int d) { return m >= 1 && m <= 12 && d >= 1 && d <= 31; }

/* A date more specific than the year: YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, M/D/YY, YYYY-MM,
 * with an optional time after it; YYYYMMDD only in a date column. */
static int is_date(const char *s, int named)
{
    int a, b, c;
    char s1, s2;
    int used = 0;
    if (sscanf(s, "%4d%c%2d%c%2d%n", &a, &s1, &b, &s2, &c, &used) == 5 && used >= 8 && s1 == s2 &&
        (s1 == '-' || s1 == '/') && a >= 1000 && valid_md(b, c) &&
        (!s[used] || s[used] == 'T' || s[used] == ' '))
        return 1;
    used = 0;
    if (sscanf(s, "%2d%c%2d%c%4d%n", &a, &s1, &b, &s2, &c, &used) == 5 && used >= 6 && s1 == s2 &&
        (s1 == '/' || s1 == '-') && (valid_md(a, b) || valid_md(b, a)) &&
        (!s[used] || s[used] == ' '))
        return 1;
    used = 0;
    if (strlen(s) == 7 && sscanf(s, "%4d-%2d%n", &a, &b, &used) == 2 && used == 7 && a >= 1000 && b >= 1 && b <= 12)
        return 1;
    if (named && strlen(s) == 8 && digits(s, 8)) {
        int y = num_at(s, 4), m = num_at(s + 4, 2), d = num_at(s + 6, 2);
        return y >= 1800 && y <= 2200 && valid_md(m, d);
    }
    return 0;
}

static int is_zip4(const char *s)
{
    return strlen(s) == 10 && s[5] == '-' && digits(s, 5) && digits(s + 6, 4);
}

/* 3-digit ZIP prefixes with 20,000 people or fewer (HHS Safe Harbor guidance, 2000 Census). */
static int restricted_zip3(int z)
{
    static const int r[] = {36, 59, 63, 102, 203, 556, 692, 790, 821, 823, 830, 831, 878, 879, 884, 890, 893};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (r[i] == z) return 1;
    return 0;
}

static int vin_value(char c)
{
    if (isdigit((unsigned char)c)) return c - '0';
    static const char *const letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int vals[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    const char *p = strchr(letters, toupper((unsigned char)c));
    return p && c ? vals[p - letters] : -1;
}

static int is_vin(const char *s)
{
    static const int w[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    if (strlen(s) != 17) return 0;
    int sum = 0, letters = 0;
    for (size_t i = 0; i < 17; i++) {
        int v = vin_value(s[i]);
        if (v < 0) return 0;
        letters += isalpha((unsigned char)s[i]) != 0;
        sum += v * w[i];
    }
    int check = sum % 11;
    char want = check == 10 ? 'X' : (char)('0' + check);
    return letters > 0 && toupper((unsigned char)s[8]) == want;
}

static int luhn_digits(const char *d, size_t k)
{
    int sum = 0;
    for (size_t i = 0; i < k; i++) {
        int v = d[k - 1 - i] - '0';
        if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

static int is_card(const char *s)
{
    char d[24];
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (k >= 19) return 0;
            d[k++] = *p;
        } else if (*p != ' ' && *p != '-') {
            return 0;
        }
    }
    return k >= 13 && k <= 19 && luhn_digits(d, k);
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
    fs->f[fs->n++] = (vigil_phi_finding){col, (vigil_phi_kind)kind, by_name, share, by_name ? 0 : fs->sampled};
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

static void text_hits(const char *v, const name_t *nm, size_t w, size_t *hits)
{
    int named_phone = kind_by_name(nm) == VIGIL_PHI_PHONE, named_ssn = kind_by_name(nm) == VIGIL_PHI_SSN;
    char buf[64];
    size_t len = strlen(v);
    /* Trim surrounding spaces without copying long values. */
    if (len < sizeof buf) {
        size_t a = 0, b = len;
        while (a < b && isspace((unsigned char)v[a])) a++;
        while (b > a && isspace((unsigned char)v[b - 1])) b--;
        memcpy(buf, v + a, b - a);
        buf[b - a] = '\0';
        v = buf;
    }
    if (is_ssn(v, named_ssn)) hits[VIGIL_PHI_SSN] += w;
    if (is_email(v)) hits[VIGIL_PHI_EMAIL] += w;
    if (is_url(v)) hits[VIGIL_PHI_URL] += w;
    if (is_ip(v)) hits[VIGIL_PHI_IP] += w;
    if (is_phone(v, named_phone)) hits[VIGIL_PHI_PHONE] += w;
    if (is_date(v, is_date_name(nm))) hits[VIGIL_PHI_DATE] += w;
    if (is_zip4(v)) hits[VIGIL_PHI_ZIP] += w;
    if (is_vin(v)) hits[VIGIL_PHI_VIN] += w;
    if (is_card(v)) hits[VIGIL_PHI_CARD] += w;
    if (is_zip_name(nm)) {
        size_t k = strlen(v);
        if ((k == 5 && digits(v, 5)) || is_zip4(v)) hits[VIGIL_PHI_ZIP] += w;
        else if (k == 3 && digits(v, 3) && restricted_zip3(num_at(v, 3))) hits[VIGIL_PHI_ZIP] += w;
    }
    if (is_age_name(nm)) {
        double a;
        if (vigil_parse_double(v, strlen(v), &a) == 0 && a > 89) hits[VIGIL_PHI_AGE_OVER_89] += w;
    }
}

/* What a column's name says, worked out once per column (not once per value). */
typedef struct {
    int age, zip, date;
} name_flags;

static void number_hits(double x, const name_flags *nf, size_t *hits)
{
    if (nf->age && x > 89) hits[VIGIL_PHI_AGE_OVER_89]++;
    if (x != floor(x) || x < 0) return;
    if (nf->zip) {
        if (x >= 1000) hits[VIGIL_PHI_ZIP]++;
        else if (restricted_zip3((int)x)) hits[VIGIL_PHI_ZIP]++;
    }
    if (x >= 1e12 && x < 1e19) {
        char d[32];
        int k = snprintf(d, sizeof d, "%.0f", x);
        if (k >= 13 && k <= 19 && luhn_digits(d, (size_t)k)) hits[VIGIL_PHI_CARD]++;
    }
    if (nf->date && x >= 18000101 && x <= 22001231) {
        char d[16];
        snprintf(d, sizeof d, "%.0f", x);
        if (is_date(d, 1)) hits[VIGIL_PHI_DATE]++;
    }
}

/* Every column of t but the skipped ones, by name and then by value. */
static int scan_table(const vigil_table *t, const char *const *skip, size_t n_skip, findings *fs)
{
    int rc = VIGIL_OK;
    size_t rows = vigil_table_nrows(t);
    for (size_t c = 0; c < vigil_table_ncols(t) && !rc; c++) {
        const char *col = vigil_table_col_name(t, c);
        int skipped = 0;
        for (size_t s = 0; s < n_skip; s++) skipped |= skip[s] && strcmp(skip[s], col) == 0;
        if (skipped) continue;
        name_t nm;
        split_name(col, &nm);
        int k = kind_by_name(&nm);
        if (k >= 0) {
            rc = add(fs, col, k, 1, NAN);
            continue;
        }
        size_t hits[N_KINDS] = {0}, total = 0;
        const double *num = vigil_table_numeric(t, c);
        const name_flags nf = {is_age_name(&nm), is_zip_name(&nm), is_date_name(&nm)};
        if (num) {
            for (size_t i = 0; i < rows; i++)
                if (!isnan(num[i])) total++, number_hits(num[i], &nf, hits);
        } else {
            const int32_t *codes = vigil_table_codes(t, c);
            size_t nl = vigil_table_n_levels(t, c);
            size_t *cnt = calloc(nl ? nl : 1, sizeof *cnt);
            if (!cnt) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            for (size_t i = 0; i < rows; i++)
                if (codes[i] >= 0) cnt[codes[i]]++, total++;
            size_t used = 0;
            for (size_t l = 0; l < nl; l++)
                if (cnt[l]) used++, text_hits(vigil_table_level(t, c, l), &nm, cnt[l], hits);
            free(cnt);
            if (!fs->sampled && total >= 50 && (double)used > 0.9 * (double)total) {
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
int vigil_phi_scan(const vigil_table *t, const char *const *skip, size_t n_skip,
                   vigil_phi_finding **out, size_t *n)
{
    findings fs = {0};
    int rc = scan_table(t, skip, n_skip, &fs);
    /* The file's columns the command did not load: the same scan on their first rows. */
    const vigil_table *u = vigil_table_unread_sample(t);
    if (!rc && u) {
        fs.sampled = vigil_table_nrows(u);
        rc = scan_table(u, skip, n_skip, &fs);
    }
    if (rc) {
        free(fs.f);
        fs.f = NULL, fs.n = 0;
    }
    *out = fs.f, *n = fs.n;
    return rc;
}

int vigil_phi_guard(const vigil_table *t, const char *path, const char *const *skip, size_t n_skip,
                    const vigil_phi_allow *allow, size_t n_allow)
{
    /* An allowance for a column that was not loaded lets nothing through, so a misspelt one
     * fails safe: the real column is still flagged. */
    for (size_t a = 0; a < n_allow; a++)
        if (!allow[a].justification || !*allow[a].justification)
            return vigil_error_set(VIGIL_EINVAL, "%s: allowing column '%s' needs a justification "
                                   "(COLUMN=REASON)", path, allow[a].column);
    vigil_phi_finding *f = NULL;
    size_t n = 0;
    int rc = vigil_phi_scan(t, skip, n_skip, &f, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        int allowed = 0;
        for (size_t a = 0; a < n_allow; a++) allowed |= strcmp(allow[a].column, f[i].column) == 0;
        if (allowed) continue;
        char how[96];
        if (f[i].by_name) snprintf(how, sizeof how, "by its name");
        else if (f[i].sampled)
            snprintf(how, sizeof how, "by its values: %.0f%% of those in its first %zu rows match",
                     100 * f[i].share, f[i].sampled);
        else snprintf(how, sizeof how, "by its values: %.0f%% of them match", 100 * f[i].share);
        rc = vigil_error_set(VIGIL_EINVAL,
                             "%s: column '%s' looks like %s (a HIPAA Safe Harbor identifier, "
                             "45 CFR 164.514(b)(2); found %s). Nothing was computed. Remove or "
                             "generalise the column, or allow it with --allow-column '%s=REASON' "
                             "(in a suite or monitor: \"phi_allow\": {\"%s\": \"REASON\"})",
                             path, f[i].column, vigil_phi_kind_name(f[i].kind), how, f[i].column,
                             f[i].column);
    }
    free(f);
    return rc;
}
