/* search_pending.c — a transaction's new term entries, waiting to become
 * one segment (search_segment.c) when it commits.
 *
 * Entries are gathered per term: a hash table of the distinct terms, each
 * with its entries in the order added, which is docid order (a
 * transaction's new documents get increasing docids), one per document,
 * counting the term's occurrences by field. Writing sorts only the
 * distinct terms. A posting's terms cost a hash lookup each, not a place
 * in one big sort.
 */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "search_index_int.h"

typedef struct slot {
    uint32_t text;                     /* offset of the term's bytes */
    uint32_t first, last;              /* its entries, a chain by next (index + 1; 0 none) */
    uint32_t count;                    /* how many */
    uint8_t len;
} slot;

typedef struct entry {
    uint32_t docid, next;
    uint8_t tf[CJX_FIELDS];
} entry;

struct cjx_search_pending {
    slot *slots;                       /* open addressing, a power of two */
    size_t nslots, used;
    entry *entries;
    size_t n, cap;
    char *text;
    size_t tused, tcap;
    const char *sort_text;             /* for the terms' sort */
};

static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(*p, cap2 * size);
    if (!q)
        return ENOMEM;
    *p = q;
    *cap = cap2;
    return 0;
}

/* The slot of term, empty (len 0, first 0) when it is new. */
static slot *find(cjx_search_pending *p, const char *term, size_t len)
{
    for (size_t i = hash(term, len) & (p->nslots - 1);; i = (i + 1) & (p->nslots - 1)) {
        slot *s = &p->slots[i];
        if (!s->first || (s->len == len && memcmp(p->text + s->text, term, len) == 0))
            return s;
    }
}

/* Doubles the table when it is 70% full. */
static int rehash(cjx_search_pending *p)
{
    if (p->nslots && p->used * 10 < p->nslots * 7)
        return 0;
    cjx_search_pending q = *p;
    q.nslots = p->nslots ? 2 * p->nslots : 4096;
    q.slots = calloc(q.nslots, sizeof *q.slots);
    if (!q.slots)
        return ENOMEM;
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].first)
            *find(&q, p->text + p->slots[i].text, p->slots[i].len) = p->slots[i];
    free(p->slots);
    *p = q;
    return 0;
}

int cjx_pending_add(cjx_search_pending **pp, const char *term, size_t len, uint32_t docid,
                    int field)
{
    if (!*pp && !(*pp = calloc(1, sizeof **pp)))
        return ENOMEM;
    cjx_search_pending *p = *pp;
    if (rehash(p) || grow((void **)&p->entries, &p->cap, p->n + 1, sizeof *p->entries))
        return ENOMEM;
    slot *s = find(p, term, len);
    if (s->first && p->entries[s->last - 1].docid == docid) { /* again in this document */
        uint8_t *tf = &p->entries[s->last - 1].tf[field];
        *tf += *tf < 255;
        return 0;
    }
    uint32_t id = (uint32_t)++p->n; /* index + 1 */
    entry *e = &p->entries[id - 1];
    memset(e, 0, sizeof *e);
    e->docid = docid;
    e->tf[field] = 1;
    if (s->first) {
        p->entries[s->last - 1].next = id;
        s->last = id;
        s->count++;
        return 0;
    }
    if (grow((void **)&p->text, &p->tcap, p->tused + len, 1)) {
        p->n--;
        return ENOMEM;
    }
    memcpy(p->text + p->tused, term, len);
    *s = (slot){(uint32_t)p->tused, id, id, 1, (uint8_t)len};
    p->tused += len;
    p->used++;
    return 0;
}

size_t cjx_pending_count(const cjx_search_pending *p)
{
    return p ? p->n : 0;
}

static int slot_cmp(const void *x, const void *y, void *text)
{
    const slot *a = *(const slot *const *)x, *b = *(const slot *const *)y;
    const char *t = text;
    int c = memcmp(t + a->text, t + b->text, a->len < b->len ? a->len : b->len);
    return c ? c : (int)a->len - (int)b->len;
}

/* The write's order: the terms sorted. */
typedef struct order {
    const cjx_search_pending *p;
    const slot **term;
} order;

static void run_at(void *ctx, size_t t, const uint8_t **term, size_t *len, size_t *n)
{
    const order *o = ctx;
    *term = (const uint8_t *)o->p->text + o->term[t]->text;
    *len = o->term[t]->len;
    *n = o->term[t]->count;
}

static void entries_of(void *ctx, size_t t, uint8_t *out)
{
    const order *o = ctx;
    for (uint32_t id = o->term[t]->first; id; id = o->p->entries[id - 1].next) {
        const entry *e = &o->p->entries[id - 1];
        cjx_search_be32_put(out, e->docid);
        memcpy(out + 4, e->tf, CJX_FIELDS);
        memset(out + 4 + CJX_FIELDS, 0, CJX_SEARCH_ENTRY - 4 - CJX_FIELDS);
        out += CJX_SEARCH_ENTRY;
    }
}

int cjx_pending_write(cjx_search_pending *p, MDB_txn *txn, MDB_dbi db, const uint8_t key[8])
{
    if (!p->n)
        return 0;
    order o = {p, malloc(p->used * sizeof *o.term)};
    if (!o.term)
        return ENOMEM;
    size_t nterms = 0;
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].first)
            o.term[nterms++] = &p->slots[i];
    qsort_r(o.term, nterms, sizeof *o.term, slot_cmp, p->text);
    /* entries were added in docid order */
    cjx_segment_plan plan = {nterms, p->tused, p->n, p->entries[0].docid, p->entries[p->n - 1].docid};
    int rc = cjx_segment_write(txn, db, key, &plan, run_at, entries_of, &o);
    free(o.term);
    return rc;
}

void cjx_pending_clear(cjx_search_pending *p)
{
    if (!p)
        return;
    if (p->slots)
        memset(p->slots, 0, p->nslots * sizeof *p->slots);
    p->used = p->n = p->tused = 0;
}

void cjx_pending_free(cjx_search_pending **pp)
{
    if (!*pp)
        return;
    free((*pp)->slots);
    free((*pp)->entries);
    free((*pp)->text);
    free(*pp);
    *pp = NULL;
}
