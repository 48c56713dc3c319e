/* registry.c — `cjx institution add|revoke|rotate|list`: operators manage
 * which CURVE keys speak for which institution.
 *
 * Changes go into the batch's transaction like publishes, so the reply
 * (sent after the commit) means they are durable. Adding a key also puts
 * the institution (name, kind) into the registry every replica holds.
 * Revoking a key closes its open sessions at once; its agent's next frame
 * gets no_session and its next Hello is refused, and new connections with
 * it are refused by the ZAP handler, all without a restart.
 */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codes.h"
#include "hub.h"
#include "log.h"

#define MAX_KEYS_LISTED 4096

typedef struct admin_reply {
    Cjx__KeyEntry *keys[MAX_KEYS_LISTED]; /* owned */
    size_t n;
    unsigned closed;
} admin_reply;

static void reply_free(admin_reply *r)
{
    for (size_t i = 0; i < r->n; i++)
        cjx__key_entry__free_unpacked(r->keys[i], NULL);
    r->n = 0;
}

/* Calls fn for every key entry (a copy fn may keep); stops when fn returns
 * non-zero. Returns an LMDB code. */
static int each_key(MDB_txn *txn, const cjx_hub *h, int (*fn)(Cjx__KeyEntry *, void *), void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_KEYS], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Cjx__KeyEntry *e = cjx__key_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (!e) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (fn(e, ctx))
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int keep_all(Cjx__KeyEntry *e, void *ctx)
{
    admin_reply *r = ctx;
    if (r->n == MAX_KEYS_LISTED) {
        cjx__key_entry__free_unpacked(e, NULL);
        return 1;
    }
    r->keys[r->n++] = e;
    return 0;
}

/* What revoke_matching revokes: one key, or every active key of a code
 * except one. */
struct revoke_ctx {
    const char *key, *code, *except;
    admin_reply *reply;
    MDB_txn *txn;
    cjx_hub *h;
    int rc;
};

static int key_store(MDB_txn *txn, const cjx_hub *h, const Cjx__KeyEntry *e)
{
    uint8_t bin[32];
    if (!zmq_z85_decode(bin, e->public_key))
        return MDB_BAD_VALSIZE;
    MDB_val k = {sizeof bin, bin}, v = {cjx__key_entry__get_packed_size(e), NULL};
    int rc = mdb_put(txn, h->store->dbs[HUB_DB_KEYS], &k, &v, MDB_RESERVE);
    if (rc == 0)
        cjx__key_entry__pack(e, v.mv_data);
    return rc;
}

static int revoke_one(Cjx__KeyEntry *e, void *ctx)
{
    struct revoke_ctx *rc = ctx;
    int match = !e->revoked &&
                (rc->key ? strcmp(e->public_key, rc->key) == 0
                         : strcmp(e->credit_code, rc->code) == 0 &&
                               (!rc->except || strcmp(e->public_key, rc->except) != 0));
    if (!match || rc->reply->n == MAX_KEYS_LISTED) {
        cjx__key_entry__free_unpacked(e, NULL);
        return 0;
    }
    e->revoked = 1;
    e->revoked_ms = cjx_now_ms();
    rc->reply->keys[rc->reply->n++] = e;
    return 0;
}

static int has_revoked_key(const cjx_session *s, void *ctx)
{
    const admin_reply *r = ctx;
    for (size_t i = 0; i < r->n; i++)
        if (r->keys[i]->revoked && strcmp(s->key, r->keys[i]->public_key) == 0)
            return 1;
    return 0;
}

/* Revokes what ctx selects, in txn; the revoked entries go to ctx->reply. */
static int revoke_matching(struct revoke_ctx *ctx)
{
    size_t first = ctx->reply->n;
    int rc = each_key(ctx->txn, ctx->h, revoke_one, ctx);
    for (size_t i = first; rc == 0 && i < ctx->reply->n; i++)
        rc = key_store(ctx->txn, ctx->h, ctx->reply->keys[i]);
    return rc;
}

/* Registers key for the institution (new keys only). */
static cjx_err add_key(cjx_hub *h, MDB_txn *txn, const Cjx__Institution *in, const char *key,
                       admin_reply *r, cjx_fault *f)
{
    uint8_t bin[32];
    MDB_val k = {sizeof bin, bin}, v;
    zmq_z85_decode(bin, key);
    int rc = mdb_get(txn, h->store->dbs[HUB_DB_KEYS], &k, &v);
    if (rc == 0)
        return cjx_fault_set(f, CJX_EFORBIDDEN, "public_key",
                             "key %.40s is registered already (a revoked key stays revoked: "
                             "make a new one)", key);
    Cjx__KeyEntry *e = malloc(sizeof *e);
    if (!e || r->n == MAX_KEYS_LISTED) {
        free(e);
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    cjx__key_entry__init(e);
    e->public_key = strdup(key);
    e->credit_code = strdup(in->credit_code);
    e->added_ms = cjx_now_ms();
    r->keys[r->n++] = e; /* freed with the reply (free_unpacked frees the strings) */
    if (!e->public_key || !e->credit_code)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    rc = key_store(txn, h, e);
    if (rc)
        return cjx_store_fault(f, rc, "storing the key");
    if (in->name[0] || in->kind)
        cjx_hub_register(h, in->credit_code, in);
    return CJX_OK;
}

/* Checks what an operation needs: a valid code, a Z85 key, a name and kind. */
static cjx_err check_request(const Cjx__InstitutionAdmin *m, cjx_fault *f)
{
    const Cjx__Institution *in = m->institution;
    const char *code = in ? in->credit_code : "";
    int need_key = m->op == CJX__INSTITUTION_ADMIN__OP__ADD ||
                   m->op == CJX__INSTITUTION_ADMIN__OP__ROTATE;
    if (m->op == CJX__INSTITUTION_ADMIN__OP__LIST)
        return CJX_OK;
    if ((need_key || !m->public_key[0]) && cjx_code_uscc(code) != CJX_OK)
        return cjx_fault_set(f, CJX_ECODE, "institution.credit_code",
                             "\"%s\" is not a valid unified social credit code", code);
    if ((need_key || m->public_key[0]) && !cjx_key_is_z85(m->public_key))
        return cjx_fault_set(f, CJX_ECODE, "public_key",
                             "a public key is 40 characters of Z85 (the public = line of a "
                             ".pub file)");
    if (m->op == CJX__INSTITUTION_ADMIN__OP__ADD && (!in->name[0] || !in->kind))
        return cjx_fault_set(f, CJX_EREQUIRED, in->name[0] ? "institution.kind" : "institution.name",
                             "a new institution needs a name and a kind");
    return in ? cjx_hub_check_institution(in, f) : CJX_OK;
}

static void send_result(cjx_hub *h, const uint8_t *rid, size_t rid_len, uint64_t request_id,
                        admin_reply *r)
{
    Cjx__InstitutionAdminResult res = CJX__INSTITUTION_ADMIN_RESULT__INIT;
    res.request_id = request_id;
    res.n_keys = r->n;
    res.keys = r->keys;
    res.sessions_closed = r->closed;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_INSTITUTION_ADMIN_RESULT;
    fr.institution_admin_result = &res;
    cjx_hub_reply_frame(h, rid, rid_len, &fr);
}

void cjx_hub_institution_admin(cjx_hub *h, cjx_session *s, const Cjx__InstitutionAdmin *m)
{
    cjx_fault fault = {0};
    static admin_reply r; /* one thread; large */
    r.n = r.closed = 0;
    /* s may be among the sessions a revocation closes */
    uint8_t rid[CJX_RID_MAX];
    size_t rid_len = s->rid_len;
    char who[CJX_KEY_TEXT];
    memcpy(rid, s->rid, rid_len);
    memcpy(who, s->key, sizeof who);
    if (!s->operator_)
        cjx_fault_set(&fault, CJX_EFORBIDDEN, "", h->zap ? "only operators manage keys"
                      : "this hub runs without CURVE (no secret_key_file): there are no keys");
    else
        check_request(m, &fault);
    MDB_txn *txn = fault.code ? NULL : cjx_hub_batch_txn(h, &fault);
    if (txn) {
        const char *code = m->institution ? m->institution->credit_code : "";
        struct revoke_ctx rv = {m->public_key[0] ? m->public_key : NULL, code, NULL, &r, txn, h, 0};
        int rc = 0;
        switch (m->op) {
        case CJX__INSTITUTION_ADMIN__OP__LIST:
            rc = each_key(txn, h, keep_all, &r);
            break;
        case CJX__INSTITUTION_ADMIN__OP__ADD:
            add_key(h, txn, m->institution, m->public_key, &r, &fault);
            break;
        case CJX__INSTITUTION_ADMIN__OP__REVOKE:
            rc = revoke_matching(&rv);
            if (rc == 0 && r.n == 0)
                cjx_fault_set(&fault, CJX_ENOTFOUND, m->public_key[0] ? "public_key"
                              : "institution.credit_code", "no active key to revoke");
            break;
        case CJX__INSTITUTION_ADMIN__OP__ROTATE:
            if (add_key(h, txn, m->institution, m->public_key, &r, &fault) == CJX_OK) {
                rv.key = NULL;
                rv.except = m->public_key;
                rc = revoke_matching(&rv);
            }
            break;
        default:
            cjx_fault_set(&fault, CJX_ERANGE, "op", "unknown operation %d", (int)m->op);
        }
        if (rc) {
            h->batch_failed = rc;
            cjx_store_fault(&fault, rc, "changing the keys");
        }
    }
    if (fault.code) {
        cjx_hub_refuse(h, rid, rid_len, 0, m->request_id, &fault, s->code);
    } else {
        for (size_t i = 0; i < r.n && m->op != CJX__INSTITUTION_ADMIN__OP__LIST; i++)
            CJX_LOG(CJX_LOG_NOTICE, "auth.key", r.keys[i]->credit_code, "key %s %s by %s",
                    r.keys[i]->public_key, r.keys[i]->revoked ? "revoked" : "added", who);
        if (m->op != CJX__INSTITUTION_ADMIN__OP__LIST)
            r.closed = (unsigned)cjx_sessions_drop_if(h->sessions, has_revoked_key, &r);
        send_result(h, rid, rid_len, m->request_id, &r);
    }
    reply_free(&r);
}
