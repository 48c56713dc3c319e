/* search_fuzz.c — libFuzzer harness for the postings' search index and its
 * queries (core/search_*.c): what any text in a posting or a query does.
 *
 * The input's lines are postings (title; the description and requirements
 * are pieces of the same line), indexed in one transaction of a scratch
 * LMDB environment, some of them updated or removed in a second one (so
 * segments merge and documents go); its last line is a query, run as a
 * search with the input's first bytes choosing filters and a page, and as a
 * recommendation. Nothing may crash, leak or read out of bounds, and every
 * hit must be a document that exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "search_index.h"

#define MAX_LINES 64

static MDB_env *env;
static char dir[64];

static void close_env(void)
{
    char path[128];
    mdb_env_close(env);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

static void open_env(void)
{
    snprintf(dir, sizeof dir, "/tmp/cjx-search-fuzz.XXXXXX");
    if (!mkdtemp(dir) || mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
        mdb_env_set_mapsize(env, 256 << 20) || mdb_env_open(env, dir, MDB_NOSYNC, 0600))
        abort();
    atexit(close_env);
}

/* Line i as a posting: the first third the title, the rest the
 * description, the last third also the requirements. */
static void posting_of(char *line, size_t len, size_t i, Cjx__Posting *p, char *buf)
{
    static char *majors[] = {"510203", "510101", "460301"};
    static char *divisions[] = {"140403", "140404", "140425"};
    memcpy(buf, line, len);
    buf[len] = '\0';
    cjx__posting__init(p);
    size_t third = len / 3;
    p->requirements = buf + len - third;
    p->description = buf + third;
    p->title = strndup(buf, third); /* freed by the caller */
    p->division_code = divisions[i % 3];
    p->major_codes = &majors[i % 3];
    p->n_major_codes = 1;
    p->valid_until = "2099-12-31";
    p->status = i % 5 == 4 ? CJX__POSTING_STATUS__STATUS_FILLED : CJX__POSTING_STATUS__STATUS_OPEN;
}

static void index_lines(MDB_txn *txn, cjx_search_index *ix, char **lines, size_t *lens,
                        size_t n, int round)
{
    for (size_t i = 0; i < n; i++) {
        if (round && (lens[i] + i) % 3)
            continue; /* the second round touches a third of them */
        char key[32], buf[4096];
        snprintf(key, sizeof key, "K%zu", i);
        Cjx__Posting p;
        posting_of(lines[i], lens[i] < sizeof buf - 1 ? lens[i] : sizeof buf - 1, i, &p, buf);
        int remove = round && lens[i] % 2;
        if (cjx_search_replace(txn, ix, (const uint8_t *)key, strlen(key), 10 * (uint64_t)round + i,
                               remove ? NULL : &p))
            abort();
        free(p.title);
    }
    if (cjx_search_flush(txn, ix))
        abort();
}

static void check(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        MDB_val k = {r->hits[i].klen, (void *)r->hits[i].key}, v;
        if (mdb_get(txn, ix->keys, &k, &v))
            abort(); /* a hit that is no document */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!env)
        open_env();
    char *text = malloc(size + 1), *lines[MAX_LINES];
    size_t lens[MAX_LINES], n = 0;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *p = text; n < MAX_LINES && p <= text + size;) {
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lines[n] = p;
        lens[n++] = len;
        if (!nl)
            break;
        p = nl + 1;
    }
    MDB_txn *txn;
    cjx_search_index ix = {0};
    for (int round = 0; round < 2; round++) {
        if (mdb_txn_begin(env, NULL, 0, &txn) || cjx_search_open(txn, &ix) ||
            (round == 0 && cjx_search_clear(txn, &ix)))
            abort();
        index_lines(txn, &ix, lines, lens, n > 1 ? n - 1 : 0, round);
        if (mdb_txn_commit(txn))
            abort();
    }
    cjx_search_close(&ix);

    uint8_t b0 = size > 0 ? data[0] : 0, b1 = size > 1 ? data[1] : 0;
    cjx_search_query q = {.text = n ? lines[n - 1] : "", .limit = 1 + b0 % 20,
                          .offset = b1 % 4, .any_status = b0 & 1,
                          .division = b0 & 2 ? "1404" : NULL, .major = b0 & 4 ? "510101" : NULL,
                          .kind = b0 & 8 ? "job" : NULL};
    if (n)
        lines[n - 1][lens[n - 1]] = '\0';
    cjx_search_result r;
    cjx_recommend_query rq = {"510203", b1 & 1 ? "140403" : "", b1 % 3, 1 + b1 % 7};
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
        abort();
    if (cjx_search_run(txn, &ix, &q, &r) == 0) {
        check(txn, &ix, &r);
        cjx_search_result_free(&r);
    }
    if (cjx_recommend_run(txn, &ix, &rq, &r) == 0) {
        check(txn, &ix, &r);
        cjx_search_result_free(&r);
    }
    mdb_txn_abort(txn);
    free(text);
    return 0;
}
