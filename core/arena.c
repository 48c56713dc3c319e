/* arena.c — scratch memory for unpacking protobuf messages (see arena.h). */
#include "arena.h"

#include <stdlib.h>

/* A spilled allocation: this header, then the caller's bytes. */
typedef struct spill {
    struct spill *next;
    max_align_t align[];
} spill;

static void *arena_alloc(void *data, size_t size)
{
    cjx_arena *a = data;
    size_t at = (a->used + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    if (!a->buf)
        a->buf = malloc(CJX_ARENA_BYTES);
    if (a->buf && size <= CJX_ARENA_BYTES && at <= CJX_ARENA_BYTES - size) {
        a->used = at + size;
        return a->buf + at;
    }
    spill *s = malloc(sizeof *s + size);
    if (!s)
        return NULL;
    s->next = a->spill;
    a->spill = s;
    return s->align;
}

static void arena_free(void *data, void *p)
{
    (void)data; /* everything goes at the reset */
    (void)p;
}

void cjx_arena_init(cjx_arena *a)
{
    *a = (cjx_arena){{arena_alloc, arena_free, a}, NULL, 0, NULL};
}

void cjx_arena_reset(cjx_arena *a)
{
    while (a->spill) {
        spill *s = a->spill;
        a->spill = s->next;
        free(s);
    }
    a->used = 0;
}

void cjx_arena_fini(cjx_arena *a)
{
    cjx_arena_reset(a);
    free(a->buf);
    a->buf = NULL;
}
