/* store.h — an LMDB environment with cjx's conventions.
 *
 * Every environment has a "meta" sub-database holding a magic value naming
 * its role ("cjx-hub", "cjx-agent") and a format version, checked at open so
 * a hub never opens an agent's store or a store of another format. Number
 * keys are 8-byte big-endian, so LMDB's byte order is numeric order.
 */
#ifndef CJX_STORE_H
#define CJX_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CJX_STORE_MAX_DBS 16

typedef struct cjx_store {
    MDB_env *env;
    MDB_dbi meta;
    MDB_dbi dbs[CJX_STORE_MAX_DBS];   /* in the order of the names given to open */
    size_t ndbs;
} cjx_store;

/* Opens (creating if needed) the environment in directory dir, which is
 * created with its parents if missing. role is the magic ("cjx-hub"); format the version this
 * program writes; dbnames a NULL-terminated list of sub-databases besides
 * meta. map_mb is the map size in MiB. Returns CJX_OK, CJX_EIO, CJX_ESTORE or
 * CJX_EVERSION (another role or format), with the reason in f. On success
 * *out is a new store the caller closes with cjx_store_close. */
cjx_err cjx_store_open(const char *dir, const char *role, uint32_t format,
                       const char *const *dbnames, size_t map_mb,
                       cjx_store **out, cjx_fault *f);

void cjx_store_close(cjx_store **self_p);

/* Waits until no other writer holds s: a writer's lock is held from the
 * start of its transaction to the end of its commit, and LMDB hands it on
 * only once the commit is visible to readers. For a reader woken by a write
 * to the store's file (inotify), which comes before the commit can be read;
 * it waits as long as that writer's commit takes (its sync). Returns an
 * LMDB code. */
int cjx_store_wait_writers(cjx_store *s);

/* Maps an LMDB return code to a fault (CJX_ESTORE, or CJX_ENOTFOUND for
 * MDB_NOTFOUND) naming what was being done. */
cjx_err cjx_store_fault(cjx_fault *f, int mdb_rc, const char *doing);

static inline void cjx_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t cjx_be64_get(const void *in)
{
    const uint8_t *p = in;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* mkdir -p: creates dir and any missing parents (mode 0700). Returns 0, or
 * -1 with errno set. */
int cjx_make_dirs(const char *dir);

/* Reads a u64 stored under a string key of the meta database; 0 when absent. */
uint64_t cjx_store_meta_u64(MDB_txn *txn, const cjx_store *s, const char *key);

/* Writes a u64 under a string key of the meta database. Returns an LMDB code. */
int cjx_store_meta_put_u64(MDB_txn *txn, const cjx_store *s, const char *key,
                           uint64_t v);

#endif
