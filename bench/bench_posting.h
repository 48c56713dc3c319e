/* bench_posting.h — the records of the cjx durable-publish measurements:
 * job postings of a given enterprise padded to an exact packed size, and
 * valid credit codes for as many generated enterprises as a run needs.
 */
#ifndef CJX_BENCH_POSTING_H
#define CJX_BENCH_POSTING_H

#include <stddef.h>
#include <stdint.h>

/* Writes to out a valid unified social credit code of generated enterprise
 * number n (1–999999) of Changzhi. Returns 0 or -1. */
int bench_enterprise_code(int n, char out[19]);

/* What bench_posting_pack() needs: the publisher and the padding. */
typedef struct bench_posting {
    const char *code; /* the publishing enterprise's credit code */
    size_t pad;       /* bytes of padding in the description */
} bench_posting;

/* Sets p->pad so that every posting of p->code packs to size bytes (or as
 * near above as it goes); returns that packed size. */
size_t bench_posting_size(bench_posting *p, size_t size);

/* Packs job posting number i (ref "JOB-" and ten digits) of p, valid from
 * today for a year (a bench_pack_fn). Returns a buffer the caller frees,
 * its size in *len, or NULL. */
uint8_t *bench_posting_pack(void *p, long i, size_t *len);

#endif
