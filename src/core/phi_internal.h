/* The PHI guard's pieces, shared by src/core/phi*.c:
 *   phi.c         scanning a table and the guard (thresholds: see its head comment)
 *   phi_names.c   what a column's name says (tokens, identifier names, age/zip/date names)
 *   phi_values.c  what one value is (SSN, e-mail, URL, IP, phone, date, ZIP, VIN, card)
 * A value recogniser gets the value and whether the column's name already points at the
 * kind (`named`), which lowers the bar for bare digit strings. */
#ifndef VIGIL_CORE_PHI_INTERNAL_H
#define VIGIL_CORE_PHI_INTERNAL_H

#include "vigil/phi.h"

#include <stddef.h>

typedef struct {
    char flat[128];       /* lower case, separators removed */
    char tok[8][32];      /* lower-case tokens split at _ - . space and camelCase */
    size_t n_tok;
} name_t;

/* ---- names */
/* Lower-case flat form and tokens of a column name. */
void vigil_phi_split_name(const char *s, name_t *n);
/* The kind a column's name alone gives away, or -1. */
int vigil_phi_kind_by_name(const name_t *n);
/* 1 when the name is an age (age, age_years, patient_age, ...), a ZIP code, a date column. */
int vigil_phi_is_age_name(const name_t *n);
int vigil_phi_is_zip_name(const name_t *n);
int vigil_phi_is_date_name(const name_t *n);

/* ---- values */
/* 1 when s[0..n) are all decimal digits. */
int vigil_phi_digits(const char *s, size_t n);
/* The value of the n digits at s (checked by the caller). */
int vigil_phi_num_at(const char *s, size_t n);
/* 1 when the value is what its name says; `named`: the column name points at the kind. */
int vigil_phi_is_ssn(const char *s, int named);
int vigil_phi_is_email(const char *s);
int vigil_phi_is_url(const char *s);
int vigil_phi_is_ip(const char *s);
/* NANP numbers: (212) 555-0100, 212-555-0100, 212.555.0100, +1 212 555 0100; bare ten digits
 * only in a phone column. Area code and exchange start with 2-9. */
int vigil_phi_is_phone(const char *s, int named);
/* A date more specific than the year: YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, M/D/YY, YYYY-MM,
 * with an optional time after it; YYYYMMDD only in a date column. */
int vigil_phi_is_date(const char *s, int named);
/* What vigil_phi_is_date recognises, by how precise it is: 2 a day (with or without a time),
 * 1 a month (YYYY-MM), 0 not a date. */
int vigil_phi_date_precision(const char *s, int named);
/* A date to the day, as a date of birth is written: precision 2 without the column's name
 * (YYYYMMDD, which needs a date column's name, is not one). */
int vigil_phi_is_full_date(const char *s);
int vigil_phi_is_zip4(const char *s);
/* 3-digit ZIP prefixes with 20,000 people or fewer (HHS Safe Harbor guidance, 2000 Census). */
int vigil_phi_restricted_zip3(int z);
int vigil_phi_is_vin(const char *s);
/* The Luhn check over k digit characters (card numbers). */
int vigil_phi_luhn(const char *d, size_t k);
int vigil_phi_is_card(const char *s);

/* ---- error messages */
/* What a message may say about the n bytes at s refused in `column`: "'high'" for a short
 * lower-case word in a column whose name is not identifier-like, else the kind ("an SSN-like
 * value (not shown)", "a text value of 9 bytes (not shown)"). Writes buf, returns it. */
const char *vigil_phi_describe_value(const char *column, const char *s, size_t n, char *buf,
                                     size_t cap);

#endif
