/* search_records.c — `cjx search --kind RECORD_KIND`: the records of one
 * kind the asker may read (its own, and others' as the sharing policy's
 * [read] allows), newest first, that match every keyword and filter.
 *
 * Records are not in the postings' index: there are fewer of a kind, and
 * who may see one depends on who asks. The report worker
 * (report_worker.c) walks the kind's entries in the kinds index newest
 * first, in its own read-only transaction, and keeps the current entry of
 * each key that the policy shows the asker, that the feeds' filter matches
 * (county prefix, major, publisher) and whose text fields hold every
 * keyword; then the loop sends the page asked for, each record as `cjx
 * get` shows it (personal fields only to a named receiver, audited).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "hub.h"
#include "search_tokens.h"

#define QUERY_TERMS 16
#define LIMIT_MAX 100

typedef struct record_search {
    cjx_report_job job;                /* first: the worker hands this back */
    cjx_session asker;                 /* a copy: who asks, where the answer goes */
    Cjx__SearchRequest *req;           /* a copy, owned */
    char terms[QUERY_TERMS][CJX_TERM_MAX];
    size_t term_len[QUERY_TERMS], nterms;
    /* by the worker */
    uint64_t *seqs;                    /* the page's records, newest first */
    char (*why)[256];
    size_t n;
    uint64_t total, as_of;
    int rc;                            /* an LMDB code */
} record_search;

static void add_term(const char *text, size_t len, int bridge, void *ctx)
{
    record_search *rs = ctx;
    if (bridge || rs->nterms == QUERY_TERMS || len >= CJX_TERM_MAX)
        return;
    for (size_t i = 0; i < rs->nterms; i++)
        if (rs->term_len[i] == len && memcmp(rs->terms[i], text, len) == 0)
            return;
    memcpy(rs->terms[rs->nterms], text, len);
    rs->term_len[rs->nterms++] = len;
}

/* Text a keyword may be found in: the detail's own strings, not codes,
 * dates, pseudonyms or personal fields. */
static int is_text(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED &&
           !strstr(f->name, "code") && !strstr(f->name, "date") &&
           strncmp(f->name, "pii_", 4) != 0 && strcmp(f->name, "pseudonym") != 0;
}

typedef struct seek {
    const char *term;
    size_t len;
    int found;
} seek;

static void compare(const char *text, size_t len, int bridge, void *ctx)
{
    (void)bridge;
    seek *k = ctx;
    k->found |= len == k->len && memcmp(text, k->term, len) == 0;
}

/* Whether every keyword is in r's text; why names where. */
static int holds_terms(const record_search *rs, const Cjx__Record *r, char *why, size_t cap)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&cjx__record__descriptor, (unsigned)r->detail_case);
    const ProtobufCMessage *d = fd ? *(ProtobufCMessage *const *)((const char *)r + fd->offset)
                                   : NULL;
    size_t used = 0;
    why[0] = '\0';
    for (size_t t = 0; t < rs->nterms; t++) {
        seek k = {rs->terms[t], rs->term_len[t], 0};
        const char *where = NULL;
        for (unsigned i = 0; d && !k.found && i < d->descriptor->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &d->descriptor->fields[i];
            if (is_text(f)) {
                cjx_terms(*(char *const *)((const char *)d + f->offset), compare, &k);
                where = f->name;
            }
        }
        if (!k.found)
            return 0;
        used += (size_t)snprintf(why + used, used < cap ? cap - used : 0, "%s%.*s: %s",
                                 t ? "; " : "", (int)k.len, k.term, where);
    }
    return 1;
}

/* Whether the log entry st (of item) is still its key's current entry. */
static int is_current(const cjx_hub *h, MDB_txn *txn, const Cjx__Stored *st,
                      const Cjx__Item *item)
{
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, st->origin, item);
    MDB_val k = {klen, key}, v;
    return klen && mdb_get(txn, h->store->dbs[HUB_DB_STATE], &k, &v) == 0 && v.mv_size >= 8 &&
           cjx_be64_get(v.mv_data) == st->seq;
}

/* Counts entry st if it is a match, and keeps it if it is on the page. */
static void consider(const cjx_hub *h, MDB_txn *txn, record_search *rs,
                    const Cjx__Subscription *filter, const Cjx__Stored *st)
{
    if (!cjx_policy_may_see(h, &rs->asker, st) || !cjx_filter_match(filter, st))
        return;
    Cjx__Item *item = cjx__item__unpack(NULL, st->item.len, st->item.data);
    char why[256];
    int match = item && item->body_case == CJX__ITEM__BODY_RECORD &&
                is_current(h, txn, st, item) && holds_terms(rs, item->record, why, sizeof why);
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (!match)
        return;
    const Cjx__SearchRequest *m = rs->req;
    if (rs->total++ >= m->offset && rs->n < m->limit) {
        rs->seqs[rs->n] = st->seq;
        snprintf(rs->why[rs->n++], sizeof rs->why[0], "%s", why);
    }
}

/* The worker's part: every entry of the kind, newest first. */
static void scan(cjx_hub *h, cjx_report_job *j)
{
    record_search *rs = (record_search *)j;
    const Cjx__SearchRequest *m = rs->req;
    char *kinds[1] = {m->kind}, *divisions[1] = {m->division_code},
         *majors[1] = {m->major_code}, *publishers[1] = {m->publisher};
    Cjx__Subscription filter = CJX__SUBSCRIPTION__INIT;
    filter.n_kinds = 1, filter.kinds = kinds;
    filter.n_division_codes = m->division_code[0] != 0, filter.division_codes = divisions;
    filter.n_major_codes = m->major_code[0] != 0, filter.major_codes = majors;
    filter.n_publishers = m->publisher[0] != 0, filter.publishers = publishers;

    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_KINDS], &cur);
    size_t klen = strlen(m->kind) + 1;
    uint8_t key[64 + 8];
    memcpy(key, m->kind, klen);
    memset(key + klen, 0xff, 8); /* past the kind's newest entry */
    MDB_val k = {klen + 8, key}, v;
    int more = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    more = more == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST)
                                : more ? more : mdb_cursor_get(cur, &k, &v, MDB_PREV);
    for (; rc == 0 && more == 0 && k.mv_size == klen + 8 && memcmp(k.mv_data, m->kind, klen) == 0;
         more = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        MDB_val sk = {8, (uint8_t *)k.mv_data + klen}, lv;
        if (mdb_get(txn, h->store->dbs[HUB_DB_LOG], &sk, &lv))
            continue;
        Cjx__Stored *st = cjx__stored__unpack(NULL, lv.mv_size, lv.mv_data);
        if (st) {
            consider(h, txn, rs, &filter, st);
            cjx__stored__free_unpacked(st, NULL);
        }
    }
    MDB_cursor *log;
    if (rc == 0 && mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &log) == 0) {
        if (mdb_cursor_get(log, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
            rs->as_of = cjx_be64_get(k.mv_data); /* the state this answer saw */
        mdb_cursor_close(log);
    }
    if (rc == 0 && more && more != MDB_NOTFOUND)
        rc = more;
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        mdb_txn_abort(txn);
    rs->rc = rc;
}

static void free_search(record_search *rs)
{
    if (rs->req)
        cjx__search_request__free_unpacked(rs->req, NULL);
    free(rs->seqs);
    free(rs->why);
    free(rs);
}

/* The loop's part: the page, as the asker may see each record. */
static void answer(cjx_hub *h, cjx_report_job *j)
{
    record_search *rs = (record_search *)j;
    cjx_fault fault = {0};
    MDB_txn *txn = NULL;
    int rc = rs->rc ? rs->rc : mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    size_t cap = rs->n ? rs->n : 1;
    Cjx__SearchHit *hits = calloc(cap, sizeof *hits);
    Cjx__SearchHit **ptrs = calloc(cap, sizeof *ptrs);
    const void **entry = calloc(cap, sizeof *entry); /* what each hit shows a copy of, or is */
    Cjx__SearchResult res = CJX__SEARCH_RESULT__INIT;
    for (size_t i = 0; rc == 0 && hits && ptrs && entry && i < rs->n; i++) {
        MDB_val v;
        if (cjx_hub_log_get(txn, h, rs->seqs[i], &v))
            continue;
        cjx__search_hit__init(&hits[res.n_hits]);
        rc = cjx_hub_shown(h, &rs->asker, &v, &hits[res.n_hits].stored);
        hits[res.n_hits].why = rs->why[i];
        ptrs[res.n_hits] = &hits[res.n_hits];
        entry[res.n_hits] = v.mv_data;
        res.n_hits += rc == 0;
    }
    if (rc || !hits || !ptrs || !entry) {
        cjx_store_fault(&fault, rc ? rc : ENOMEM, "searching records");
        cjx_hub_refuse(h, rs->asker.rid, rs->asker.rid_len, 0, rs->req->request_id, &fault,
                       rs->asker.code);
    } else {
        res.request_id = rs->req->request_id;
        res.total = rs->total;
        res.as_of_seq = rs->as_of;
        res.hits = ptrs;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_SEARCH_RESULT;
        fr.search_result = &res;
        cjx_hub_reply_frame(h, rs->asker.rid, rs->asker.rid_len, &fr);
    }
    for (size_t i = 0; i < res.n_hits; i++)
        if (hits[i].stored.data != entry[i])
            free(hits[i].stored.data);
    if (txn)
        mdb_txn_abort(txn);
    free(hits);
    free(ptrs);
    free(entry);
    free_search(rs);
}

void cjx_hub_search_records(cjx_hub *h, cjx_session *s, const Cjx__SearchRequest *m)
{
    cjx_fault fault = {0};
    record_search *rs = calloc(1, sizeof *rs);
    size_t limit = m->limit && m->limit < LIMIT_MAX ? m->limit : LIMIT_MAX;
    size_t len = cjx__search_request__get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (rs && buf) {
        cjx__search_request__pack(m, buf);
        rs->req = cjx__search_request__unpack(NULL, len, buf);
        rs->seqs = calloc(limit, sizeof *rs->seqs);
        rs->why = calloc(limit, sizeof *rs->why);
    }
    free(buf);
    if (!rs || !rs->req || !rs->seqs || !rs->why) {
        cjx_fault_set(&fault, CJX_ENOMEM, "", "out of memory");
    } else if (strlen(m->kind) >= 64) {
        cjx_fault_set(&fault, CJX_EKIND, "kind", "no kind has so long a name");
    } else {
        rs->req->limit = (uint32_t)limit;
        rs->asker = *s;
        rs->asker.feeds = NULL, rs->asker.nfeeds = 0, rs->asker.act = NULL;
        rs->asker.next = NULL;
        cjx_terms(m->text, add_term, rs);
        rs->job.build = scan;
        rs->job.done = answer;
        snprintf(rs->job.name, sizeof rs->job.name, "search %s", m->kind);
        if (cjx_report_worker_submit(h, &rs->job) == 0)
            return;
        cjx_fault_set(&fault, CJX_ELIMIT, "", "the hub is answering as many long requests as "
                      "it takes at once: ask again shortly");
    }
    if (rs)
        free_search(rs);
    cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
}
