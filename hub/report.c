/* report.c — the plan's reports at the hub (`cjx report`, docs/reports.md).
 *
 * A ReportRequest names a report of core/report.h and a year. The hub
 * reads its committed state once, in one read-only transaction: the
 * registry, and the current entries of the record kinds the report needs
 * (of that Record.year, or of every year for trends) and of postings if it
 * reads them; core/report_*.c computes the table from them. The sharing
 * policy decides what comes back: bureaus (and operators) get every line;
 * any other institution only the lines about itself (cjx_report_restrict).
 * Counts of people under report_min_cell are suppressed by the
 * computation itself, for everyone. The report says which log sequence it
 * was computed at (as_of_seq) and when. Requests are built by the report
 * worker (report_worker.c), beside the hub's loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "hub.h"
#include "log.h"
#include "report.h"

typedef struct gathered {
    cjx_report_entry *v[3];            /* registry, postings, records */
    size_t n[3], cap[3];
    Cjx__Stored **stored;              /* what they point into, to free */
    Cjx__Item **items;
    size_t nheld, capheld;
} gathered;

enum { G_REGISTRY, G_POSTINGS, G_RECORDS };

static void gathered_free(gathered *g)
{
    for (size_t i = 0; i < g->nheld; i++) {
        cjx__item__free_unpacked(g->items[i], NULL);
        cjx__stored__free_unpacked(g->stored[i], NULL);
    }
    for (int i = 0; i < 3; i++)
        free(g->v[i]);
    free(g->stored);
    free(g->items);
}

/* Keeps st and item (owned from now on) as an entry of list `which`.
 * Returns 0 or ENOMEM (then both are freed). */
static int keep(gathered *g, int which, Cjx__Stored *st, Cjx__Item *item)
{
    if (g->nheld == g->capheld) {
        size_t cap = g->capheld ? 2 * g->capheld : 1024;
        Cjx__Stored **s = realloc(g->stored, cap * sizeof *s);
        if (s)
            g->stored = s;
        Cjx__Item **it = s ? realloc(g->items, cap * sizeof *it) : NULL;
        if (it)
            g->items = it;
        if (!s || !it)
            goto fail;
        g->capheld = cap;
    }
    if (g->n[which] == g->cap[which]) {
        size_t cap = g->cap[which] ? 2 * g->cap[which] : 256;
        cjx_report_entry *v = realloc(g->v[which], cap * sizeof *v);
        if (!v)
            goto fail;
        g->v[which] = v;
        g->cap[which] = cap;
    }
    g->stored[g->nheld] = st;
    g->items[g->nheld++] = item;
    g->v[which][g->n[which]++] = (cjx_report_entry){st->seq, st->received_ms, st->origin, item};
    return 0;
fail:
    cjx__item__free_unpacked(item, NULL);
    cjx__stored__free_unpacked(st, NULL);
    return ENOMEM;
}

/* Whether d reads records of kind ("graduate_outcome"…), known before the
 * item is unpacked. */
static int kind_wanted(const cjx_report_def *d, const char *kind)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&cjx__record__descriptor, kind);
    return fd && (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
           (d->records & CJX_REPORT_BIT(fd->id));
}

/* Reads what report d needs of the state, in one pass in key order (so the
 * registry comes sorted by credit code). Returns 0 or an LMDB code. */
static int gather(cjx_hub *h, MDB_txn *txn, const cjx_report_def *d, int year, gathered *g)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_STATE], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= CJX_CODE_LEN || v.mv_size < 8)
            continue;
        int cls = ((const uint8_t *)k.mv_data)[CJX_CODE_LEN];
        int which = cls == CJX_CLASS_INSTITUTION ? G_REGISTRY
                    : cls == CJX_CLASS_POSTING   ? (d->postings ? G_POSTINGS : -1)
                    : cls == CJX_CLASS_RECORD    ? G_RECORDS
                                                 : -1;
        if (which < 0)
            continue;
        MDB_val lv;
        if (cjx_hub_log_get(txn, h, cjx_be64_get(v.mv_data), &lv))
            continue;
        Cjx__Stored *st = cjx__stored__unpack(NULL, lv.mv_size, lv.mv_data);
        if (!st)
            continue;
        if (which == G_RECORDS && !kind_wanted(d, st->kind)) {
            cjx__stored__free_unpacked(st, NULL);
            continue; /* most records are of kinds a report does not read */
        }
        Cjx__Item *item = cjx__item__unpack(NULL, st->item.len, st->item.data);
        int wanted = item != NULL;
        if (wanted && which == G_RECORDS)
            wanted = item->body_case == CJX__ITEM__BODY_RECORD && item->record->detail_case &&
                     (d->records & CJX_REPORT_BIT(item->record->detail_case)) &&
                     (d->all_years || item->record->year == year);
        if (!wanted) {
            if (item)
                cjx__item__free_unpacked(item, NULL);
            cjx__stored__free_unpacked(st, NULL);
            continue;
        }
        if ((rc = keep(g, which, st, item)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The newest committed log entry. */
static uint64_t committed_seq(cjx_hub *h, MDB_txn *txn)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t seq = 0;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
            seq = cjx_be64_get(k.mv_data);
        mdb_cursor_close(cur);
    }
    return seq;
}

/* Bureaus and operators see every institution's lines. */
static int sees_all(const cjx_session *s)
{
    return s->operator_ || s->kind == CJX__INSTITUTION_KIND__INSTITUTION_BUREAU;
}

Cjx__Report *cjx_hub_report_build(cjx_hub *h, const char *name, int year, const char *posting,
                                  const char *asker, cjx_fault *f)
{
    const cjx_report_def *d = cjx_report_find(name);
    if (!d) {
        char names[512] = "";
        for (const cjx_report_def *x = cjx_reports; x->name; x++)
            strncat(strncat(names, names[0] ? ", " : "", sizeof names - strlen(names) - 1),
                    x->name, sizeof names - strlen(names) - 1);
        cjx_fault_set(f, CJX_ENOTFOUND, "name", "no report \"%s\"; there are: %s", name, names);
        return NULL;
    }
    if (year < 1900 || year > 9999) {
        cjx_fault_set(f, CJX_ERANGE, "year", "%d is not a year", year);
        return NULL;
    }
    gathered g = {0};
    Cjx__Report *r = NULL;
    MDB_txn *txn;
    uint64_t as_of = 0;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        as_of = committed_seq(h, txn);
        rc = gather(h, txn, d, year, &g);
        mdb_txn_abort(txn);
    }
    if (rc) {
        cjx_store_fault(f, rc, "reading the state for a report");
    } else {
        cjx_report_input in = {
            .year = year,
            .min_cell = (int)h->cfg.report_min_cell,
            .warn_high_pct = (int)h->cfg.report_warn_high_pct,
            .warn_low_pct = (int)h->cfg.report_warn_low_pct,
            .records = g.v[G_RECORDS], .nrecords = g.n[G_RECORDS],
            .postings = g.v[G_POSTINGS], .npostings = g.n[G_POSTINGS],
            .registry = g.v[G_REGISTRY], .nregistry = g.n[G_REGISTRY],
            .posting = posting,
            .asker = asker,
        };
        if (cjx_report_compute(d, &in, &r) != CJX_OK) {
            cjx_fault_set(f, CJX_ENOMEM, "", "out of memory computing the report");
            r = NULL;
        }
    }
    gathered_free(&g);
    if (r) {
        r->as_of_seq = as_of;
        r->as_of_ms = cjx_now_ms();
    }
    return r;
}

/* A ReportRequest of a session, while the worker builds it. */
typedef struct wire_job {
    cjx_report_job job;                /* first: the worker hands this back */
    uint8_t rid[CJX_RID_MAX];
    size_t rid_len;
    uint64_t request_id;
    char code[CJX_CODE_LEN + 1];       /* the asker's institution */
    const char *as;                    /* "operator", "bureau"… for the log */
} wire_job;

/* Sends the built report (or the refusal) to the session that asked. */
static void answer_wire(cjx_hub *h, cjx_report_job *j)
{
    wire_job *w = (wire_job *)j;
    Cjx__Report *r = j->report;
    if (!r) {
        cjx_hub_refuse(h, w->rid, w->rid_len, 0, w->request_id, &j->fault, w->code);
    } else {
        r->request_id = w->request_id;
        CJX_LOG(CJX_LOG_INFO, "report.run", w->code, "%s %d (%s): %zu lines, %llu records, "
                "%.1f ms", r->name, j->year, w->as, r->n_rows,
                (unsigned long long)r->records_used, j->ms);
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_REPORT;
        fr.report = r;
        cjx_hub_reply_frame(h, w->rid, w->rid_len, &fr);
        cjx__report__free_unpacked(r, NULL);
    }
    free(w);
}

void cjx_hub_report(cjx_hub *h, cjx_session *s, const Cjx__ReportRequest *m)
{
    cjx_fault fault = {0};
    wire_job *w = calloc(1, sizeof *w);
    if (!w) {
        cjx_fault_set(&fault, CJX_ENOMEM, "", "out of memory");
    } else if (cjx_report_job_init(&w->job, m->name, m->year, m->posting,
                                   sees_all(s) ? "" : s->code, &fault) == CJX_OK) {
        w->job.done = answer_wire;
        memcpy(w->rid, s->rid, s->rid_len);
        w->rid_len = s->rid_len;
        w->request_id = m->request_id;
        snprintf(w->code, sizeof w->code, "%s", s->code);
        w->as = s->operator_ ? "operator" : cjx_policy_kind_name(s->kind);
        if (cjx_report_worker_submit(h, &w->job) == 0)
            return;
        cjx_fault_set(&fault, CJX_ELIMIT, "", "the hub is computing as many reports as it "
                      "takes at once: ask again shortly");
    }
    free(w);
    cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
}
