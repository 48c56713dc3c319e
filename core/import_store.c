/* import_store.c — storing one file's import in the agent's store, in one
 * transaction (see import.h): the new and changed items into the outbox, a
 * complete export's withdrawals, the natural keys ("imports" database:
 * "<class>/<ref>" → hash of the packed item last imported, its outbox
 * sequence and its kind; "seq/<8 bytes>" → the key), and the import's
 * status (meta "import_status", JSON). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_int.h"
#include "store.h"

#define STATUS_KEY "import_status"
#define SEQ_PREFIX "seq/"
#define SEQ_KEY_LEN (sizeof SEQ_PREFIX - 1 + 8)
/* a key's value: hash, outbox sequence (big-endian), kind */
#define VALUE_SEQ CJX_IMPORT_HASH_LEN
#define VALUE_KIND (VALUE_SEQ + 8)

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

/* The kind a key's value names ("" for a value of another form), into
 * kind (CJX_IMPORT_KIND_MAX bytes). */
static void value_kind(const MDB_val *v, char *kind)
{
    size_t n = v->mv_size > VALUE_KIND ? v->mv_size - VALUE_KIND : 0;
    if (n >= CJX_IMPORT_KIND_MAX)
        n = 0;
    memcpy(kind, (const char *)v->mv_data + VALUE_KIND, n);
    kind[n] = '\0';
}

static uint64_t value_seq(const MDB_val *v)
{
    return v->mv_size >= VALUE_KIND ? cjx_be64_get((const char *)v->mv_data + VALUE_SEQ) : 0;
}

static void seq_key(uint8_t out[SEQ_KEY_LEN], uint64_t seq)
{
    memcpy(out, SEQ_PREFIX, sizeof SEQ_PREFIX - 1);
    cjx_be64_put(out + sizeof SEQ_PREFIX - 1, seq);
}

/* Deletes key k (whose value is v) and the way back to it from its sequence. */
static int forget_key(MDB_txn *txn, MDB_dbi db, MDB_val *k, const MDB_val *v)
{
    uint8_t sk[SEQ_KEY_LEN];
    uint64_t seq = value_seq(v);
    if (seq) {
        seq_key(sk, seq);
        MDB_val kk = {sizeof sk, sk};
        int rc = mdb_del(txn, db, &kk, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    int rc = mdb_del(txn, db, k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The name of the column giving the ref, for a refusal about it. */
static const char *ref_column(const cjx_import *im, const cjx_import_item *it)
{
    for (size_t i = 0; im->cols && i < im->ncols; i++)
        if (strcmp(im->cols[i].path, "ref") == 0)
            return im->cols[i].name;
    return it->is_posting ? "posting.ref" : "record.ref";
}

static int by_row(const void *x, const void *y)
{
    const cjx_import_refusal *a = x, *b = y;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Refuses the items whose ref an import of another kind holds: the hub
 * keeps one posting (or record) per institution and ref, whatever its kind,
 * so one would overwrite the other. Marks them in skip. */
static int other_kinds(cjx_import *im, MDB_txn *txn, MDB_dbi db, uint8_t *skip)
{
    for (size_t i = 0; i < im->nitems; i++) {
        const cjx_import_item *it = &im->items[i];
        char kind[CJX_IMPORT_KIND_MAX];
        MDB_val k = {strlen(it->key), it->key}, v;
        if (!it->kind[0])
            continue;
        int rc = mdb_get(txn, db, &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc)
            return rc;
        value_kind(&v, kind);
        if (!kind[0] || strcmp(kind, it->kind) == 0)
            continue;
        const char *ref = strchr(it->key, '/') + 1;
        cjx_fault fault;
        cjx_fault_set(&fault, CJX_EKIND, it->is_posting ? "posting.ref" : "record.ref",
                      "ref %s is already imported as a %s, not a %s: a %s and its ref are one "
                      "per institution",
                      ref, kind, it->kind, it->is_posting ? "posting" : "record");
        cjx_import_refuse(im, it->row, ref_column(im, it), ref, &fault);
        skip[i] = 1;
    }
    return 0;
}

/* Items whose key is new or whose content changed, into out; their
 * indexes into changed (in out's order). */
static int changed_items(const cjx_import *im, MDB_txn *txn, MDB_dbi db, const uint8_t *skip,
                         out_list *out, size_t *changed, cjx_import_result *r)
{
    for (size_t i = 0; i < im->nitems; i++) {
        const cjx_import_item *it = &im->items[i];
        if (skip[i])
            continue;
        MDB_val k = {strlen(it->key), it->key}, v;
        int rc = mdb_get(txn, db, &k, &v);
        if (rc == 0 && v.mv_size >= VALUE_KIND && memcmp(v.mv_data, it->hash, VALUE_SEQ) == 0) {
            r->unchanged++;
            continue;
        }
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        changed[out->n] = i;
        if (push(out, it->packed, 0))
            return ENOMEM;
    }
    return 0;
}

/* Records the items stored (changed[0..n), stored from outbox sequence
 * first on): their hash, sequence and kind, and the way back from the
 * sequence. Status changes keep no key. */
static int put_keys(const cjx_import *im, MDB_txn *txn, MDB_dbi db, const size_t *changed,
                    size_t n, uint64_t first)
{
    for (size_t j = 0; j < n; j++) {
        const cjx_import_item *it = &im->items[changed[j]];
        if (!it->kind[0])
            continue;
        MDB_val k = {strlen(it->key), it->key}, v;
        int rc = mdb_get(txn, db, &k, &v);
        if (rc == 0 && (rc = forget_key(txn, db, &k, &v)))
            return rc;
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        uint8_t value[VALUE_KIND + CJX_IMPORT_KIND_MAX], sk[SEQ_KEY_LEN];
        size_t klen = strlen(it->kind);
        memcpy(value, it->hash, VALUE_SEQ);
        cjx_be64_put(value + VALUE_SEQ, first + j);
        memcpy(value + VALUE_KIND, it->kind, klen);
        v = (MDB_val){VALUE_KIND + klen, value};
        if ((rc = mdb_put(txn, db, &k, &v, 0)))
            return rc;
        seq_key(sk, first + j);
        MDB_val kk = {sizeof sk, sk};
        if ((rc = mdb_put(txn, db, &kk, &k, 0)))
            return rc;
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

typedef struct key_list {
    char **v;
    size_t n, cap;
} key_list;

static void key_list_free(key_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Withdraws the postings of kind an earlier import of that kind published
 * that the file no longer holds, and forgets their keys; unless the file
 * holds no row of the kind, or they would be more than max_percent of the
 * kind's postings: then r->withdraw_refused says why and nothing is
 * withdrawn (an empty or cut-off export is more likely than a closed
 * register). */
static int withdrawals(const cjx_import *im, const char *kind, int max_percent, MDB_txn *txn,
                       MDB_dbi db, out_list *out, cjx_import_result *r)
{
    static const char prefix[] = "posting/";
    const size_t plen = sizeof prefix - 1;
    key_list gone = {0};
    size_t known = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, db, &cur);
    MDB_val k = {plen, (void *)prefix}, v;
    for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > plen && memcmp(k.mv_data, prefix, plen) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char vkind[CJX_IMPORT_KIND_MAX], key[CJX_IMPORT_KEY_MAX];
        value_kind(&v, vkind);
        if (strcmp(vkind, kind) || k.mv_size >= sizeof key)
            continue;
        known++;
        memcpy(key, k.mv_data, k.mv_size);
        key[k.mv_size] = '\0';
        if (cjx_import_has_key(im, key))
            continue;
        if (gone.n == gone.cap) {
            size_t cap = gone.cap ? 2 * gone.cap : 64;
            char **nv = realloc(gone.v, cap * sizeof *nv);
            if (!nv) {
                rc = ENOMEM;
                break;
            }
            gone.v = nv;
            gone.cap = cap;
        }
        if (!(gone.v[gone.n] = strdup(key))) {
            rc = ENOMEM;
            break;
        }
        gone.n++;
    }
    mdb_cursor_close(cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    size_t holds = 0;
    for (size_t i = 0; i < im->nitems; i++)
        holds += strcmp(im->items[i].kind, kind) == 0;
    if (rc == 0 && gone.n && holds == 0)
        snprintf(r->withdraw_refused, sizeof r->withdraw_refused,
                 "the complete export holds no row: %zu %s postings not withdrawn", gone.n,
                 kind);
    else if (rc == 0 && gone.n && gone.n * 100 > (size_t)max_percent * known)
        snprintf(r->withdraw_refused, sizeof r->withdraw_refused,
                 "the complete export lacks %zu of %zu %s postings, more than "
                 "import_withdraw_max_percent (%d%%): none withdrawn",
                 gone.n, known, kind, max_percent);
    for (size_t i = 0; rc == 0 && !r->withdraw_refused[0] && i < gone.n; i++) {
        MDB_val gk = {strlen(gone.v[i]), gone.v[i]}, gv;
        if ((rc = mdb_get(txn, db, &gk, &gv)) || (rc = forget_key(txn, db, &gk, &gv)))
            break;
        if ((rc = withdrawal(gone.v[i] + plen, im->o->credit_code, im->path, out)))
            break;
        r->withdrawn++;
    }
    key_list_free(&gone);
    return rc;
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
    if (last && r->withdraw_refused[0])
        json_object_set_new(last, "withdraw_refused", json_string(r->withdraw_refused));
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

cjx_err cjx_import_commit(cjx_import *im, cjx_outbox *ob, const cjx_import_policy *p,
                          cjx_import_result *r, cjx_fault *f)
{
    memset(r, 0, sizeof *r);
    cjx_store *s = cjx_outbox_store(ob);
    MDB_dbi db = s->dbs[CJX_AGENT_DB_IMPORTS];
    out_list out = {0};
    uint8_t *skip = calloc(im->nitems + 1, 1);
    size_t *changed = malloc((im->nitems + 1) * sizeof *changed);
    MDB_txn *txn = NULL;
    size_t nrefusals = im->nrefusals, refused = im->refused; /* to undo other_kinds */
    int rc = skip && changed ? mdb_txn_begin(s->env, NULL, p->dry_run ? MDB_RDONLY : 0, &txn)
                             : ENOMEM;
    if (rc == 0)
        rc = other_kinds(im, txn, db, skip);
    cjx_import_stats stats = cjx_import_get_stats(im);
    r->imported = !p->dry_run && (stats.refused == 0 || p->valid_rows);
    if (rc == 0 && r->imported)
        rc = changed_items(im, txn, db, skip, &out, changed, r);
    size_t nchanged = out.n;
    int max_percent = p->withdraw_max_percent > 0 ? p->withdraw_max_percent
                                                  : CJX_IMPORT_WITHDRAW_MAX_PERCENT;
    if (rc == 0 && r->imported && p->complete && stats.refused == 0 && stats.kind[0] &&
        im->have_map && !im->map.is_record)
        rc = withdrawals(im, stats.kind, max_percent, txn, db, &out, r);
    if (rc == 0 && out.n)
        rc = cjx_outbox_append_txn(ob, txn, out.v, out.n, &r->first_seq);
    if (rc == 0 && out.n)
        rc = put_keys(im, txn, db, changed, nchanged, r->first_seq);
    r->stored = out.n;
    if (rc == 0 && !p->dry_run)
        rc = write_status(im, r, txn, s);
    if (rc == 0 && !p->dry_run)
        rc = mdb_txn_commit(txn); /* synced */
    else if (txn)
        mdb_txn_abort(txn);
    for (size_t i = 0; i < out.n; i++)
        if (out.owned[i])
            free(out.v[i].data);
    free(out.v);
    free(out.owned);
    free(skip);
    free(changed);
    if (rc) {
        im->nrefusals = nrefusals; /* a store tried again refuses them again */
        im->refused = refused;
        memset(r, 0, sizeof *r);
        return rc == ENOMEM ? cjx_fault_set(f, CJX_ENOMEM, "", "out of memory")
                            : cjx_store_fault(f, rc, "import");
    }
    if (im->nrefusals > nrefusals) /* kept in row order */
        qsort(im->refusals, im->nrefusals, sizeof *im->refusals, by_row);
    return CJX_OK;
}

cjx_err cjx_import_forget(cjx_outbox *ob, Cjx__Nack *const *refused, size_t n, cjx_fault *f)
{
    if (n == 0)
        return CJX_OK;
    cjx_store *s = cjx_outbox_store(ob);
    MDB_dbi db = s->dbs[CJX_AGENT_DB_IMPORTS];
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t sk[SEQ_KEY_LEN];
        seq_key(sk, refused[i]->outbox_seq);
        MDB_val kk = {sizeof sk, sk}, k, v;
        if ((rc = mdb_get(txn, db, &kk, &k)) == 0) {
            /* k lives in the map; the deletes below may move it */
            char key[CJX_IMPORT_KEY_MAX];
            size_t len = k.mv_size < sizeof key ? k.mv_size : sizeof key - 1;
            memcpy(key, k.mv_data, len);
            k = (MDB_val){len, key};
            if ((rc = mdb_get(txn, db, &k, &v)) == 0 && value_seq(&v) == refused[i]->outbox_seq) {
                rc = forget_key(txn, db, &k, &v);
            } else if (rc == 0 || rc == MDB_NOTFOUND) {
                rc = mdb_del(txn, db, &kk, NULL); /* a newer import holds the key */
            }
        }
        if (rc == MDB_NOTFOUND)
            rc = 0; /* not an imported item */
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    return rc ? cjx_store_fault(f, rc, "import forget") : CJX_OK;
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
