/* lmdb_limit.c — the physical limit the hub's durable publish rate is held
 * against: appending N records of SIZE bytes to a fresh LMDB environment in
 * transactions of TXN records, each commit synced (LMDB's default flags),
 * keys 8-byte big-endian sequences as the hub's log. No ZeroMQ, no protobuf,
 * no indexes: what the disk and LMDB give on this machine.
 *
 * Prints: system=lmdb test=limit records=N size=SIZE txn=TXN seconds=S rate=R/s
 *
 * usage: lmdb_limit DIR [N [SIZE [TXN]]]   (defaults 200000, 512, 1000)
 */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "lmdb_limit: %s: %s\n", what, mdb_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lmdb_limit DIR [N [SIZE [TXN]]]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 200000, size = argc > 3 ? atol(argv[3]) : 512,
         per_txn = argc > 4 ? atol(argv[4]) : 1000;
    if (n < 1 || size < 1 || size > 65536 || per_txn < 1)
        return 2;
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    int rc = mdb_env_create(&env);
    if (rc)
        return fail("create", rc);
    mdb_env_set_mapsize(env, (size_t)(n * (size + 64) * 2 + (64 << 20)));
    if ((rc = mdb_env_open(env, argv[1], 0, 0644)))
        return fail(argv[1], rc);
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) ||
        (rc = mdb_txn_commit(txn)))
        return fail("open", rc);

    char *val = malloc((size_t)size);
    if (!val)
        return 1;
    memset(val, 'x', (size_t)size);
    double t0 = bench_now_s();
    for (long done = 0; done < n;) {
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
            return fail("begin", rc);
        for (long i = 0; i < per_txn && done < n; i++, done++) {
            uint8_t key[8];
            uint64_t seq = (uint64_t)done + 1;
            for (int b = 0; b < 8; b++)
                key[b] = (uint8_t)(seq >> (56 - 8 * b));
            memcpy(val, &seq, sizeof seq);
            MDB_val k = {sizeof key, key}, v = {(size_t)size, val};
            if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND)))
                return fail("put", rc);
        }
        if ((rc = mdb_txn_commit(txn))) /* writes and fsyncs */
            return fail("commit", rc);
    }
    double secs = bench_now_s() - t0;
    printf("system=lmdb test=limit records=%ld size=%ld txn=%ld seconds=%.3f rate=%.0f/s\n", n,
           size, per_txn, secs, n / secs);
    free(val);
    mdb_env_close(env);
    return 0;
}
