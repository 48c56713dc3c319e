/* import_keys.h — the natural keys one file holds ("posting/GX-JOB-2026-017"),
 * each with the index of its item: finds a key given twice in a file, and
 * tells a complete export's withdrawals (postings it no longer holds). An
 * open-addressing hash table of copied strings. */
#ifndef CJX_IMPORT_KEYS_H
#define CJX_IMPORT_KEYS_H

#include <stddef.h>

typedef struct cjx_import_keys {
    char **keys;                /* NULL: a free slot */
    size_t *at;
    size_t n, cap;              /* cap: a power of two, or 0 */
} cjx_import_keys;

/* Adds key (copied) with index at. Returns 0, or -1 when memory ran out.
 * A key already there keeps its index. */
int cjx_import_keys_add(cjx_import_keys *k, const char *key, size_t at);

/* 1 with *at when key is there, else 0. */
int cjx_import_keys_find(const cjx_import_keys *k, const char *key, size_t *at);

void cjx_import_keys_free(cjx_import_keys *k);

#endif
