/* import_store.c — storing one file's import in the agent's store, in one
 * transaction (see import.h): the new and changed items into the outbox, a
 * complete export's withdrawals, the natural keys' hashes ("imports"
 * database: "<kind>/<ref>" → hash of the packed item last imported), and the
 * import's status (meta "import_status", JSON). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_int.h"
#include "store.h"

#define STATUS_KEY "import_status"

typedef struct out_list {
    ProtobufCBinaryData *v;
    uint8_t *owned;        /* 1 where v[i].data was made here */
    size_t n, cap;
} out_list;

static int push(out_list *l, ProtobufCBinaryData b, int owned)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        ProtobufCBinaryData *v = realloc(l->v, cap * sizeof *v);
        uint8_t *o = v ? realloc(l->owned, cap) : NULL;
        if (v)
            l->v = v;
        if (!o)
            return -1;
        l->owned = o;
        l->cap = cap;
    }
    l->owned[l->n] = (uint8_t)owned;
    l->v[l->n++] = b;
    return 0;
}

/* Items whose key is new or whose content changed; updates their hashes. */
static int changed_items(const cjx_import *im, MDB_txn *txn, MDB_dbi db, out_list *out,
                         cjx_import_result *r)
{
    size_t n;
    const cjx_import_item *items = cjx_import_items(im, &n);
    for (size_t i = 0; i < n; i++) {
        const cjx_import_item *it = &items[i];
        MDB_val k = {strlen(it->key), (void *)it->key}, v;
        int rc = mdb_get(txn, db, &k, &v);
        if (rc == 0 && v.mv_size == sizeof it->hash && memcmp(v.mv_data, it->hash, v.mv_size) == 0) {
            r->unchanged++;
            continue;
        }
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        v = (MDB_val){sizeof it->hash, (void *)it->hash};
        if (strncmp(it->key, "status_change/", 14) && (rc = mdb_put(txn, db, &k, &v, 0)))
            return rc;
        if (push(out, it->packed, 0))
            return ENOMEM;
    }
    return 0;
}

/* A StatusChange withdrawing ref, packed. */
static int withdrawal(const char *ref, const char *code, const char *file, out_list *out)
{
    char note[200];
    const char *base = strrchr(file, '/');
    snprintf(note, sizeof note, "not in the complete export %s", base ? base + 1 : file);
    Cjx__StatusChange ch = CJX__STATUS_CHANGE__INIT;
    ch.ref = (char *)ref;
    ch.status = CJX__POSTING_STATUS__STATUS_WITHDRAWN;
    ch.publisher_credit_code = (char *)code;
    ch.note = note;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_STATUS_CHANGE;
    item.status_change = &ch;
    ProtobufCBinaryData b = {cjx__item__get_packed_size(&item), NULL};
    if (!(b.data = malloc(b.len)))
        return ENOMEM;
    cjx__item__pack(&item, b.data);
    if (push(out, b, 1)) {
        free(b.data);
        return ENOMEM;
    }
    return 0;
}

/* Withdraws the postings of kind an earlier import published that the
 * file no longer holds, and forgets their keys. */
static int withdrawals(const cjx_import *im, const char *kind, MDB_txn *txn, MDB_dbi db,
                       out_list *out, cjx_import_result *r)
{
    char prefix[64];
    size_t plen = (size_t)snprintf(prefix, sizeof prefix, "%s/", kind);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, db, &cur);
    MDB_val k = {plen, prefix}, v;
    for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > plen && memcmp(k.mv_data, prefix, plen) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char key[160], *ref = key + plen;
        if (k.mv_size >= sizeof key)
            continue;
        memcpy(key, k.mv_data, k.mv_size);
        key[k.mv_size] = '\0';
        if (cjx_import_has_key(im, key))
            continue;
        if ((rc = withdrawal(ref, im->o->credit_code, im->path, out)) ||
            (rc = mdb_cursor_del(cur, 0)))
            break;
        r->withdrawn++;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static json_t *read_status(MDB_txn *txn, const cjx_store *s)
{
    MDB_val k = {sizeof STATUS_KEY - 1, STATUS_KEY}, v;
    json_t *st = NULL;
    if (mdb_get(txn, s->meta, &k, &v) == 0)
        st = json_loadb(v.mv_data, v.mv_size, 0, NULL);
    return json_is_object(st) ? st : (json_decref(st), json_object());
}

static json_int_t total(json_t *st, const char *name, size_t add)
{
    return json_integer_value(json_object_get(st, name)) + (json_int_t)add;
}

/* The import's status, added to the totals, into meta. */
static int write_status(const cjx_import *im, const cjx_import_result *r, MDB_txn *txn,
                        const cjx_store *s)
{
    cjx_import_stats stats = cjx_import_get_stats(im);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    const char *base = strrchr(im->path, '/');
    json_t *st = read_status(txn, s);
    json_t *last = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "file", base ? base + 1 : im->path,
        "finished", when, "format", stats.format, "encoding", stats.encoding, "kind", stats.kind,
        "rows", (json_int_t)stats.rows, "accepted", (json_int_t)stats.accepted, "refused",
        (json_int_t)stats.refused, "stored", (json_int_t)r->stored, "unchanged",
        (json_int_t)r->unchanged, "withdrawn", (json_int_t)r->withdrawn, "imported", r->imported);
    json_t *update = json_pack("{s:o,s:I,s:I,s:I}", "last", last, "files", total(st, "files", 1),
                               "rows_accepted", total(st, "rows_accepted",
                                                      r->imported ? stats.accepted : 0),
                               "rows_refused", total(st, "rows_refused", stats.refused));
    json_decref(st);
    char *text = update ? json_dumps(update, JSON_COMPACT) : NULL;
    json_decref(update);
    if (!text)
        return ENOMEM;
    MDB_val k = {sizeof STATUS_KEY - 1, STATUS_KEY}, v = {strlen(text), text};
    int rc = mdb_put(txn, s->meta, &k, &v, 0);
    free(text);
    return rc;
}

cjx_err cjx_import_commit(const cjx_import *im, cjx_outbox *ob, const cjx_import_policy *p,
                          cjx_import_result *r, cjx_fault *f)
{
    memset(r, 0, sizeof *r);
    if (p->dry_run)
        return CJX_OK;
    cjx_store *s = cjx_outbox_store(ob);
    MDB_dbi db = s->dbs[CJX_AGENT_DB_IMPORTS];
    cjx_import_stats stats = cjx_import_get_stats(im);
    out_list out = {0};
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "import");
    r->imported = stats.refused == 0 || p->valid_rows;
    if (r->imported)
        rc = changed_items(im, txn, db, &out, r);
    if (rc == 0 && r->imported && p->complete && stats.refused == 0 && stats.kind[0] &&
        im->have_map && !im->map.is_record)
        rc = withdrawals(im, stats.kind, txn, db, &out, r);
    if (rc == 0 && out.n)
        rc = cjx_outbox_append_txn(ob, txn, out.v, out.n, &r->first_seq);
    r->stored = out.n;
    if (rc == 0)
        rc = write_status(im, r, txn, s);
    if (rc == 0)
        rc = mdb_txn_commit(txn); /* synced */
    else
        mdb_txn_abort(txn);
    for (size_t i = 0; i < out.n; i++)
        if (out.owned[i])
            free(out.v[i].data);
    free(out.v);
    free(out.owned);
    if (rc) {
        memset(r, 0, sizeof *r);
        return rc == ENOMEM ? cjx_fault_set(f, CJX_ENOMEM, "", "out of memory")
                            : cjx_store_fault(f, rc, "import");
    }
    return CJX_OK;
}

json_t *cjx_import_status(cjx_outbox *ob)
{
    cjx_store *s = cjx_outbox_store(ob);
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return json_object();
    json_t *st = read_status(txn, s);
    mdb_txn_abort(txn);
    return st;
}
