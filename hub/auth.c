/* auth.c — who may connect to the hub, and as whom.
 *
 * With `secret_key_file` set, the ROUTER socket is a CURVE server and every
 * connection's public key goes to the ZAP handler here (RFC 27), which lets
 * in the keys of the registry ("keys" database: 32-byte key → KeyEntry)
 * that are not revoked, and the operators' keys from the configuration. The
 * key comes back on every message as its User-Id; a Hello's session is the
 * key's institution, whatever the Hello says, and an operator's session may
 * administer keys but not publish. Revoking a key closes its sessions at
 * once. Without a secret key the hub speaks plain ZeroMQ and only on
 * loopback, and a session is the institution its Hello names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codes.h"
#include "hub.h"
#include "log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "cjx"

/* Loopback endpoints: tcp on 127.0.0.0/8, ::1 or localhost, ipc, inproc. */
static int is_loopback(const char *ep)
{
    static const char *const prefixes[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:",
                                           "ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(ep, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

/* Loads the comma-separated operator keys (Z85 or .pub paths). */
static cjx_err load_operators(cjx_hub *h, cjx_fault *f)
{
    char list[CJX_CONF_STRMAX], *save = NULL;
    snprintf(list, sizeof list, "%s", h->cfg.operators);
    for (char *item = strtok_r(list, ", ", &save); item; item = strtok_r(NULL, ", ", &save)) {
        if (h->noperators == CJX_HUB_MAX_OPERATORS)
            return cjx_fault_set(f, CJX_ECONFIG, "operators", "at most %d operator keys",
                                 CJX_HUB_MAX_OPERATORS);
        cjx_err rc = cjx_key_load_public(item, "operators", h->operators[h->noperators], f);
        if (rc)
            return rc;
        h->noperators++;
    }
    return CJX_OK;
}

cjx_err cjx_hub_auth_open(cjx_hub *h, cjx_fault *f)
{
    if (!h->cfg.secret_key_file[0]) {
        if (!is_loopback(h->cfg.listen))
            return cjx_fault_set(f, CJX_ECONFIG, "secret_key_file",
                                 "no secret_key_file: without CURVE keys the hub would take "
                                 "plain, unauthenticated connections on %s; it listens only on "
                                 "loopback then (make keys with `cjx keygen hub`)",
                                 h->cfg.listen);
        CJX_LOG(CJX_LOG_WARNING, "auth.off", NULL,
                "no secret_key_file: plain ZeroMQ on loopback, sessions are who they say");
        return CJX_OK;
    }
    cjx_keypair kp;
    cjx_err rc = cjx_key_load_secret(h->cfg.secret_key_file, "secret_key_file", &kp, f);
    if (rc == CJX_OK)
        rc = load_operators(h, f);
    if (rc)
        return rc;
    /* The handler must be bound before the first connection arrives. */
    h->zap = zmq_socket(h->zctx, ZMQ_REP);
    int server = 1, linger = 0;
    if (!h->zap || zmq_bind(h->zap, ZAP_ENDPOINT) != 0 ||
        zmq_setsockopt(h->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(h->router, ZMQ_CURVE_SERVER, &server, sizeof server) != 0 ||
        zmq_setsockopt(h->router, ZMQ_CURVE_SECRETKEY, kp.secret_key, CJX_KEY_TEXT - 1) != 0 ||
        zmq_setsockopt(h->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0)
        return cjx_fault_set(f, CJX_EIO, "secret_key_file", "cannot set up CURVE: %s",
                             zmq_strerror(zmq_errno()));
    memset(kp.secret_key, 0, sizeof kp.secret_key);
    CJX_LOG(CJX_LOG_NOTICE, "auth.curve", NULL, "CURVE on, hub key %s, %zu operator keys",
            kp.public_key, h->noperators);
    return CJX_OK;
}

static int is_operator(const cjx_hub *h, const char *key)
{
    for (size_t i = 0; i < h->noperators; i++)
        if (strcmp(h->operators[i], key) == 0)
            return 1;
    return 0;
}

/* Reads the registry's entry for a Z85 key; returns an LMDB code, or
 * MDB_NOTFOUND (also for a malformed key). *out is the caller's to free. */
static int key_get(MDB_txn *txn, const cjx_hub *h, const char *z85, Cjx__KeyEntry **out)
{
    uint8_t bin[32];
    if (!cjx_key_is_z85(z85) || !zmq_z85_decode(bin, z85))
        return MDB_NOTFOUND;
    MDB_val k = {sizeof bin, bin}, v;
    int rc = mdb_get(txn, h->store->dbs[HUB_DB_KEYS], &k, &v);
    if (rc)
        return rc;
    *out = cjx__key_entry__unpack(NULL, v.mv_size, v.mv_data);
    return *out ? 0 : MDB_CORRUPTED;
}

/* The registry's verdict on a key: its institution, or why not. */
static cjx_err check_key(cjx_hub *h, const char *z85, char code[CJX_CODE_LEN + 1], cjx_fault *f)
{
    MDB_txn *txn;
    Cjx__KeyEntry *e = NULL;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = key_get(txn, h, z85, &e);
        mdb_txn_abort(txn);
    }
    if (rc == MDB_NOTFOUND)
        return cjx_fault_set(f, CJX_EFORBIDDEN, "key", "key %.40s is not registered", z85);
    if (rc)
        return cjx_store_fault(f, rc, "reading the keys");
    cjx_err err = CJX_OK;
    if (e->revoked)
        err = cjx_fault_set(f, CJX_EFORBIDDEN, "key", "key %.40s of %s is revoked", z85,
                            e->credit_code);
    else
        snprintf(code, CJX_CODE_LEN + 1, "%s", e->credit_code);
    cjx__key_entry__free_unpacked(e, NULL);
    return err;
}

/* Reads one ZAP request (RFC 27: version, request id, domain, address,
 * identity, mechanism, credentials…) and answers it. */
void cjx_hub_zap(cjx_hub *h)
{
    char parts[7][64];
    size_t lens[7] = {0};
    uint8_t key[32] = {0};
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, h->zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (n == 0)
                return;
            break;
        }
        if (n < 7) {
            lens[n] = zmq_msg_size(&m) < 63 ? zmq_msg_size(&m) : 63;
            memcpy(parts[n], zmq_msg_data(&m), lens[n]);
            parts[n][lens[n]] = '\0';
            if (n == 6 && zmq_msg_size(&m) == sizeof key)
                memcpy(key, zmq_msg_data(&m), sizeof key);
        }
        n++;
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    char z85[CJX_KEY_TEXT] = "", code[CJX_CODE_LEN + 1] = "";
    cjx_fault fault = {0};
    if (n < 7 || strcmp(parts[5], "CURVE") != 0)
        cjx_fault_set(&fault, CJX_EFORBIDDEN, "", "only CURVE connections are taken");
    else if (!zmq_z85_encode(z85, key, sizeof key))
        cjx_fault_set(&fault, CJX_EFORBIDDEN, "", "malformed key");
    else if (!is_operator(h, z85))
        check_key(h, z85, code, &fault);
    if (fault.code) {
        cjx_hub_count_refusal(h, NULL, &fault);
        CJX_LOG(CJX_LOG_NOTICE, "auth.refused", NULL, "connection from %s: %s", parts[3],
                fault.text);
    }
    const char *status = fault.code ? "400" : "200";
    const char *reply[] = {"1.0", parts[1], status, fault.code ? fault.text : "OK",
                           fault.code ? "" : z85, ""};
    for (int i = 0; i < 6; i++)
        zmq_send(h->zap, reply[i], i == 1 ? lens[1] : strlen(reply[i]), i < 5 ? ZMQ_SNDMORE : 0);
}

cjx_err cjx_hub_authenticate(cjx_hub *h, const char *user_id, const Cjx__Hello *m,
                             char code[CJX_CODE_LEN + 1], int *operator_, cjx_fault *f)
{
    *operator_ = 0;
    cjx_err rc = cjx_code_uscc(m->credit_code);
    if (rc)
        return cjx_fault_set(f, rc, "credit_code",
                             "\"%s\" is not a valid unified social credit code", m->credit_code);
    if (!h->zap) {
        snprintf(code, CJX_CODE_LEN + 1, "%s", m->credit_code);
        return CJX_OK;
    }
    if (!user_id || !cjx_key_is_z85(user_id))
        return cjx_fault_set(f, CJX_EFORBIDDEN, "", "no authenticated key on this connection");
    if (is_operator(h, user_id)) {
        *operator_ = 1;
        snprintf(code, CJX_CODE_LEN + 1, "%s", m->credit_code);
        return CJX_OK;
    }
    rc = check_key(h, user_id, code, f);
    if (rc == CJX_OK && strcmp(code, m->credit_code) != 0)
        rc = cjx_fault_set(f, CJX_EFORBIDDEN, "credit_code",
                           "this connection's key belongs to %s, not %s", code, m->credit_code);
    return rc;
}
