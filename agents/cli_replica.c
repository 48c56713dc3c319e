/* cli_replica.c — answers from the agent's replica: `cjx get --local` and
 * `cjx list --local`, which work while the hub is down, and `cjx verify`,
 * which compares the replica's digest with the hub's digest of the same
 * view.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ids.h"
#include "json.h"
#include "outbox.h"
#include "replica.h"

static cjx_outbox *open_store(cli *c, const char *cmd)
{
    cjx_outbox *ob = NULL;
    cjx_fault fault;
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) != CJX_OK)
        cli_error(cmd, "%s", fault.text);
    return ob;
}

static MDB_dbi replica_db(cjx_outbox *ob)
{
    return cjx_outbox_store(ob)->dbs[CJX_AGENT_DB_REPLICA];
}

struct select_ctx {
    const char *id, *kind;            /* match one id, or list (of one kind) */
    uint64_t since, limit, shown;
    int pretty;
};

static int print_selected(void *ctx, const uint8_t *key, size_t klen, const void *stored,
                          size_t len)
{
    (void)key, (void)klen;
    struct select_ctx *sc = ctx;
    Cjx__Stored *st = cjx__stored__unpack(NULL, len, stored);
    if (!st)
        return 0;
    int match = sc->id ? strcmp(st->id, sc->id) == 0
                       : st->seq > sc->since && (!sc->kind[0] || strcmp(st->kind, sc->kind) == 0);
    cjx__stored__free_unpacked(st, NULL);
    if (match) {
        json_t *j = cjx_stored_json(stored, len);
        if (j)
            cli_print_json(j, sc->pretty);
        sc->shown++;
    }
    return sc->shown >= sc->limit;
}

/* Looks up "CODE/REF" as a posting, then as a record. */
static int get_by_ref(cli *c, cjx_outbox *ob, const char *what, int pretty)
{
    const char *slash = strchr(what, '/');
    size_t clen = (size_t)(slash - what), rlen = strlen(slash + 1);
    if (clen > CJX_CODE_LEN || rlen > CJX_REF_MAX_BYTES) {
        cli_error("get", "\"%s\" is not CREDITCODE/REF", what);
        return 2;
    }
    const int classes[] = {CJX_CLASS_POSTING, CJX_CLASS_RECORD};
    for (size_t i = 0; i < 2; i++) {
        uint8_t key[CJX_STATE_KEY_MAX] = {0};
        memcpy(key, what, clen);
        key[CJX_CODE_LEN] = (uint8_t)classes[i];
        memcpy(key + CJX_CODE_LEN + 1, slash + 1, rlen);
        void *stored = NULL;
        size_t len = 0;
        cjx_fault fault;
        if (cjx_replica_get(cjx_outbox_store(ob), replica_db(ob), key, CJX_CODE_LEN + 1 + rlen,
                            &stored, &len, &fault) == CJX_OK) {
            json_t *j = cjx_stored_json(stored, len);
            free(stored);
            if (j) {
                cli_print_json(j, pretty);
                return 0;
            }
        }
    }
    (void)c;
    cli_error("get", "%s: not in the replica (closed postings leave it; others' records "
                     "are never in it)", what);
    return 1;
}

int cli_get_local(cli *c, const char *what, int pretty)
{
    cjx_outbox *ob = open_store(c, "get");
    if (!ob)
        return 1;
    int rc;
    if (strchr(what, '/')) {
        rc = get_by_ref(c, ob, what, pretty);
    } else {
        struct select_ctx sc = {what, "", 0, 1, 0, pretty};
        cjx_fault fault;
        rc = cjx_replica_scan(cjx_outbox_store(ob), replica_db(ob), print_selected, &sc, NULL,
                              &fault) ? 1 : 0;
        if (rc)
            cli_error("get", "%s", fault.text);
        else if (!sc.shown) {
            cli_error("get", "%s: not in the replica (an older version, a closed posting, "
                             "or not yet received)", what);
            rc = 1;
        }
    }
    cjx_outbox_close(&ob);
    return rc;
}

int cli_list_local(cli *c, const char *kind, uint64_t since, uint64_t limit, int pretty)
{
    cjx_outbox *ob = open_store(c, "list");
    if (!ob)
        return 1;
    struct select_ctx sc = {NULL, kind, since, limit, 0, pretty};
    cjx_fault fault;
    int rc = 0;
    if (limit && cjx_replica_scan(cjx_outbox_store(ob), replica_db(ob), print_selected, &sc,
                                  NULL, &fault)) {
        cli_error("list", "%s", fault.text);
        rc = 1;
    }
    cjx_outbox_close(&ob);
    return rc;
}

json_t *cli_replica_status(cjx_outbox *ob)
{
    cjx_replica_pos pos;
    cjx_fault fault;
    if (cjx_replica_position(cjx_outbox_store(ob), replica_db(ob), &pos, &fault) != CJX_OK)
        return json_pack("{s:s}", "error", fault.text);
    return json_pack("{s:b, s:I, s:I, s:I}", "loaded", pos.loaded, "seq", (json_int_t)pos.seq,
                     "entries", (json_int_t)pos.entries, "unindexed",
                     (json_int_t)pos.unindexed);
}

/* ---- verify ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *digest_json(const uint8_t *digest, uint64_t entries, uint64_t seq)
{
    char hex[2 * CJX_DIGEST_LEN + 1];
    cjx_digest_hex(hex, digest);
    return json_pack("{s:s, s:I, s:I}", "digest", hex, "entries", (json_int_t)entries, "seq",
                     (json_int_t)seq);
}

/* Asks the hub for its digest of this institution's view. */
static Cjx__Frame *hub_digest(cli *c, cli_link *l, uint64_t request_id)
{
    Cjx__DigestRequest m = CJX__DIGEST_REQUEST__INIT;
    m.request_id = request_id;
    Cjx__Frame fr = CJX__FRAME__INIT, *reply = NULL;
    fr.msg_case = CJX__FRAME__MSG_DIGEST_REQUEST;
    fr.digest_request = &m;
    if (cli_link_call(l, &fr, request_id, &reply) != 0) {
        cli_error("verify", "no answer from the hub within %d ms", c->timeout_ms);
        return NULL;
    }
    if (reply->msg_case != CJX__FRAME__MSG_DIGEST) {
        cli_error("verify", "%s", reply->msg_case == CJX__FRAME__MSG_NACK ? reply->nack->text
                                                                        : "unexpected reply");
        cjx__frame__free_unpacked(reply, NULL);
        return NULL;
    }
    return reply;
}

/* Compares until the replica stands where the hub's view does, or the wait
 * is over. Returns the exit status. */
static int compare(cli *c, cli_link *l, cjx_outbox *ob, int64_t wait_ms, int pretty)
{
    int64_t deadline = mono_ms() + wait_ms;
    for (uint64_t request = 1;; request++) {
        Cjx__Frame *reply = hub_digest(c, l, request);
        if (!reply)
            return 1;
        const Cjx__Digest *hub = reply->digest;
        uint8_t mine[CJX_DIGEST_LEN];
        uint64_t entries = 0, seq = 0;
        cjx_fault fault;
        if (cjx_replica_digest(cjx_outbox_store(ob), replica_db(ob), mine, &entries, &seq,
                               &fault)) {
            cli_error("verify", "%s", fault.text);
            cjx__frame__free_unpacked(reply, NULL);
            return 1;
        }
        /* a replica may stand past the view's newest entry (a snapshot's as_of
         * is the log's end, which may be another institution's record) */
        int level = seq >= hub->view_seq, late = mono_ms() >= deadline;
        int agree = level && hub->digest.len == CJX_DIGEST_LEN &&
                    memcmp(hub->digest.data, mine, CJX_DIGEST_LEN) == 0;
        /* on a live system the replica may have moved past the hub's digest
         * meanwhile: a mismatch is final only when the wait is over */
        if (agree || late) {
            json_t *j = json_object();
            json_object_set_new(j, "agree", json_boolean(agree));
            if (!level)
                json_object_set_new(j, "why", json_string("the replica is not at the hub's "
                                                          "position: is the agent running?"));
            json_object_set_new(j, "hub", digest_json(hub->digest.data, hub->entries,
                                                      hub->view_seq));
            json_object_set_new(j, "replica", digest_json(mine, entries, seq));
            cli_print_json(j, pretty);
            cjx__frame__free_unpacked(reply, NULL);
            return agree ? 0 : 1;
        }
        cjx__frame__free_unpacked(reply, NULL);
        struct timespec ts = {0, 250 * 1000000};
        nanosleep(&ts, NULL);
    }
}

int cli_verify(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"wait", required_argument, NULL, 'w'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t wait_s = 10;
    int pretty = 0, opt;
    while ((opt = getopt_long(argc, argv, "w:ph", opts, NULL)) != -1) {
        switch (opt) {
        case 'w': if (cli_parse_u64("verify", "--wait", optarg, &wait_s)) return 2; break;
        case 'p': pretty = 1; break;
        case 'h':
            printf("usage: cjx verify [--wait SECONDS] [--pretty]\n\n"
                   "Compares the digest of the agent's replica with the hub's digest of what\n"
                   "this institution may see (the registry, open postings, its own records).\n"
                   "Waits up to SECONDS (default 10) for the replica to reach the hub's\n"
                   "position. Prints both digests; exits 0 when they agree, 1 when not.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc) {
        cli_error("verify", "unexpected argument \"%s\"", argv[optind]);
        return 2;
    }
    if (cli_need_config(c, "verify"))
        return 2;
    cjx_outbox *ob = open_store(c, "verify");
    cli_link *l = ob ? cli_link_open(c, "verify") : NULL;
    int rc = l ? compare(c, l, ob, (int64_t)wait_s * 1000, pretty) : 1;
    cli_link_close(&l);
    cjx_outbox_close(&ob);
    return rc;
}
