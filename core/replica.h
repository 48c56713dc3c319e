/* replica.h — the agent's replica: its local copy of what its institution
 * may see (the registry, every open posting, its own records), in the
 * "replica" database of the agent's store.
 *
 * Keys are state keys (state.h); each value is the entry's sequence (8
 * bytes, big-endian) then the packed Stored the hub sent. An entry is
 * applied only when it is newer than what the key holds, so pages of a
 * snapshot and the stream after it may overlap; a closed posting is
 * removed. The meta database holds where the replica stands:
 * "replica_seq" (the last log entry applied from the stream),
 * "replica_hub_store" (the hub store it follows), and while the first
 * snapshot loads "snapshot_as_of" and "snapshot_after".
 */
#ifndef CJX_REPLICA_H
#define CJX_REPLICA_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "error.h"
#include "protocol.pb-c.h"
#include "state.h"
#include "store.h"

typedef struct cjx_replica_pos {
    uint64_t hub_store_id;                 /* the hub store it was loaded from */
    uint64_t seq;                          /* stream position, once loaded */
    int loaded;                            /* the first snapshot is complete */
    uint64_t snapshot_as_of;               /* while loading: the stream starts after it */
    uint8_t after[CJX_STATE_KEY_MAX];      /* while loading: the next page starts after it */
    size_t after_len;
    uint64_t entries;                      /* how many it holds */
    uint64_t unindexed;                    /* keys whose postings the index waits to follow */
} cjx_replica_pos;

/* Reads where the replica stands. db is the replica database of s. */
cjx_err cjx_replica_position(cjx_store *s, MDB_dbi db, cjx_replica_pos *pos, cjx_fault *f);

/* Empties the replica and forgets its position, so that it loads again: for
 * a hub with another store than the one the replica follows. */
cjx_err cjx_replica_reset(cjx_store *s, MDB_dbi db, cjx_replica_pos *pos, cjx_fault *f);

/* Applies one snapshot page and records the progress in one transaction;
 * the last page (!more) completes the load: the stream then starts after
 * the first page's as_of_seq. pos is updated; pos->hub_store_id (set by the
 * caller) is recorded. */
cjx_err cjx_replica_load_page(cjx_store *s, MDB_dbi db, const Cjx__Snapshot *page,
                              cjx_replica_pos *pos, cjx_fault *f);

/* Applies stream events (packed Stored, in sequence order) and sets
 * replica_seq to upto, in one transaction. With defer_index the search
 * index does not follow the postings changed yet: their keys wait in the
 * "replica_unindexed" database for cjx_replica_index_some (indexing a
 * posting costs about as much as applying it, so an agent receiving a
 * burst leaves it for after). */
cjx_err cjx_replica_apply(cjx_store *s, MDB_dbi db, const ProtobufCBinaryData *entries,
                          size_t n, uint64_t upto, int defer_index, cjx_fault *f);
/* Postings indexed per transaction when catching up: about 20 ms of work,
 * so that a write transaction stays small and nothing waits long for it. */
#define CJX_REPLICA_INDEX_CHUNK 4096
/* Makes the index follow up to max of the postings left waiting, in one
 * transaction; *left (when not NULL) gets how many still wait. */
cjx_err cjx_replica_index_some(cjx_store *s, MDB_dbi db, size_t max, uint64_t *left,
                               cjx_fault *f);

/* Called per replica entry in key order with its packed Stored; return
 * non-zero to stop. */
typedef int (*cjx_replica_fn)(void *ctx, const uint8_t *key, size_t klen, const void *stored,
                              size_t len);

/* Calls fn for every entry; *seq (when not NULL) gets replica_seq as of the
 * same transaction. */
cjx_err cjx_replica_scan(cjx_store *s, MDB_dbi db, cjx_replica_fn fn, void *ctx, uint64_t *seq,
                         cjx_fault *f);

/* The digest of the replica (state.h), how many entries it holds and the
 * replica_seq it stands at, all from one transaction. */
cjx_err cjx_replica_digest(cjx_store *s, MDB_dbi db, uint8_t out[CJX_DIGEST_LEN],
                           uint64_t *entries, uint64_t *seq, cjx_fault *f);

/* Builds the replica's search index (search_index.h) when it is not known
 * to hold every posting: a replica made before there was one. The index
 * then follows every page and event applied. */
cjx_err cjx_replica_index(cjx_store *s, MDB_dbi db, cjx_fault *f);

/* Runs a search over the replica's postings (replica_search.c), the
 * postings left waiting indexed first; *out is the answer the hub would
 * give, for the caller to free. */
cjx_err cjx_replica_search(cjx_store *s, MDB_dbi db, const Cjx__SearchRequest *m,
                           Cjx__SearchResult **out, cjx_fault *f);

/* The current entry of one state key; *stored points into a buffer the
 * caller frees. CJX_ENOTFOUND when the replica does not hold it. */
cjx_err cjx_replica_get(cjx_store *s, MDB_dbi db, const uint8_t *key, size_t klen,
                        void **stored, size_t *len, cjx_fault *f);

/* The person one of the institution's own records is about, for a
 * recommendation made for them (replica_person.c). */
typedef struct cjx_person_subject {
    char kind[32];                     /* "graduate_outcome", "internship_placement" */
    char major[8];                     /* the person's major code */
    char opt_out_ref[CJX_REF_MAX_BYTES + 1]; /* their recommendation_opt_out, "" when none */
    char opt_out_date[16];
} cjx_person_subject;

/* Reads record ref of institution own from the replica, and the opt-out
 * recorded for its person, if any. CJX_ENOTFOUND when the replica has no
 * such record; CJX_EKIND when it is about no person with a major. */
cjx_err cjx_replica_person(cjx_store *s, MDB_dbi db, const char *own, const char *ref,
                           cjx_person_subject *out, cjx_fault *f);

#endif
