/* What one value is, for the PHI guard; see core/phi_internal.h. */
#include "core/phi_internal.h"
#include "core/util.h"
#include "vigil/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vigil_phi_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

int vigil_phi_num_at(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static int ssn_valid(int area, int group, int serial)
{
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

int vigil_phi_is_ssn(const char *s, int named)
{
    size_t n = strlen(s);
    if (n == 11 && s[3] == '-' && s[6] == '-' && vigil_phi_digits(s, 3) && vigil_phi_digits(s + 4, 2) && vigil_phi_digits(s + 7, 4))
        return ssn_valid(vigil_phi_num_at(s, 3), vigil_phi_num_at(s + 4, 2), vigil_phi_num_at(s + 7, 4));
    if (named && n == 9 && vigil_phi_digits(s, 9)) return ssn_valid(vigil_phi_num_at(s, 3), vigil_phi_num_at(s + 3, 2), vigil_phi_num_at(s + 5, 4));
    return 0;
}

int vigil_phi_is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1] || !isalpha((unsigned char)dot[1])) return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p)) return 0;
    return 1;
}

int vigil_phi_is_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
           strncasecmp(s, "ftp://", 6) == 0 || (strncasecmp(s, "www.", 4) == 0 && strchr(s + 4, '.'));
}

int vigil_phi_is_ip(const char *s)
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
int vigil_phi_is_phone(const char *s, int named)
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
int vigil_phi_is_date(const char *s, int named)
{
    return vigil_phi_date_precision(s, named) > 0;
}

int vigil_phi_is_full_date(const char *s)
{
    return vigil_phi_date_precision(s, 0) == 2;
}

/* YYYYMMDD, 1800..2200 (only in a date column: 8 digits are often a code). */
static int compact_date(const char *s)
{
    if (strlen(s) != 8 || !vigil_phi_digits(s, 8)) return 0;
    int y = vigil_phi_num_at(s, 4), m = vigil_phi_num_at(s + 4, 2), d = vigil_phi_num_at(s + 6, 2);
    return y >= 1800 && y <= 2200 && valid_md(m, d) ? 2 : 0;
}

int vigil_phi_date_precision(const char *s, int named)
{
    int a, b, c;
    char s1, s2;
    int used = 0;
    /* every form below but the compact one has a '-' or '/': most values (ids, codes, words)
     * are settled here, without sscanf */
    if (!strpbrk(s, "-/")) return named ? compact_date(s) : 0;
    if (sscanf(s, "%4d%c%2d%c%2d%n", &a, &s1, &b, &s2, &c, &used) == 5 && used >= 8 && s1 == s2 &&
        (s1 == '-' || s1 == '/') && a >= 1000 && valid_md(b, c) &&
        (!s[used] || s[used] == 'T' || s[used] == ' '))
        return 2;
    used = 0;
    if (sscanf(s, "%2d%c%2d%c%4d%n", &a, &s1, &b, &s2, &c, &used) == 5 && used >= 6 && s1 == s2 &&
        (s1 == '/' || s1 == '-') && (valid_md(a, b) || valid_md(b, a)) &&
        (!s[used] || s[used] == ' '))
        return 2;
    used = 0;
    if (strlen(s) == 7 && sscanf(s, "%4d-%2d%n", &a, &b, &used) == 2 && used == 7 && a >= 1000 && b >= 1 && b <= 12)
        return 1;
    return named ? compact_date(s) : 0;
}

int vigil_phi_is_zip4(const char *s)
{
    return strlen(s) == 10 && s[5] == '-' && vigil_phi_digits(s, 5) && vigil_phi_digits(s + 6, 4);
}

/* 3-digit ZIP prefixes with 20,000 people or fewer (HHS Safe Harbor guidance, 2000 Census). */
int vigil_phi_restricted_zip3(int z)
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

int vigil_phi_is_vin(const char *s)
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

int vigil_phi_luhn(const char *d, size_t k)
{
    int sum = 0;
    for (size_t i = 0; i < k; i++) {
        int v = d[k - 1 - i] - '0';
        if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

int vigil_phi_is_card(const char *s)
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
    return k >= 13 && k <= 19 && vigil_phi_luhn(d, k);
}

/* What an error message may say about a cell it refuses (see the README's PHI section): the
 * value itself only when it is a short word of lower-case ASCII letters (`high`, `yes`,
 * `abc`) in a column whose name is not identifier-like; otherwise the kind of value the
 * detectors above recognise, or "a text value of N bytes". A capitalised word is not shown
 * (it may be a surname), nor anything with a digit (it may be an id, a date or a number). */
const char *vigil_phi_describe_value(const char *column, const char *s, size_t n, char *buf,
                                     size_t cap)
{
    name_t nm;
    vigil_phi_split_name(column ? column : "", &nm);
    int named = vigil_phi_kind_by_name(&nm) >= 0 || vigil_phi_is_age_name(&nm) ||
                vigil_phi_is_zip_name(&nm) || vigil_phi_is_date_name(&nm);
    int word = n > 0 && n <= 12;
    for (size_t i = 0; word && i < n; i++) word = s[i] >= 'a' && s[i] <= 'z';
    if (word && !named) {
        snprintf(buf, cap, "'%.*s'", (int)n, s);
        return buf;
    }
    char v[64];
    const char *kind = NULL;
    if (n < sizeof v && !memchr(s, '\0', n)) {
        memcpy(v, s, n);
        v[n] = '\0';
        if (vigil_phi_is_ssn(v, named)) kind = "an SSN-like value";
        else if (vigil_phi_is_email(v)) kind = "an e-mail-like value";
        else if (vigil_phi_is_url(v)) kind = "a URL";
        else if (vigil_phi_is_ip(v)) kind = "an IP-address-like value";
        else if (vigil_phi_is_phone(v, named)) kind = "a phone-number-like value";
        else if (vigil_phi_is_date(v, named)) kind = "a date-like value";
        else if (vigil_phi_is_zip4(v)) kind = "a ZIP+4-like value";
        else if (vigil_phi_is_card(v)) kind = "a card-number-like value";
        else if (vigil_phi_is_vin(v)) kind = "a VIN-like value";
    }
    if (kind) snprintf(buf, cap, "%s (not shown)", kind);
    else snprintf(buf, cap, "a text value of %zu byte%s (not shown)", n, n == 1 ? "" : "s");
    return buf;
}
