/* vigil — PHI guard: before a case file is used, look for the HIPAA Safe Harbor identifiers
 * (45 CFR 164.514(b)(2)) that show in tabular data, by column name and by value pattern with
 * validity checks. A hit stops the run with the file, the column and the kind of identifier —
 * never the value. A column can be allowed, one at a time, with a justification that is stored
 * with the run.
 *
 * What is recognised (thresholds in src/core/phi.c):
 *   by name:  names, medical record / health plan / account / licence numbers, street
 *             addresses and cities, SSNs, e-mail, phone and fax, URLs, IP addresses, birth
 *             and other dates, ZIP codes;
 *   by value: SSNs (area not 000/666/9xx, group not 00, serial not 0000), e-mail addresses,
 *             URLs, IPv4/IPv6 addresses, NANP phone numbers (area code and exchange 2-9),
 *             dates more specific than the year (ISO, US and compact forms, valid month/day),
 *             ZIP+4 codes, 5-digit or restricted 3-digit ZIP codes in a ZIP column, ages over
 *             89 in an age column, VINs (check digit), card/account numbers (13-19 digits,
 *             Luhn), near-unique free text (> 90% distinct among >= 50 values);
 *   one SSN, e-mail address or date to the day among a text column's levels, however few
 *             rows hold it.
 * The columns a command is told are the case id and the time axis are the user's deliberate
 * choice (a limited data set needs a data use agreement): their names are not judged, an id
 * may be unique and a time axis holds dates; their values are judged like any column's
 * otherwise (an SSN or e-mail id is refused: ids are printed, written and stored). */
#ifndef VIGIL_PHI_H
#define VIGIL_PHI_H

#include <stddef.h>

#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_PHI_NAME = 0,
    VIGIL_PHI_RECORD_NUMBER,  /* MRN, health plan, account, licence, certificate numbers */
    VIGIL_PHI_ADDRESS,        /* street address, city */
    VIGIL_PHI_SSN,
    VIGIL_PHI_EMAIL,
    VIGIL_PHI_URL,
    VIGIL_PHI_IP,
    VIGIL_PHI_PHONE,          /* telephone and fax */
    VIGIL_PHI_DATE,           /* a date more specific than the year */
    VIGIL_PHI_ZIP,            /* more than 3 ZIP digits, or a restricted 3-digit prefix */
    VIGIL_PHI_AGE_OVER_89,
    VIGIL_PHI_VIN,
    VIGIL_PHI_CARD,           /* card or account number (Luhn) */
    VIGIL_PHI_FREE_TEXT       /* near-unique text */
} vigil_phi_kind;

typedef struct {
    const char *column;
    vigil_phi_kind kind;
    int by_name;              /* 1: the column's name; 0: its values */
    double share;             /* share of non-missing values that matched (by value) */
    size_t sampled;           /* by value, a column the command does not load: the values of
                               * its first `sampled` rows were scanned; 0: every row */
    size_t line;              /* a stray level (an identifier among a text column's levels that
                               * not every row holds): the file line of its first row; else 0 */
} vigil_phi_finding;

typedef struct {
    const char *column;
    const char *justification;
} vigil_phi_allow;

/* "a Social Security number", ... */
const char *vigil_phi_kind_name(vigil_phi_kind k);

/* Scan every column of t, and the columns the reader left out (vigil_table_unread_sample): by
 * name, and by their first rows' values for the identifiers that identify on their own (SSN,
 * e-mail, URL, IP, phone/fax, VIN, card/account); dates, ages over 89, ZIP codes and
 * near-unique text only where the command loads the column. `id_col` and `time_col` (NULL:
 * none) name the case id and the time axis: not judged by name nor as near-unique text, the
 * time axis not for dates; every other value rule applies to them. Findings point into t's
 * column names; caller free()s *out. */
int vigil_phi_scan(const vigil_table *t, const char *id_col, const char *time_col,
                   vigil_phi_finding **out, size_t *n);

/* Scan and refuse: VIGIL_EINVAL naming `path`, the first flagged column that is not allowed
 * and the kind of identifier (never the value), with how to override; VIGIL_OK when clean.
 * An allowance without a justification is an error. */
int vigil_phi_guard(const vigil_table *t, const char *path, const char *id_col,
                    const char *time_col, const vigil_phi_allow *allow, size_t n_allow);

#ifdef __cplusplus
}
#endif
#endif
