/* import_keys.c — the set of natural keys of one file (see import_keys.h). */
#include "import_keys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: keys are short and come from one institution's own file. */
static size_t hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211u;
    return (size_t)h;
}

/* The slot holding key, or the free slot where it would go. */
static size_t slot(const cjx_import_keys *k, const char *key)
{
    size_t i = hash(key) & (k->cap - 1);
    while (k->keys[i] && strcmp(k->keys[i], key))
        i = (i + 1) & (k->cap - 1);
    return i;
}

static int grow(cjx_import_keys *k)
{
    cjx_import_keys bigger = {0};
    bigger.cap = k->cap ? 2 * k->cap : 1024;
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.at = calloc(bigger.cap, sizeof *bigger.at);
    if (!bigger.keys || !bigger.at) {
        free(bigger.keys);
        free(bigger.at);
        return -1;
    }
    for (size_t i = 0; i < k->cap; i++) {
        if (!k->keys[i])
            continue;
        size_t j = slot(&bigger, k->keys[i]);
        bigger.keys[j] = k->keys[i];
        bigger.at[j] = k->at[i];
    }
    bigger.n = k->n;
    free(k->keys);
    free(k->at);
    *k = bigger;
    return 0;
}

int cjx_import_keys_add(cjx_import_keys *k, const char *key, size_t at)
{
    if (2 * (k->n + 1) > k->cap && grow(k))
        return -1;
    size_t i = slot(k, key);
    if (k->keys[i])
        return 0;
    if (!(k->keys[i] = strdup(key)))
        return -1;
    k->at[i] = at;
    k->n++;
    return 0;
}

int cjx_import_keys_find(const cjx_import_keys *k, const char *key, size_t *at)
{
    if (!k->cap)
        return 0;
    size_t i = slot(k, key);
    if (!k->keys[i])
        return 0;
    *at = k->at[i];
    return 1;
}

void cjx_import_keys_free(cjx_import_keys *k)
{
    for (size_t i = 0; i < k->cap; i++)
        free(k->keys[i]);
    free(k->keys);
    free(k->at);
    memset(k, 0, sizeof *k);
}
