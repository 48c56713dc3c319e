/* outbox.h — the agent's durable outbox.
 *
 * `cjx post` appends items here and returns only after the transaction is
 * synced to disk; cjx-agent reads them in sequence order, sends them, and
 * settles each once the hub acknowledged or refused it. Both processes open
 * the same LMDB environment; LMDB serialises their write transactions.
 *
 * Sub-databases: "outbox" (8-byte seq → packed cjx.Item), "refused" (8-byte
 * seq → packed cjx.Nack, kept for the operator), "feeds" (subscription name →
 * packed cjx.FeedState, written by agent_feed.c), "replica" (replica.h),
 * "imports" (import.h: class and ref → hash, outbox sequence and kind of
 * what was last imported, and outbox sequence → key), and
 * meta "next_outbox_seq".
 */
#ifndef CJX_OUTBOX_H
#define CJX_OUTBOX_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "protocol.pb-c.h"

#define CJX_OUTBOX_FORMAT 1

typedef struct cjx_outbox cjx_outbox;

/* The agent store's sub-databases, as indexes of cjx_outbox_store()->dbs. */
enum {
    CJX_AGENT_DB_OUTBOX,
    CJX_AGENT_DB_REFUSED,
    CJX_AGENT_DB_FEEDS,
    CJX_AGENT_DB_REPLICA,
    CJX_AGENT_DB_IMPORTS,
};

/* Opens the outbox in directory dir (created if missing). */
cjx_err cjx_outbox_open(const char *dir, size_t map_mb, cjx_outbox **out,
                        cjx_fault *f);
void cjx_outbox_close(cjx_outbox **self_p);

/* The LMDB environment under the outbox, for the agent's other databases.
 * Valid while the outbox is open. */
struct cjx_store *cjx_outbox_store(cjx_outbox *ob);

/* Appends n packed items in one transaction, synced before it returns. The
 * items get consecutive sequences; the first is written to *first_seq.
 * All or none are stored. */
cjx_err cjx_outbox_append(cjx_outbox *ob, const ProtobufCBinaryData *items,
                          size_t n, uint64_t *first_seq, cjx_fault *f);

/* The same inside the caller's write transaction txn (which commits it),
 * so that other writes go with the items. Returns an LMDB code. */
int cjx_outbox_append_txn(cjx_outbox *ob, MDB_txn *txn, const ProtobufCBinaryData *items,
                          size_t n, uint64_t *first_seq);

/* Called for each pending item; item is valid only during the call. Return
 * non-zero to stop the scan. */
typedef int (*cjx_outbox_fn)(void *ctx, uint64_t seq, const void *item, size_t len);

/* Calls fn for up to max pending items with sequence > after, in order. */
cjx_err cjx_outbox_scan(cjx_outbox *ob, uint64_t after, size_t max,
                        cjx_outbox_fn fn, void *ctx, cjx_fault *f);

/* Settles in one transaction: removes the acknowledged sequences, and moves
 * the refused ones to "refused" with their Nack. Sequences already settled
 * are ignored. */
cjx_err cjx_outbox_settle(cjx_outbox *ob, const uint64_t *acked, size_t nacked,
                          Cjx__Nack *const *refused, size_t nrefused, cjx_fault *f);

typedef struct cjx_outbox_stats {
    uint64_t pending;          /* stored, not yet acknowledged */
    uint64_t refused;          /* refused by the hub, kept for the operator */
    uint64_t next_seq;         /* the sequence the next item will get */
} cjx_outbox_stats;

cjx_err cjx_outbox_stat(cjx_outbox *ob, cjx_outbox_stats *st, cjx_fault *f);

/* Makes sure the next sequence handed out is above hub_last: used when the
 * hub already holds sequences this outbox has not given out (its data folder
 * was reset), which would otherwise be taken for duplicates. Pending items
 * are renumbered above hub_last. Returns CJX_OK and sets *moved to the number
 * of items renumbered. */
cjx_err cjx_outbox_skip_past(cjx_outbox *ob, uint64_t hub_last, size_t *moved,
                             cjx_fault *f);

/* The institution's key for pseudonyms (personal.h): 32 random bytes made
 * on first use and kept in the store's meta ("pseudonym_key"), so a person
 * keeps one pseudonym. Returns CJX_OK or CJX_ESTORE. */
cjx_err cjx_outbox_pseudonym_key(cjx_outbox *ob, uint8_t key[32], cjx_fault *f);

#endif
