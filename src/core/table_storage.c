/* Page-backed growable vectors and the string dictionary of categorical columns; see
 * core/table_internal.h. */
#include "core/table_internal.h"
#include "vigil/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- growable page-backed vectors ------------------------------------------------------ */


/* A vector under VEC_MAP_MIN bytes lives on the heap (malloc): a wide file's many short
 * columns -- 10^6 columns of a few rows -- would otherwise take a mapping and a resident page
 * each (4 GB for 10^6 columns of one row). From VEC_MAP_MIN on it is its own mapping, grown
 * with mremap; the heap block is copied once, when it crosses over. cap tells the two apart. */
enum { VEC_MAP_MIN = 64 * 1024 };

int vigil_vec_reserve(vec *v, size_t bytes)
{
    if (bytes <= v->cap) return 0;
    size_t ncap = v->cap ? v->cap + v->cap / 2 : 64;
    if (ncap < bytes) ncap = bytes;
    if (ncap < VEC_MAP_MIN) {
        void *np = realloc(v->p, ncap);
        if (!np) return -1;
        v->p = np;
        v->cap = ncap;
        return 0;
    }
    long pg = sysconf(_SC_PAGESIZE);
    ncap = (ncap + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
    void *np = v->p && v->cap >= VEC_MAP_MIN
                   ? mremap(v->p, v->cap, ncap, MREMAP_MAYMOVE)
                   : mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (np == MAP_FAILED) return -1;
    if (v->p && v->cap < VEC_MAP_MIN) { /* heap -> mapping */
        memcpy(np, v->p, v->cap);
        free(v->p);
    }
    v->p = np;
    v->cap = ncap;
    return 0;
}

void vigil_vec_free(vec *v)
{
    if (v->p && v->cap >= VEC_MAP_MIN) munmap(v->p, v->cap);
    else free(v->p);
    v->p = NULL;
    v->cap = 0;
}

/* ---- string dictionary for categorical columns ----------------------------------------- */


static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int dict_rehash(dict *d, size_t nslots)
{
    int32_t *s = malloc(nslots * sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < nslots; i++) s[i] = -1;
    for (size_t k = 0; k < d->n; k++) {
        size_t i = hash_bytes(d->levels[k], strlen(d->levels[k])) & (nslots - 1);
        while (s[i] >= 0) i = (i + 1) & (nslots - 1);
        s[i] = (int32_t)k;
    }
    free(d->slots);
    d->slots = s;
    d->nslots = nslots;
    return 0;
}

/* Code of the level `s` (length n), added when new; -1 on allocation failure. */
int32_t vigil_dict_intern(dict *d, const char *s, size_t n)
{
    /* small to start: a wide file has a dictionary per column, most of them a few levels */
    if (d->n * 2 >= d->nslots && dict_rehash(d, d->nslots ? d->nslots * 2 : 8) != 0) return -1;
    size_t i = hash_bytes(s, n) & (d->nslots - 1);
    while (d->slots[i] >= 0) {
        const char *l = d->levels[d->slots[i]];
        if (strncmp(l, s, n) == 0 && l[n] == '\0') return d->slots[i];
        i = (i + 1) & (d->nslots - 1);
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 4;
        char **nl = realloc(d->levels, nc * sizeof *nl);
        if (!nl) return -1;
        d->levels = nl;
        d->cap = nc;
    }
    char *copy = vigil_strndup(s, n);
    if (!copy) return -1;
    d->levels[d->n] = copy;
    d->slots[i] = (int32_t)d->n;
    return (int32_t)d->n++;
}

int32_t vigil_dict_find(const dict *d, const char *s)
{
    if (!d->nslots) return -1;
    size_t n = strlen(s), i = hash_bytes(s, n) & (d->nslots - 1);
    while (d->slots[i] >= 0) {
        if (strcmp(d->levels[d->slots[i]], s) == 0) return d->slots[i];
        i = (i + 1) & (d->nslots - 1);
    }
    return -1;
}

void vigil_dict_free(dict *d)
{
    for (size_t k = 0; k < d->n; k++) free(d->levels[k]);
    free(d->levels);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
