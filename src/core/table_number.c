/* Decimal number parsing for the CSV reader and the config files; see core/util.h. */
#include "core/util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse a whole field as a decimal number. Correctly rounded: Clinger's fast path when the
 * digits fit in 2^53 and the power of ten is exact, strtod otherwise. NaN spellings are not
 * numbers here (a NaN the user did not list as missing is an error, not a silent missing
 * value); infinities parse and are rejected later by whoever cannot use them. */
int vigil_parse_double(const char *s, size_t n, double *out)
{
    const char *p = s, *e = s + n;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (p == e) return -1;
    const char *start = p;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool digits = false, exact = true;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        digits = true;
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant) sig++;
        } else {
            exp10++;
            exact = false;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            digits = true;
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) sig++;
                exp10--;
            } else {
                exact = false;
            }
        }
    }
    if (!digits) goto slow;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == e || *p < '0' || *p > '9') return -1;
        int ev = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (ev < 100000) ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) return -1;
    if (exact && mant < (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
slow:;
    char buf[128];
    size_t len = (size_t)(e - start);
    if (len >= sizeof buf) return -1;
    memcpy(buf, start, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (buf[i] == 'n' || buf[i] == 'N') {
            /* only "inf"/"infinity" may carry an n; reject every NaN spelling */
            const char *q = buf + (buf[0] == '+' || buf[0] == '-');
            if (strncasecmp(q, "inf", 3) != 0) return -1;
            break;
        }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || end == buf) return -1;
    *out = v; /* overflow gives +-HUGE_VAL (inf), underflow a denormal or 0: both as C does */
    return 0;
}
