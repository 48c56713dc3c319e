/* store.c — opening LMDB environments and checking their meta record. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

cjx_err cjx_store_fault(cjx_fault *f, int mdb_rc, const char *doing)
{
    if (mdb_rc == MDB_NOTFOUND)
        return cjx_fault_set(f, CJX_ENOTFOUND, "", "%s: not found", doing);
    return cjx_fault_set(f, CJX_ESTORE, "", "%s: %s", doing, mdb_strerror(mdb_rc));
}

uint64_t cjx_store_meta_u64(MDB_txn *txn, const cjx_store *s, const char *key)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    if (mdb_get(txn, s->meta, &k, &v) != 0 || v.mv_size != 8)
        return 0;
    return cjx_be64_get(v.mv_data);
}

int cjx_store_meta_put_u64(MDB_txn *txn, const cjx_store *s, const char *key,
                           uint64_t val)
{
    uint8_t buf[8];
    cjx_be64_put(buf, val);
    MDB_val k = {strlen(key), (void *)key}, v = {8, buf};
    return mdb_put(txn, s->meta, &k, &v, 0);
}

/* Writes the magic and format into a new store, or checks them in an
 * existing one. Runs inside the opening write transaction. */
static cjx_err check_meta(MDB_txn *txn, cjx_store *s, const char *role,
                          uint32_t format, const char *dir, cjx_fault *f)
{
    MDB_val k = {5, "magic"}, v;
    int rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        MDB_val m = {strlen(role), (void *)role};
        rc = mdb_put(txn, s->meta, &k, &m, 0);
        if (rc == 0)
            rc = cjx_store_meta_put_u64(txn, s, "format", format);
        return rc ? cjx_store_fault(f, rc, "writing store meta") : CJX_OK;
    }
    if (rc)
        return cjx_store_fault(f, rc, "reading store meta");
    if (v.mv_size != strlen(role) || memcmp(v.mv_data, role, v.mv_size))
        return cjx_fault_set(f, CJX_EVERSION, "", "%s holds a %.*s store, not %s",
                             dir, (int)v.mv_size, (const char *)v.mv_data, role);
    uint64_t found = cjx_store_meta_u64(txn, s, "format");
    if (found != format)
        return cjx_fault_set(f, CJX_EVERSION, "",
                             "%s has store format %llu; this program reads format %u",
                             dir, (unsigned long long)found, format);
    return CJX_OK;
}

int cjx_make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

cjx_err cjx_store_open(const char *dir, const char *role, uint32_t format,
                       const char *const *dbnames, size_t map_mb,
                       cjx_store **out, cjx_fault *f)
{
    if (cjx_make_dirs(dir) != 0)
        return cjx_fault_set(f, CJX_EIO, "", "cannot create %s: %s", dir, strerror(errno));

    cjx_store *s = calloc(1, sizeof *s);
    if (!s)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    MDB_txn *txn = NULL;
    cjx_err err;
    int rc = mdb_env_create(&s->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(s->env, CJX_STORE_MAX_DBS + 1);
    if (rc == 0)
        rc = mdb_env_set_mapsize(s->env, map_mb << 20);
    if (rc == 0)
        rc = mdb_env_set_maxreaders(s->env, 126);
    /* NOTLS: the hub reads in a read-only transaction while its write
     * transaction for the batch is open in the same thread. */
    if (rc == 0)
        rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    for (size_t i = 0; rc == 0 && dbnames[i]; i++) {
        if (i == CJX_STORE_MAX_DBS) {
            err = cjx_fault_set(f, CJX_EINVAL, "", "too many sub-databases");
            goto fail;
        }
        rc = mdb_dbi_open(txn, dbnames[i], MDB_CREATE, &s->dbs[i]);
        s->ndbs = i + 1;
    }
    if (rc) {
        err = cjx_store_fault(f, rc, dir);
        goto fail;
    }
    err = check_meta(txn, s, role, format, dir, f);
    if (err)
        goto fail;
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc) {
        err = cjx_store_fault(f, rc, dir);
        goto fail;
    }
    *out = s;
    return CJX_OK;

fail:
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(s->env);
    free(s);
    return err;
}

int cjx_store_wait_writers(cjx_store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0)
        mdb_txn_abort(txn);
    return rc;
}

void cjx_store_close(cjx_store **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_env_close((*self_p)->env);
    free(*self_p);
    *self_p = NULL;
}
