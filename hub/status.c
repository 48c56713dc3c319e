/* status.c — the hub's status: what `cjx status`, /status and /metrics show.
 *
 * Built on demand in the hub's thread: rates and institutions' activity from
 * memory (activity.c), who is connected from the sessions, names and kinds
 * from the registry, durable cursors and LMDB's own figures from the store.
 * The message is assembled in scratch memory, packed, and unpacked again, so
 * the caller owns one protobuf-c message and frees it in one call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hub.h"
#include "log.h"

/* One institution being described. */
typedef struct row {
    char code[CJX_CODE_LEN + 1];
    Cjx__InstitutionStatus st;
    Cjx__SubscriptionStatus **subs;
    size_t nsubs, cap;
} row;

typedef struct builder {
    cjx_hub *h;
    int64_t now;                       /* wall clock, for ages */
    int64_t mono;                      /* the rate windows' clock */
    MDB_txn *txn;
    row *rows;
    size_t nrows, cap;
    void **scratch;                    /* everything to free when done */
    size_t nscratch, scratch_cap;
    int oom;
} builder;

static void *scratch(builder *b, size_t size)
{
    if (b->nscratch == b->scratch_cap) {
        size_t cap = b->scratch_cap ? 2 * b->scratch_cap : 64;
        void **p = realloc(b->scratch, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->scratch = p;
        b->scratch_cap = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (!p)
        b->oom = 1;
    else
        b->scratch[b->nscratch++] = p;
    return p;
}

static char *scratch_str(builder *b, const char *s)
{
    char *p = scratch(b, strlen(s) + 1);
    if (p)
        strcpy(p, s);
    return p ? p : (char *)"";
}

/* ---- institutions ---- */

static void add_code(builder *b, const char *code)
{
    if (b->nrows == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        row *r = realloc(b->rows, cap * sizeof *r);
        if (!r) {
            b->oom = 1;
            return;
        }
        b->rows = r;
        b->cap = cap;
    }
    row *r = &b->rows[b->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->code, sizeof r->code, "%s", code);
}

static int row_cmp(const void *x, const void *y)
{
    return strcmp(((const row *)x)->code, ((const row *)y)->code);
}

static row *find_row(builder *b, const char *code)
{
    if (!b->nrows)
        return NULL;
    row probe;
    snprintf(probe.code, sizeof probe.code, "%s", code);
    return bsearch(&probe, b->rows, b->nrows, sizeof *b->rows, row_cmp);
}

/* The codes of the registry: the first state key of each origin is its
 * registry entry when it has one ('i' sorts before 'p' and 'r'). */
static void registry_codes(builder *b)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(b->txn, b->h->store->dbs[HUB_DB_STATE], &cur))
        return;
    uint8_t seek[CJX_CODE_LEN + 1] = {0};
    MDB_val k = {1, seek}, v;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) {
        if (k.mv_size <= CJX_CODE_LEN)
            break;
        const uint8_t *key = k.mv_data;
        if (key[CJX_CODE_LEN] == CJX_CLASS_INSTITUTION) {
            char code[CJX_CODE_LEN + 1];
            memcpy(code, key, CJX_CODE_LEN);
            code[CJX_CODE_LEN] = '\0';
            add_code(b, code);
        }
        memcpy(seek, key, CJX_CODE_LEN); /* on to the next origin */
        seek[CJX_CODE_LEN] = 0xff;
        k = (MDB_val){sizeof seek, seek};
    }
    mdb_cursor_close(cur);
}

static void activity_code(const cjx_inst_activity *e, void *ctx)
{
    add_code(ctx, e->code);
}

/* Calls fn for every durable cursor: (code, subscription name, cursor). */
static void foreach_cursor(builder *b, void (*fn)(builder *, const char *, const char *, uint64_t))
{
    MDB_cursor *cur;
    if (mdb_cursor_open(b->txn, b->h->store->dbs[HUB_DB_CURSORS], &cur))
        return;
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= CJX_CODE_LEN || k.mv_size > CJX_CODE_LEN + 255 || v.mv_size != 8)
            continue;
        char code[CJX_CODE_LEN + 1], name[256];
        memcpy(code, k.mv_data, CJX_CODE_LEN);
        code[CJX_CODE_LEN] = '\0';
        memcpy(name, (const char *)k.mv_data + CJX_CODE_LEN, k.mv_size - CJX_CODE_LEN);
        name[k.mv_size - CJX_CODE_LEN] = '\0';
        fn(b, code, name, cjx_be64_get(v.mv_data));
    }
    mdb_cursor_close(cur);
}

static void cursor_code(builder *b, const char *code, const char *name, uint64_t cursor)
{
    (void)name, (void)cursor;
    add_code(b, code);
}

/* The subscription name of r, added when new. */
static Cjx__SubscriptionStatus *subscription(builder *b, row *r, const char *name)
{
    for (size_t i = 0; i < r->nsubs; i++)
        if (strcmp(r->subs[i]->name, name) == 0)
            return r->subs[i];
    if (r->nsubs == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4;
        Cjx__SubscriptionStatus **p = scratch(b, cap * sizeof *p);
        if (!p)
            return NULL;
        if (r->nsubs)
            memcpy(p, r->subs, r->nsubs * sizeof *p);
        r->subs = p;
        r->cap = cap;
    }
    Cjx__SubscriptionStatus *s = scratch(b, sizeof *s);
    if (!s)
        return NULL;
    cjx__subscription_status__init(s);
    s->name = scratch_str(b, name);
    r->subs[r->nsubs++] = s;
    return s;
}

static void durable_subscription(builder *b, const char *code, const char *name, uint64_t cursor)
{
    row *r = find_row(b, code);
    Cjx__SubscriptionStatus *s = r ? subscription(b, r, name) : NULL;
    if (!s)
        return;
    s->cursor = cursor;
    s->lag = b->h->last_seq > cursor ? b->h->last_seq - cursor : 0;
}

/* A connected session: its institution is connected, its feeds' lag is
 * what is neither acknowledged nor passed over. */
static void live_session(cjx_session *sess, void *ctx)
{
    builder *b = ctx;
    row *r = find_row(b, sess->code);
    if (!r)
        return;
    if (sess->act) /* an agent's session, not a tool's */
        r->st.connected = 1;
    for (size_t i = 0; i < sess->nfeeds; i++) {
        const cjx_feed *fd = &sess->feeds[i];
        Cjx__SubscriptionStatus *s = subscription(b, r, fd->sub->name);
        if (!s)
            continue;
        uint64_t done = fd->count ? fd->inflight[fd->head] - 1 : fd->scanned;
        s->connected = 1;
        s->cursor = fd->cursor;
        s->lag = b->h->last_seq > done ? b->h->last_seq - done : 0;
    }
}

/* Name and kind from the registry entry of r, when there is one. */
static void registry_entry(builder *b, row *r)
{
    Cjx__Item probe = CJX__ITEM__INIT;
    Cjx__Institution in = CJX__INSTITUTION__INIT;
    probe.body_case = CJX__ITEM__BODY_INSTITUTION;
    probe.institution = &in;
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, r->code, &probe);
    cjx_state_entry se;
    Cjx__Stored *st;
    Cjx__Item *item;
    if (cjx_hub_state_get(b->txn, b->h, key, klen, &se) ||
        cjx_hub_current_item(b->txn, b->h, &se, &st, &item))
        return;
    if (item->body_case == CJX__ITEM__BODY_INSTITUTION) {
        r->st.name = scratch_str(b, item->institution->name);
        r->st.kind = item->institution->kind;
    }
    cjx__item__free_unpacked(item, NULL);
    cjx__stored__free_unpacked(st, NULL);
}

static void describe(builder *b, row *r)
{
    r->st.credit_code = r->code;
    registry_entry(b, r);
    const cjx_inst_activity *e = cjx_activity_find(b->h->activity, r->code);
    if (e) {
        r->st.last_seen_ms = e->last_seen_ms;
        r->st.outbox_backlog = e->backlog;
        r->st.refused = e->refused;
        r->st.last_error = (char *)e->last_error;
        r->st.last_error_ms = e->last_error_ms;
    }
}

static void institutions(builder *b, Cjx__HubStatus *hs)
{
    registry_codes(b);
    cjx_activity_foreach(b->h->activity, activity_code, b);
    foreach_cursor(b, cursor_code);
    if (b->nrows)
        qsort(b->rows, b->nrows, sizeof *b->rows, row_cmp);
    size_t n = 0;
    for (size_t i = 0; i < b->nrows; i++) /* one row per code */
        if (n == 0 || strcmp(b->rows[n - 1].code, b->rows[i].code) != 0)
            b->rows[n++] = b->rows[i];
    b->nrows = n;
    for (size_t i = 0; i < n; i++) {
        cjx__institution_status__init(&b->rows[i].st);
        describe(b, &b->rows[i]);
    }
    foreach_cursor(b, durable_subscription);
    cjx_sessions_foreach(b->h->sessions, live_session, b);
    hs->institutions = scratch(b, n * sizeof *hs->institutions);
    if (!hs->institutions)
        return;
    for (size_t i = 0; i < n; i++) {
        row *r = &b->rows[i];
        r->st.subscriptions = r->subs;
        r->st.n_subscriptions = r->nsubs;
        hs->institutions[i] = &r->st;
    }
    hs->n_institutions = n;
}

/* ---- rates ---- */

static Cjx__Rate *rate(builder *b, uint64_t total, const cjx_rate *w, int series)
{
    Cjx__Rate *r = scratch(b, sizeof *r);
    if (!r)
        return NULL;
    cjx__rate__init(r);
    r->total = total;
    r->last_minute = cjx_rate_last_minute(w, b->mono);
    r->last_hour = cjx_rate_last_hour(w, b->mono);
    if (series && (r->per_second = scratch(b, CJX_RATE_SLOTS * sizeof(uint32_t)))) {
        cjx_rate_series(w, b->mono, r->per_second);
        r->n_per_second = CJX_RATE_SLOTS;
    }
    return r;
}

/* Appends a named rate to *list (of *n, room for max). */
static void named(builder *b, Cjx__NamedRate **list, size_t *n, const char *name,
                  uint64_t total, const cjx_rate *w)
{
    Cjx__NamedRate *nr = scratch(b, sizeof *nr);
    if (!nr)
        return;
    cjx__named_rate__init(nr);
    nr->name = scratch_str(b, name);
    nr->rate = rate(b, total, w, 0);
    list[(*n)++] = nr;
}

static void rates(builder *b, Cjx__HubStatus *hs)
{
    const cjx_activity *a = b->h->activity;
    const cjx_hub_counters *c = &b->h->counters;
    uint64_t refused = 0;
    for (int i = 0; i < CJX_ERR_COUNT; i++)
        refused += c->refused[i];
    hs->published = rate(b, c->published, &a->published, 1);
    hs->delivered = rate(b, c->delivered, &a->delivered, 1);
    hs->refused = rate(b, refused, &a->refused, 1);

    hs->published_by_kind = scratch(b, a->nkinds * sizeof(Cjx__NamedRate *));
    for (size_t i = 0; hs->published_by_kind && i < a->nkinds; i++)
        named(b, hs->published_by_kind, &hs->n_published_by_kind, a->kinds[i].kind,
              a->kinds[i].total, &a->kinds[i].rate);

    hs->refused_by_reason = scratch(b, CJX_ERR_COUNT * sizeof(Cjx__NamedRate *));
    for (int i = 1; hs->refused_by_reason && i < CJX_ERR_COUNT; i++)
        if (c->refused[i])
            named(b, hs->refused_by_reason, &hs->n_refused_by_reason, cjx_err_name(i),
                  c->refused[i], &a->by_reason[i]);

    hs->refused_by_institution = scratch(b, hs->n_institutions * sizeof(Cjx__NamedRate *));
    for (size_t i = 0; hs->refused_by_institution && i < hs->n_institutions; i++) {
        const cjx_inst_activity *e = cjx_activity_find(a, hs->institutions[i]->credit_code);
        if (e && e->refused)
            named(b, hs->refused_by_institution, &hs->n_refused_by_institution, e->code,
                  e->refused, &e->refused_rate);
    }
}

/* ---- the store ---- */

static void store(builder *b, Cjx__HubStatus *hs)
{
    Cjx__StoreStatus *s = scratch(b, sizeof *s);
    if (!s)
        return;
    cjx__store_status__init(s);
    MDB_envinfo info;
    MDB_stat est, lst;
    if (mdb_env_info(b->h->store->env, &info) == 0 && mdb_env_stat(b->h->store->env, &est) == 0) {
        s->map_bytes = info.me_mapsize;
        s->used_bytes = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
    }
    char path[CJX_CONF_STRMAX + 16];
    struct stat fst;
    snprintf(path, sizeof path, "%s/data.mdb", b->h->cfg.data_dir);
    if (stat(path, &fst) == 0)
        s->file_bytes = (uint64_t)fst.st_size;
    int low;
    s->disk_free_bytes = cjx_limits_disk_free(b->h, &low);
    if (mdb_stat(b->txn, b->h->store->dbs[HUB_DB_LOG], &lst) == 0)
        s->log_entries = lst.ms_entries;
    MDB_cursor *cur;
    MDB_val k, v;
    if (mdb_cursor_open(b->txn, b->h->store->dbs[HUB_DB_LOG], &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0)
            s->oldest_seq = cjx_be64_get(k.mv_data);
        mdb_cursor_close(cur);
    }
    s->newest_seq = b->h->last_seq;
    snprintf(path, sizeof path, "%s/search/data.mdb", b->h->cfg.data_dir);
    if (stat(path, &fst) == 0)
        s->search_file_bytes = (uint64_t)fst.st_size;
    if (b->h->follow) {
        s->search_indexed_seq = cjx_search_follow_indexed(b->h->follow, NULL);
        s->search_deferred = cjx_search_follow_deferred(b->h->follow);
    }
    hs->store = s;
}

/* ---- alerts ---- */

static void alert(builder *b, Cjx__HubStatus *hs, size_t max, const char *name,
                  const char *inst, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void alert(builder *b, Cjx__HubStatus *hs, size_t max, const char *name,
                  const char *inst, const char *fmt, ...)
{
    Cjx__Alert *a = hs->n_alerts < max ? scratch(b, sizeof *a) : NULL;
    char *text = a ? scratch(b, 512) : NULL;
    if (!text)
        return;
    cjx__alert__init(a);
    a->name = (char *)name;
    a->institution = (char *)(inst ? inst : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, 512, fmt, ap);
    va_end(ap);
    a->text = text;
    hs->alerts[hs->n_alerts++] = a;
}

static void alerts(builder *b, Cjx__HubStatus *hs)
{
    const cjx_hub_config *cfg = &b->h->cfg;
    size_t max = 2;
    for (size_t i = 0; i < hs->n_institutions; i++)
        max += 1 + hs->institutions[i]->n_subscriptions;
    hs->alerts = scratch(b, max * sizeof *hs->alerts);
    if (!hs->alerts)
        return;
    const Cjx__StoreStatus *s = hs->store;
    if (s && s->map_bytes && s->used_bytes * 100 >= s->map_bytes * (uint64_t)cfg->alert_map_percent)
        alert(b, hs, max, "map_full", NULL, "the store uses %llu%% of its map (%llu of %llu MiB; "
              "alert at %lld%%): raise map_size_mb", (unsigned long long)(s->used_bytes * 100 /
              s->map_bytes), (unsigned long long)(s->used_bytes >> 20),
              (unsigned long long)(s->map_bytes >> 20), cfg->alert_map_percent);
    int disk_low;
    uint64_t disk_free = cjx_limits_disk_free(b->h, &disk_low);
    if (disk_low)
        alert(b, hs, max, "disk_low", NULL, "%llu MiB of disk free under the store, below "
              "disk_reserve_mb = %lld: publishes are refused", (unsigned long long)(disk_free >> 20),
              cfg->disk_reserve_mb);
    for (size_t i = 0; i < hs->n_institutions; i++) {
        const Cjx__InstitutionStatus *in = hs->institutions[i];
        const char *who = in->name[0] ? in->name : in->credit_code;
        int64_t silent = (b->now - in->last_seen_ms) / 1000;
        if (!in->connected && in->last_seen_ms && silent >= cfg->alert_silent_s)
            alert(b, hs, max, "agent_silent", in->credit_code, "%s silent for %lld s "
                  "(alert after %lld s)", who, (long long)silent, cfg->alert_silent_s);
        for (size_t j = 0; j < in->n_subscriptions; j++) {
            const Cjx__SubscriptionStatus *sub = in->subscriptions[j];
            if (sub->lag >= (uint64_t)cfg->alert_lag)
                alert(b, hs, max, "subscriber_lag", in->credit_code, "%s: subscription %s is "
                      "%llu entries behind (alert at %lld)", who, sub->name,
                      (unsigned long long)sub->lag, cfg->alert_lag);
        }
    }
}

/* ---- the whole ---- */

Cjx__HubStatus *cjx_hub_status(cjx_hub *h)
{
    builder b = {.h = h, .now = cjx_now_ms(), .mono = cjx_mono_ms()};
    Cjx__HubStatus hs = CJX__HUB_STATUS__INIT;
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &b.txn))
        return NULL;
    hs.version = (char *)CJX_VERSION;
    hs.started_ms = h->started_ms;
    hs.now_ms = b.now;
    hs.sessions = (uint32_t)cjx_sessions_count(h->sessions);
    hs.duplicates = h->counters.duplicates;
    hs.batches = h->counters.batches;
    hs.prevalidated = h->counters.prevalidated;
    hs.expired = h->counters.expired;
    hs.alert_silent_s = (uint32_t)h->cfg.alert_silent_s;
    hs.alert_lag = (uint64_t)h->cfg.alert_lag;
    hs.alert_map_percent = (uint32_t)h->cfg.alert_map_percent;
    institutions(&b, &hs);
    rates(&b, &hs);
    store(&b, &hs);
    alerts(&b, &hs);
    mdb_txn_abort(b.txn);

    Cjx__HubStatus *out = NULL;
    size_t len = b.oom ? 0 : cjx__hub_status__get_packed_size(&hs);
    uint8_t *buf = b.oom ? NULL : malloc(len ? len : 1);
    if (buf) {
        cjx__hub_status__pack(&hs, buf);
        out = cjx__hub_status__unpack(NULL, len, buf);
        free(buf);
    }
    for (size_t i = 0; i < b.nscratch; i++)
        free(b.scratch[i]);
    free(b.scratch);
    free(b.rows);
    return out;
}

void cjx_hub_status_free(Cjx__HubStatus *st)
{
    if (st)
        cjx__hub_status__free_unpacked(st, NULL);
}

void cjx_hub_status_request(cjx_hub *h, const cjx_session *s, const Cjx__StatusRequest *m)
{
    cjx_fault fault = {0};
    Cjx__HubStatus *st = NULL;
    if (h->zap && !s->operator_)
        cjx_fault_set(&fault, CJX_EFORBIDDEN, "", "the hub's status is for operators");
    else if (!(st = cjx_hub_status(h)))
        cjx_fault_set(&fault, CJX_ENOMEM, "", "out of memory building the status");
    if (fault.code) {
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    st->request_id = m->request_id;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HUB_STATUS;
    fr.hub_status = st;
    cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr);
    cjx_hub_status_free(st);
}
