/* Internal helpers; see src/core/util.h. */
#include "core/util.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *vigil_strdup(const char *s) { return s ? vigil_strndup(s, strlen(s)) : NULL; }

char *vigil_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int sbuf_reserve(vigil_sbuf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t nc = b->cap ? b->cap * 2 : 128;
    while (nc < b->len + extra + 1) nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns) {
        b->failed = 1;
        return -1;
    }
    b->s = ns;
    b->cap = nc;
    return 0;
}

void vigil_sbuf_append(vigil_sbuf *b, const char *s, size_t n)
{
    if (sbuf_reserve(b, n) != 0) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void vigil_sbuf_printf(vigil_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sbuf_reserve(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void vigil_sbuf_free(vigil_sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

typedef struct {
    char *path;
    unsigned long long dev, ino;
} pinned_input;

static pthread_mutex_t g_pin_lock = PTHREAD_MUTEX_INITIALIZER;
static pinned_input *g_pins;
static size_t g_npins, g_cap_pins;

int vigil_input_pin(const char *path, unsigned long long dev, unsigned long long ino)
{
    int rc = VIGIL_OK;
    pthread_mutex_lock(&g_pin_lock);
    size_t i = 0;
    while (i < g_npins && strcmp(g_pins[i].path, path) != 0) i++;
    if (i == g_npins) {
        char *copy = vigil_strdup(path);
        if (copy && g_npins == g_cap_pins) {
            size_t cap = g_cap_pins ? 2 * g_cap_pins : 8;
            pinned_input *p = realloc(g_pins, cap * sizeof *p);
            if (p) g_pins = p, g_cap_pins = cap;
        }
        if (!copy || g_npins == g_cap_pins) {
            free(copy);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        } else
            g_pins[g_npins++].path = copy;
    }
    if (!rc) g_pins[i].dev = dev, g_pins[i].ino = ino;
    pthread_mutex_unlock(&g_pin_lock);
    return rc;
}

int vigil_open_input(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vigil_error_set(VIGIL_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&g_pin_lock);
    int pinned = 0;
    unsigned long long dev = 0, ino = 0;
    for (size_t i = 0; i < g_npins && !pinned; i++)
        if (strcmp(g_pins[i].path, path) == 0) pinned = 1, dev = g_pins[i].dev, ino = g_pins[i].ino;
    pthread_mutex_unlock(&g_pin_lock);
    struct stat st;
    if (pinned && (fstat(fd, &st) != 0 || (unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino)) {
        close(fd);
        vigil_error_set(VIGIL_EINVAL, "%s: now names another file than the one checked against VIGIL_ROOTS (a "
                        "symlink or file was swapped after the check): refusing to read it", path);
        return -1;
    }
    return fd;
}

FILE *vigil_fopen_input(const char *path)
{
    int fd = vigil_open_input(path);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        vigil_error_set(VIGIL_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int vigil_read_file(const char *path, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = vigil_fopen_input(path);
    if (!f) return vigil_error_last_code();
    vigil_sbuf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) vigil_sbuf_append(&b, chunk, got);
    int err = ferror(f);
    fclose(f);
    if (err) {
        vigil_sbuf_free(&b);
        return vigil_error_set(VIGIL_EIO, "%s: read failed", path);
    }
    if (!b.s) vigil_sbuf_append(&b, "", 0);
    if (b.failed) {
        vigil_sbuf_free(&b);
        return vigil_error_set(VIGIL_ENOMEM, "%s: out of memory reading", path);
    }
    *out = b.s;
    if (len) *len = b.len;
    return VIGIL_OK;
}

void vigil_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

struct vigil_sha256 {
    EVP_MD_CTX *ctx;
};

vigil_sha256 *vigil_sha256_new(void)
{
    vigil_sha256 *h = malloc(sizeof *h);
    if (!h) return NULL;
    if (!(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        vigil_sha256_free(h);
        return NULL;
    }
    return h;
}

void vigil_sha256_add(vigil_sha256 *h, const void *data, size_t n) { EVP_DigestUpdate(h->ctx, data, n); }

void vigil_sha256_final(vigil_sha256 *h, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(h->ctx, md, &mdlen);
    vigil_hex(md, 32, out);
}

void vigil_sha256_free(vigil_sha256 *h)
{
    if (!h) return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void vigil_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
    vigil_hex(md, 32, out);
}

int vigil_sha256_file(const char *path, char out[65], uint64_t *bytes)
{
    FILE *f = vigil_fopen_input(path);
    if (!f) return vigil_error_last_code();
    vigil_sha256 *h = vigil_sha256_new();
    int rc = VIGIL_OK;
    if (!h) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    unsigned char chunk[1 << 16];
    size_t got;
    uint64_t total = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        vigil_sha256_add(h, chunk, got);
        total += got;
    }
    if (ferror(f)) {
        rc = vigil_error_set(VIGIL_EIO, "%s: read failed", path);
        goto done;
    }
    vigil_sha256_final(h, out);
    if (bytes) *bytes = total;
done:
    vigil_sha256_free(h);
    fclose(f);
    return rc;
}

void vigil_now_iso(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, 32 - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

double vigil_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

char *vigil_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return vigil_strdup(".");
    if (slash == path) return vigil_strdup("/");
    return vigil_strndup(path, (size_t)(slash - path));
}

char *vigil_path_join(const char *base_dir, const char *rel)
{
    if (rel[0] == '/' || !base_dir || !*base_dir || strcmp(base_dir, ".") == 0)
        return vigil_strdup(rel);
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "%s/%s", base_dir, rel);
    return b.s;
}

int vigil_json_parse(const char *path, const char *text, size_t len, void **out)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    *out = root;
    if (root) return VIGIL_OK;
    size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
    if (!end) {
        const char *e = cJSON_GetErrorPtr();
        if (e && e >= text && e <= text + len) off = (size_t)(e - text);
    }
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') line++, col = 1;
        else col++;
    }
    /* the token where parsing stopped: a bare NaN / Infinity is the usual culprit */
    const char *p = text + off;
    size_t rest = len - off;
    if (rest && *p == '-') p++, rest--;
    /* truncated: the parse failed near the end, and the text does not end as a document does */
    size_t last = len;
    while (last > 0 && (text[last - 1] == ' ' || text[last - 1] == '\n' || text[last - 1] == '\r' ||
                        text[last - 1] == '\t'))
        last--;
    int closed = last > 0 && (text[last - 1] == '}' || text[last - 1] == ']');
    const char *hint = off + 64 >= len && !closed ? " (it ends early: a truncated file?)" : "";
    if ((rest >= 3 && strncmp(p, "NaN", 3) == 0) || (rest >= 8 && strncmp(p, "Infinity", 8) == 0))
        hint = ": a bare NaN or Infinity, which JSON does not have (write null, a number, or a string "
               "such as \"NaN\" where the format allows it)";
    return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: not valid JSON%s", path, line, col, hint);
}

size_t vigil_utf8_check(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;      /* overlong */
            else if (c == 0xED) hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;      /* overlong */
            else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        if (n - i < len || u[i + 1] < lo || u[i + 1] > hi) return i;
        for (size_t k = 2; k < len; k++)
            if (u[i + k] < 0x80 || u[i + k] > 0xBF) return i;
        i += len;
    }
    return n;
}

void vigil_fputs_terminal(const char *s, FILE *f)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) fprintf(f, "\\x%02X", *p);
        else fputc(*p, f);
    }
}
