/* arena.h — scratch memory for protobuf messages that live only while one
 * item is handled.
 *
 * protobuf-c allocates an unpacked message part by part: a posting is a
 * dozen mallocs and as many frees. Unpacked with an arena's allocator they
 * are bumps of an offset, and cjx_arena_reset lets all of them go at once.
 * The arena's free does nothing, so *_free_unpacked need not be called (and
 * may be: it is harmless).
 */
#ifndef CJX_ARENA_H
#define CJX_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

typedef struct cjx_arena {
    ProtobufCAllocator allocator;      /* give &allocator to *_unpack */
    uint8_t *buf;                      /* CJX_ARENA_BYTES, from the first use */
    size_t used;
    void *spill;                       /* what did not fit: a list, malloc'ed */
} cjx_arena;

#define CJX_ARENA_BYTES (64u << 10)

void cjx_arena_init(cjx_arena *a);
/* Frees everything allocated from a since the last reset. */
void cjx_arena_reset(cjx_arena *a);
/* Resets, and gives the buffer back. */
void cjx_arena_fini(cjx_arena *a);

#endif
