/* Small internal helpers shared by every layer: strings, growable string buffers, files,
 * hashing and time. Not part of the public API. */
#ifndef VIGIL_CORE_UTIL_H
#define VIGIL_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

char *vigil_strdup(const char *s);
char *vigil_strndup(const char *s, size_t n);

/* A growable NUL-terminated string. Zero-initialise; s is NULL until something is added.
 * On allocation failure `failed` is set and later appends do nothing. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} vigil_sbuf;

void vigil_sbuf_printf(vigil_sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void vigil_sbuf_append(vigil_sbuf *b, const char *s, size_t n);
void vigil_sbuf_free(vigil_sbuf *b);

/* Write s to f for a terminal: a control character (below 0x20 but newline and tab, and DEL)
 * is written as \xNN, so a name in a file cannot move the cursor, recolour or retitle the
 * terminal (or a cron mail reader). */
void vigil_fputs_terminal(const char *s, FILE *f);

/* Parse a whole string as a decimal number, correctly rounded (see table_number.c). 0 or -1. */
int vigil_parse_double(const char *s, size_t n, double *out);

/* The offset of the first byte of s[0..n) that does not begin a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or n when it is all
 * UTF-8. */
size_t vigil_utf8_check(const char *s, size_t n);

/* Read a whole file into a NUL-terminated buffer (caller frees). VIGIL_EIO with the path. */
int vigil_read_file(const char *path, char **out, size_t *len);

/* Inputs pinned by a check (vigil_cfg_path under VIGIL_ROOTS): the identity (device, inode) of
 * the file the check opened is kept under the path it returned, and every later open of that
 * path by vigil_open_input is of the same file or refused, so a symlink or file swapped between
 * the check and the read cannot make vigil read outside the roots. */
int vigil_input_pin(const char *path, unsigned long long dev, unsigned long long ino);
/* open(path, O_RDONLY | O_CLOEXEC); a pinned path that now names another file is closed and
 * refused (VIGIL_EINVAL naming it). Returns the descriptor, or -1 with the vigil error set
 * (VIGIL_EIO "cannot open" with the reason). vigil_read_file, vigil_sha256_file and the CSV
 * readers open their inputs through it. */
int vigil_open_input(const char *path);
/* fopen(path, "rb") through vigil_open_input; NULL with the vigil error set. */
FILE *vigil_fopen_input(const char *path);

/* n bytes as 2n lowercase hex characters (+NUL). */
void vigil_hex(const unsigned char *d, size_t n, char *out);
/* The one SHA-256 (OpenSSL's EVP underneath, kept out of this header): streaming, for data
 * that arrives in pieces (a file read in chunks, a table column by column). _new returns NULL
 * when out of memory; _final writes 64 lowercase hex characters (+NUL) and may be called once;
 * _free is NULL-safe. */
typedef struct vigil_sha256 vigil_sha256;
vigil_sha256 *vigil_sha256_new(void);
void vigil_sha256_add(vigil_sha256 *h, const void *data, size_t n);
void vigil_sha256_final(vigil_sha256 *h, char out[65]);
void vigil_sha256_free(vigil_sha256 *h);
/* SHA-256 of one buffer as 64 lowercase hex characters (+NUL). */
void vigil_sha256_hex(const void *data, size_t n, char out[65]);
/* SHA-256 of a file's bytes; VIGIL_EIO when it cannot be read. */
int vigil_sha256_file(const char *path, char out[65], uint64_t *bytes);

/* Parse text (len bytes) as JSON into *out (a cJSON *; void ** keeps cJSON out of this
 * header). A syntax error is VIGIL_EINVAL naming path:line:column, with a hint when the text
 * there is a bare NaN/Infinity (Python's json.dump writes them; JSON has no such token) or
 * the file ends early. */
int vigil_json_parse(const char *path, const char *text, size_t len, void **out);

/* splitmix64 (Steele, Lea & Flood 2014): the next value of a seeded stream; every seeded draw
 * in vigil (subsamples, shuffles, bootstrap seeding, KernelSHAP coalitions) uses it. */
static inline uint64_t vigil_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Now as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void vigil_now_iso(char out[32]);
/* Monotonic seconds, for timings. */
double vigil_seconds(void);

/* Directory part of a path ("." when none); caller frees. */
char *vigil_dirname(const char *path);
/* `rel` resolved against the directory `base_dir` unless it is absolute; caller frees. */
char *vigil_path_join(const char *base_dir, const char *rel);

#endif
