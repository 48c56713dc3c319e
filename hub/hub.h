/* hub.h — the hub's state, shared by the files of cjx-hub.
 *
 * One thread, the loop, runs everything that touches sessions and the
 * store's writes: server.c drains the ROUTER socket in batches (inbox.c),
 * publish.c applies each batch's publishes in one LMDB write transaction,
 * query.c answers reads, session.c keeps who is connected. Beside it:
 * prevalidate.c validates the next batch's items while a batch commits,
 * search_follow.c indexes the log, report_worker.c builds reports.
 */
#ifndef CJX_HUB_H
#define CJX_HUB_H

#include <stdint.h>

#include "activity.h"
#include "arena.h"
#include "config.h"
#include "error.h"
#include "ids.h"
#include "keys.h"
#include "protocol.pb-c.h"
#include "search_index.h"
#include "state.h"
#include "store.h"
#include "validate.h"

#define CJX_HUB_FORMAT 2
#define CJX_RID_MAX 256
#define CJX_HUB_MAX_SUBSCRIPTIONS 32    /* per session */
/* How long an acknowledged cursor may wait to be written: acknowledgements
 * alone then cost the hub one sync per this many ms, not one each. */
#define CJX_CURSOR_DELAY_MS 50
#define CJX_POLICY_KINDS 6              /* InstitutionKind values */
#define CJX_RECORD_KINDS 7              /* details of Record */

typedef struct cjx_hub_config {
    char listen[CJX_CONF_STRMAX];
    char data_dir[CJX_CONF_STRMAX];
    char catalog_dir[CJX_CONF_STRMAX];
    char log_level[CJX_CONF_STRMAX];
    long long map_size_mb;
    long long batch_max;
    long long search_burst_entries;    /* a batch this big: indexing waits; 0: never */
    long long max_frame_bytes;
    long long heartbeat_ms;
    long long debug_lose_events;
    long long debug_search_delay_ms;
    long long debug_fail_audited_commits;
    char secret_key_file[CJX_CONF_STRMAX];
    char operators[CJX_CONF_STRMAX];
    long long publish_rate;            /* per institution and second; 0: no limit */
    long long publish_burst;
    long long max_sessions;
    long long max_sessions_per_institution;
    long long disk_reserve_mb;         /* publishes are refused with less disk free */
    char http_listen[CJX_CONF_STRMAX];  /* "host:port" of /metrics, /status, /; "" none */
    long long alert_silent_s;          /* an agent silent this long is an alert */
    long long alert_lag;               /* a subscription this many entries behind is one */
    long long alert_map_percent;       /* the store's map this full is one */
    long long report_min_cell;         /* reports: counts of people under it are suppressed */
    long long report_warn_high_pct;    /* supply-demand: demand/supply over it is a warning */
    long long report_warn_low_pct;     /* … and under it */
    char publish[CJX_POLICY_KINDS][CJX_CONF_STRMAX]; /* [publish], by InstitutionKind */
    char read[CJX_POLICY_KINDS][CJX_CONF_STRMAX];    /* [read] */
    char personal[CJX_RECORD_KINDS][CJX_CONF_STRMAX]; /* [personal]: receivers by record kind */
} cjx_hub_config;

#define CJX_HUB_MAX_OPERATORS 16

extern const cjx_conf_key cjx_hub_config_keys[];  /* [hub], main.c */
extern const cjx_conf_key cjx_hub_policy_keys[];  /* [publish] and [read], policy.c */

/* Sub-databases of the hub's store (docs/protocol.md, "The store"). */
enum { HUB_DB_LOG, HUB_DB_IDS, HUB_DB_KINDS, HUB_DB_CURSORS, HUB_DB_STATE, HUB_DB_EXPIRY,
       HUB_DB_KEYS, HUB_DB_AUDIT, HUB_DB_COUNT };

/* The longest subscription name, in bytes. */
#define CJX_FEED_NAME_MAX 64

/* One subscription of a session: where its durable cursor is, how far the
 * log was scanned for it, and the events sent and not yet acknowledged (at
 * most the session's window: the credit that bounds the hub's memory). */
typedef struct cjx_feed {
    Cjx__Subscription *sub;            /* owned */
    uint64_t cursor;                   /* acknowledged, or passed over, up to here (durable
                                        * unless ephemeral, once written) */
    uint64_t written;                  /* the cursor as last written to the store */
    uint64_t scanned;                  /* log entries up to here were considered */
    uint64_t last_sent;                /* the newest event sent, or where the feed started */
    uint64_t *inflight;                /* ring of sent, unacknowledged sequences */
    size_t head, count;
} cjx_feed;

/* A connected agent or tool, known by its ROUTER routing id. */
typedef struct cjx_session {
    uint8_t rid[CJX_RID_MAX];
    size_t rid_len;
    char code[CJX_CODE_LEN + 1];       /* the institution */
    char key[CJX_KEY_TEXT];            /* its CURVE public key; "" without CURVE */
    int operator_;                     /* an operator's session: administers, never publishes */
    int kind;                          /* its InstitutionKind, from the registry */
    uint64_t resend_from;              /* an item refused for now (limit, store): later ones
                                        * are refused too until it comes again, so that an
                                        * institution's items are stored in outbox order */
    int resend_reason;
    int64_t last_seen_ms;
    cjx_inst_activity *act;            /* the institution's activity (status, metrics) */
    cjx_feed *feeds;                   /* its subscriptions, owned */
    size_t nfeeds;
    uint32_t window;                   /* credit per subscription */
    int batch;                         /* takes EventBatch frames (Subscribe.batch) */
    int ack_batch;                     /* takes AckBatch frames (Hello.ack_batch) */
    struct cjx_session *next;          /* hash chain */
} cjx_session;

typedef struct cjx_sessions cjx_sessions;
typedef struct cjx_limits cjx_limits;
typedef struct cjx_http cjx_http;
typedef struct cjx_report_worker cjx_report_worker;
typedef struct cjx_search_follow cjx_search_follow;
typedef struct cjx_feed_cache cjx_feed_cache;
typedef struct cjx_prevalidate cjx_prevalidate;
typedef struct cjx_inbox cjx_inbox;
typedef struct cjx_search_waits cjx_search_waits;

/* A reply waiting for the batch's commit. */
typedef struct cjx_reply {
    uint8_t rid[CJX_RID_MAX];
    size_t rid_len;
    Cjx__Frame__MsgCase type;          /* ACK, NACK, WELCOME, HEARTBEAT, RESULT, HUB_STATUS… */
    uint64_t outbox_seq, seq, request_id;
    int duplicate;
    int batchable;                     /* an ACK to a session that takes AckBatch frames */
    cjx_fault fault;                   /* NACK */
    void *packed;                      /* other types: the whole frame, packed */
    size_t packed_len;
} cjx_reply;

typedef struct cjx_hub_counters {
    uint64_t published;
    uint64_t delivered;                /* feed events sent */
    uint64_t lost;                     /* of those, not sent on purpose (debug_lose_events) */
    uint64_t duplicates;
    uint64_t batches;
    uint64_t prevalidated;             /* items validated beside the loop (prevalidate.c) */
    uint64_t expired;                  /* postings closed at valid_until */
    uint64_t refused[CJX_ERR_COUNT];
} cjx_hub_counters;

typedef struct cjx_hub {
    cjx_hub_config cfg;
    char endpoint[256];                /* as bound, the port resolved */
    cjx_store *store;
    cjx_validator validator;
    void *zctx, *router;
    void *zap;                         /* the ZAP handler's socket; NULL without CURVE */
    cjx_limits *limits;                /* limits.c */
    char operators[CJX_HUB_MAX_OPERATORS][CJX_KEY_TEXT];
    size_t noperators;
    uint64_t may_publish[CJX_POLICY_KINDS];  /* item kinds by bit (policy.c) */
    uint64_t may_read[CJX_POLICY_KINDS];
    uint64_t last_lost_seq;            /* debug_lose_events: the newest event lost */
    uint64_t audit_seq;                /* the audit log's last entry and its hash */
    uint8_t audit_hash[CJX_DIGEST_LEN];
    cjx_sessions *sessions;
    uint64_t last_seq;                 /* newest committed-or-pending sequence */
    uint64_t committed_seq;            /* newest committed one */
    uint64_t store_id;                 /* random, made with the store (Welcome.store_id) */
    cjx_hub_counters counters;
    cjx_activity *activity;            /* rates and institutions, for status (activity.c) */
    int64_t started_ms;
    cjx_http *http;                    /* the HTTP listener; NULL without (http.c) */
    cjx_report_worker *reports;        /* reports built beside the loop (report_worker.c) */
    cjx_search_index search;           /* the postings' search index (search.c) */
    cjx_store *search_store;           /* its own environment, <data_dir>/search */
    cjx_search_follow *follow;         /* the thread keeping it up with the log */
    cjx_search_waits *search_waits;    /* searches waiting for it (search_wait.c) */
    cjx_feed_cache *feed_cache;        /* log entries the feeds unpacked (feed.c) */
    cjx_arena scratch;                 /* the item being published, unpacked (publish.c) */
    cjx_arena frame;                   /* the frame being applied, unpacked (server.c) */
    int reindex_only;                  /* --reindex: rebuild the index, then stop */
    cjx_inbox *inbox;                  /* frames drained, to apply (server.c) */
    cjx_prevalidate *prevalidate;      /* validates them beside the loop */
    cjx_reply *replies;
    size_t nreplies, reply_cap;
    MDB_txn *batch_txn;                /* open while a batch has publishes */
    MDB_cursor *batch_cursors[HUB_DB_COUNT]; /* its writers' (cjx_hub_put) */
    size_t batch_frames;               /* frames applied into it (server.c) */
    int64_t cursors_due_ms;            /* moved cursors must be written by then
                                        * (cjx_mono_ms), 0 when none moved */
    int batch_failed;                  /* LMDB code of a failed write, 0 if none */
    int batch_audited;                 /* the batch wrote audit rows (cjx_hub_shown) */
    long long audited_commits_failed;  /* debug_fail_audited_commits: so far */
} cjx_hub;

/* server.c */
cjx_err cjx_hub_open(cjx_hub *h, cjx_fault *f);
int cjx_hub_run(cjx_hub *h, volatile int *stop);
void cjx_hub_close(cjx_hub *h);
int64_t cjx_now_ms(void);
/* A clock that never steps back, for the rate windows (activity.c). */
int64_t cjx_mono_ms(void);

/* Writes text and a newline to <data_dir>/name, atomically (by rename), for
 * scripts and tests: the endpoints actually bound. */
cjx_err cjx_hub_write_file(const cjx_hub *h, const char *name, const char *text, cjx_fault *f);

/* batch.c */
/* Commits the batch's transaction (see batch.c for a failure). */
void cjx_hub_commit_batch(cjx_hub *h);
/* Sends every queued reply and empties the queue: after the commit. */
void cjx_hub_flush_replies(cjx_hub *h);
/* Queues a reply for the current batch; NULL when out of memory (the reply is
 * dropped and the peer will retry). */
cjx_reply *cjx_hub_reply(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                         Cjx__Frame__MsgCase type);
/* Queues a whole frame, packed now. */
void cjx_hub_reply_frame(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                         const Cjx__Frame *frame);
/* Counts a refusal under its reason and for institution inst (NULL when
 * not known). */
void cjx_hub_count_refusal(cjx_hub *h, const char *inst, const cjx_fault *fault);
/* Queues a Nack for fault and counts the refusal. */
void cjx_hub_refuse(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                    uint64_t outbox_seq, uint64_t request_id, const cjx_fault *fault,
                    const char *inst);

/* prevalidate.c: the items of a batch's Publish frames validated on a
 * thread beside the loop while it commits the batch before. */
typedef struct cjx_frame_ref {
    const void *data;
    size_t len;
} cjx_frame_ref;

cjx_prevalidate *cjx_prevalidate_start(const cjx_validator *v, size_t max_frame_bytes);
void cjx_prevalidate_stop(cjx_prevalidate **pv);
/* Starts on the n frames, which the caller keeps until it has waited;
 * -1 when out of memory (nothing started). */
int cjx_prevalidate_begin(cjx_prevalidate *pv, const cjx_frame_ref *frames, size_t n);
/* Waits until done; then element i is 1 when frame i is a Publish whose
 * item is valid (0: not a Publish, or not valid, or not decodable). */
const uint8_t *cjx_prevalidate_wait(cjx_prevalidate *pv);

/* inbox.c: the messages of the next batch, drained from the ROUTER socket
 * while the batch applied last is still to be committed. */
typedef struct cjx_inbound {
    const uint8_t *rid;
    size_t rid_len;
    const void *data;                  /* the last part: a frame is one */
    size_t len;
    int parts;                         /* after the routing id */
} cjx_inbound;

cjx_inbox *cjx_inbox_new(void);
void cjx_inbox_free(cjx_inbox **in);
/* Takes one message without blocking: 0, or -1 when none was waiting (or
 * memory ran out, and it waits in the socket). */
int cjx_inbox_receive(cjx_inbox *in, void *router);
size_t cjx_inbox_count(const cjx_inbox *in);
/* The messages' last parts, valid until the next cjx_inbox_receive or
 * cjx_inbox_clear. */
const cjx_frame_ref *cjx_inbox_frames(cjx_inbox *in);
/* Message i into *out (valid until cjx_inbox_clear); 0 past the last. */
int cjx_inbox_get(const cjx_inbox *in, size_t i, cjx_inbound *out);
/* The User-Id of message i's connection (its CURVE key, under ZAP). */
const char *cjx_inbox_user_id(const cjx_inbox *in, size_t i);
/* Lets every message go. */
void cjx_inbox_clear(cjx_inbox *in);

/* publish.c */
/* Applies Publish p of session s; `valid`: its item is known to pass
 * validation (prevalidate.c), which is then not done again. */
void cjx_hub_publish(cjx_hub *h, cjx_session *s, const Cjx__Publish *p, int valid);
uint64_t cjx_hub_last_outbox_seq(MDB_txn *txn, const cjx_hub *h, const char *code);

/* Marks outbox_seq as refused for now (reason limit or store): s's later
 * items are refused until it is sent again. */
void cjx_hub_resend_from(cjx_session *s, uint64_t outbox_seq, cjx_err reason);

/* Returns the batch's write transaction, beginning it if needed; NULL (with
 * f set) when LMDB fails. */
MDB_txn *cjx_hub_batch_txn(cjx_hub *h, cjx_fault *f);
/* mdb_put into database db (HUB_DB_*) in txn, with the same answers; in the
 * batch's transaction through a cursor kept for the batch, which LMDB asks
 * first whether the key goes on the page of the last one: where a run of
 * one institution's items goes, and then no walk from the root. */
int cjx_hub_put(cjx_hub *h, MDB_txn *txn, int db, MDB_val *k, MDB_val *v, unsigned flags);

/* state.c */

/* A key's current version in the "state" database. */
typedef struct cjx_state_entry {
    uint64_t seq;                      /* its log entry */
    int status;                        /* PostingStatus; 0 for records and the registry */
    char valid_until[11];              /* postings; "" otherwise */
} cjx_state_entry;

/* One new log entry: the item (unpacked, and packed as it is logged), who it
 * is from, and the outbox sequence it came with (0 for the hub's own). */
typedef struct cjx_entry {
    const char *origin;
    uint64_t outbox_seq;
    const Cjx__Item *item;             /* a posting, a record or an institution */
    const ProtobufCBinaryData *bytes;
    const char *note;                  /* Stored.note, or NULL */
} cjx_entry;

/* Appends e under the next sequence (*seq_out) and applies it to the state
 * and the expiry index. Returns an LMDB code; on failure the batch must be
 * abandoned. */
int cjx_hub_append(cjx_hub *h, MDB_txn *txn, const cjx_entry *e, uint64_t *seq_out);
/* Reads the state of key; returns 0 or an LMDB code (MDB_NOTFOUND). */
int cjx_hub_state_get(MDB_txn *txn, const cjx_hub *h, const uint8_t *key, size_t klen,
                      cjx_state_entry *out);
/* Reads the log entry seq (a packed Stored) into *out. */
int cjx_hub_log_get(MDB_txn *txn, const cjx_hub *h, uint64_t seq, MDB_val *out);
/* Unpacks the current version of a key: caller frees both. */
int cjx_hub_current_item(MDB_txn *txn, const cjx_hub *h, const cjx_state_entry *se,
                         Cjx__Stored **st, Cjx__Item **item);
/* Appends the posting of se again with a closing status (filled, withdrawn,
 * expired). */
int cjx_hub_close_posting(cjx_hub *h, MDB_txn *txn, const char *origin, uint64_t outbox_seq,
                          const cjx_state_entry *se, int status, const char *note,
                          uint64_t *seq_out);
/* Closes open postings whose valid_until is before today ("YYYY-MM-DD"),
 * a bounded number per call, in the batch's transaction. */
void cjx_hub_expire(cjx_hub *h, const char *today);
/* Checks an institution's description for the registry (kind, lengths,
 * UTF-8); CJX_OK or a refusal naming the field. */
cjx_err cjx_hub_check_institution(const Cjx__Institution *in, cjx_fault *f);
/* The institution's kind in the registry (committed), 0 when unknown. */
int cjx_hub_registry_kind(cjx_hub *h, const char *code);
/* Puts the institution code describes itself as in its Hello into the
 * registry, when it changed, in the batch's transaction. */
void cjx_hub_register(cjx_hub *h, const char *code, const Cjx__Institution *in);

/* auth.c: CURVE, the key registry, who a session is. */
/* Sets up CURVE and the ZAP handler when secret_key_file is set; without
 * it, refuses a listen endpoint that is not loopback. */
cjx_err cjx_hub_auth_open(cjx_hub *h, cjx_fault *f);
/* Answers one ZAP request waiting on h->zap. */
void cjx_hub_zap(cjx_hub *h);
/* Decides who a Hello's session is: *code, *operator_ from the connection's
 * User-Id (its public key) under CURVE, or the Hello's own credit code
 * without. Returns CJX_OK or a refusal in f. */
cjx_err cjx_hub_authenticate(cjx_hub *h, const char *user_id, const Cjx__Hello *m,
                             char code[CJX_CODE_LEN + 1], int *operator_, cjx_fault *f);
void cjx_hub_institution_admin(cjx_hub *h, cjx_session *s, const Cjx__InstitutionAdmin *m);

/* policy.c */
cjx_err cjx_policy_open(cjx_hub *h, cjx_fault *f);
/* An InstitutionKind as the policy sections name it: "college", "enterprise"… */
const char *cjx_policy_kind_name(int inst_kind);
/* CJX_OK, or CJX_EFORBIDDEN naming the field "<body>.<item_kind>" (body:
 * "posting" or "record") when institutions of inst_kind may not publish
 * item_kind. */
cjx_err cjx_policy_may_publish(const cjx_hub *h, int inst_kind, const char *item_kind,
                               const char *body, cjx_fault *f);
/* True when institutions of inst_kind may read records of item_kind from
 * other institutions. */
int cjx_policy_may_read(const cjx_hub *h, int inst_kind, const char *item_kind);
/* What the read policy needs of a stored entry, worked out once
 * (cjx_policy_entry_of) for every session that looks at it. */
typedef struct cjx_policy_entry {
    const char *origin;                /* the Stored's */
    int record;                        /* a record: the read policy applies */
    int kind_bit;                      /* its kind's bit in may_read, or -1 */
} cjx_policy_entry;

cjx_policy_entry cjx_policy_entry_of(const Cjx__Stored *st);
/* True when session s may see the stored entry: postings and the registry,
 * its own records, records its kind may read; operators see everything. */
int cjx_policy_may_see(const cjx_hub *h, const cjx_session *s, const Cjx__Stored *st);
/* The same for an entry worked out before. */
int cjx_policy_may_see_entry(const cjx_hub *h, const cjx_session *s, const cjx_policy_entry *e);
int cjx_policy_may_see_packed(const cjx_hub *h, const cjx_session *s, const void *data,
                              size_t len);

/* True when the policy names institution code a receiver of the personal
 * fields of records of item_kind. */
int cjx_policy_personal_receiver(const cjx_hub *h, const char *item_kind, const char *code);
/* The record kinds some receiver is named for (Welcome.personal_kinds):
 * writes up to max names into kinds, returns how many. */
size_t cjx_policy_personal_kinds(const cjx_hub *h, char **kinds, size_t max);

/* limits.c */
cjx_limits *cjx_limits_new(void);
void cjx_limits_free(cjx_limits *l);
/* CJX_OK, or CJX_ELIMIT when s's institution is over its publish rate. */
cjx_err cjx_limits_publish(cjx_hub *h, const cjx_session *s, cjx_fault *f);
/* Reads the free disk of the store before a batch; below disk_reserve_mb
 * publishes are refused (cjx_limits_publish) until there is room again. */
void cjx_limits_check_disk(cjx_hub *h);
/* The disk free under the store's folder at the last check, bytes, and
 * whether it is below the reserve. */
uint64_t cjx_limits_disk_free(const cjx_hub *h, int *low);
/* CJX_OK, or CJX_ELIMIT when a new session for code would be one too many
 * (the one a repeated Hello replaces counts: callers check new sessions). */
cjx_err cjx_limits_session(cjx_hub *h, const char *code, int operator_, cjx_fault *f);

/* audit.c */
cjx_err cjx_audit_open(cjx_hub *h, cjx_fault *f);
/* Re-reads the chain's head after a write transaction with audit entries failed. */
void cjx_audit_reload(cjx_hub *h);
/* What session s is to get of a log entry: *out is the entry, or a copy
 * without personal fields (then out->data != entry->mv_data; the caller
 * frees it); a delivery of personal fields to a named receiver is audited
 * first, in txn (or in a transaction of its own, committed, when txn is
 * NULL), and *audited set. Returns an LMDB code: then nothing is sent.
 * st is the entry unpacked, or NULL (it is then unpacked here). personal,
 * when not NULL, is what the caller remembers of the entry: -1 not known
 * yet, 0 no personal fields (nothing to look at), 1 some; set here once
 * known, so a feed unpacks an entry's item once for all its subscribers. */
int cjx_audit_disclose(cjx_hub *h, MDB_txn *txn, const cjx_session *s, const MDB_val *entry,
                       const Cjx__Stored *st, signed char *personal, ProtobufCBinaryData *out,
                       int *audited);
void cjx_hub_audit_query(cjx_hub *h, cjx_session *s, const Cjx__AuditQuery *m);

/* replica.c */
void cjx_hub_snapshot(cjx_hub *h, cjx_session *s, const Cjx__SnapshotRequest *m);
void cjx_hub_digest(cjx_hub *h, cjx_session *s, const Cjx__DigestRequest *m);

/* feed.c */
void cjx_hub_subscribe(cjx_hub *h, cjx_session *s, const Cjx__Subscribe *m);
void cjx_hub_event_ack(cjx_hub *h, cjx_session *s, const Cjx__EventAck *m);
/* Sends committed log entries to subscribers with credit. Returns 1 when
 * some feed has more to send right away. */
int cjx_hub_pump(cjx_hub *h);
/* Moves the cursors of feeds with nothing in flight past what was scanned:
 * run now and then, so that a subscription that matches little keeps its
 * cursor near the head. */
void cjx_hub_feeds_checkpoint(cjx_hub *h);
/* Writes the durable cursors that moved into the batch's transaction, when
 * it has publishes to commit anyway, when the oldest move has waited
 * CJX_CURSOR_DELAY_MS, or now (force). Call before committing a batch. */
void cjx_hub_feeds_write_cursors(cjx_hub *h, int force);
/* After a failed commit: every cursor is written again. */
void cjx_hub_feeds_unwritten(cjx_hub *h);
void cjx_feeds_free(cjx_session *s);
void cjx_hub_feed_cache_free(cjx_hub *h);

/* query.c */
/* Answers with what s may see (policy.c). */
void cjx_hub_query(cjx_hub *h, const cjx_session *s, const Cjx__Query *q);
/* What session s may be shown of log entry v: *shown is v, or a copy
 * without personal fields (then shown->data != v->mv_data: the caller
 * frees it); a delivery of personal fields is audited in the batch's
 * transaction, committed before the reply goes. Returns an LMDB code. */
int cjx_hub_shown(cjx_hub *h, const cjx_session *s, const MDB_val *v, ProtobufCBinaryData *shown);

/* search_records.c: SearchRequest for a record kind, by the report worker. */
void cjx_hub_search_records(cjx_hub *h, cjx_session *s, const Cjx__SearchRequest *m);

/* search.c */
/* Opens the search index, building it when there is none (or reindex), and
 * starts the thread keeping it up with the log (but for --reindex). */
cjx_err cjx_hub_search_open(cjx_hub *h, int reindex, cjx_fault *f);
void cjx_hub_search_close(cjx_hub *h);
void cjx_hub_search(cjx_hub *h, cjx_session *s, const Cjx__SearchRequest *m);
/* Answers m for s with what the index has now. */
void cjx_hub_search_answer(cjx_hub *h, const cjx_session *s, const Cjx__SearchRequest *m);

/* search_wait.c: searches waiting for the index, parked off the loop. */
/* Parks m for s until the index has every entry committed so far: 1 when
 * parked; 0 when it has them already, or cannot wait (answer now). */
int cjx_search_park(cjx_hub *h, const cjx_session *s, const Cjx__SearchRequest *m);
/* Answers the parked searches the index is far enough for, or whose wait
 * is over; all: every one (the hub stops). */
void cjx_search_resume(cjx_hub *h, int all);
/* Milliseconds until the first parked search's wait is over; -1: none. */
long cjx_search_wait_ms(const cjx_hub *h);
void cjx_search_waits_free(cjx_hub *h);

/* search_follow.c: indexes the log's postings beside the loop, into the
 * index's own environment; each transaction records the last sequence it
 * indexed (CJX_SEARCH_INDEXED in its meta). */
#define CJX_SEARCH_INDEXED "indexed_seq"
/* Starts following the log from indexed on; NULL when it cannot. */
cjx_search_follow *cjx_search_follow_start(cjx_hub *h, uint64_t indexed);
/* The log is committed up to seq. */
void cjx_search_follow_notify(cjx_search_follow *fw, uint64_t committed);
/* Asks to be woken (cjx_search_follow_fd readable) once entries up to seq
 * are indexed, or the index cannot go on (a failed transaction): at once
 * when that is so already. */
void cjx_search_follow_wake_at(cjx_search_follow *fw, uint64_t seq);
/* The eventfd the loop polls; cjx_search_follow_woken clears it. */
int cjx_search_follow_fd(const cjx_search_follow *fw);
void cjx_search_follow_woken(cjx_search_follow *fw);
/* The newest log entry the index has; *failed (unless NULL): its last
 * transaction failed (it tries again). */
uint64_t cjx_search_follow_indexed(cjx_search_follow *fw, int *failed);
/* How many times indexing waited for a burst of publishes to end. */
uint64_t cjx_search_follow_deferred(cjx_search_follow *fw);
void cjx_search_follow_stop(cjx_search_follow **fw_p);

/* report.c: the plan's reports (core/report.h); bureaus and operators get
 * every line, other institutions their own. */
void cjx_hub_report(cjx_hub *h, cjx_session *s, const Cjx__ReportRequest *m);
/* The report name for year (posting: for colleges-for-posting) as asker
 * may see it ("" for all of it, as a bureau); NULL with f set when there
 * is no such report or year, or it cannot be read. */
Cjx__Report *cjx_hub_report_build(cjx_hub *h, const char *name, int year, const char *posting,
                                  const char *asker, cjx_fault *f);

/* report_worker.c: one long read (a report, or a search of records), done
 * by the worker thread. The caller fills the request and done (and build,
 * for anything but a report), usually inside a larger struct of its own
 * (what it needs to answer), and submits it. */
typedef struct cjx_report_job cjx_report_job;
struct cjx_report_job {
    char name[64];
    int32_t year;
    char posting[CJX_CODE_LEN + 1 + CJX_REF_MAX_BYTES + 1]; /* "CODE/REF" */
    char asker[CJX_CODE_LEN + 1];      /* only its lines; "" every line (bureaus, operators) */
    /* Run by the worker in place of building the report named; reads only
     * (committed state, in its own transaction). NULL: the report. */
    void (*build)(cjx_hub *h, cjx_report_job *j);
    Cjx__Report *report;               /* by the worker; NULL with fault set */
    cjx_fault fault;
    double ms;                         /* how long building it took */
    /* Called in the hub's thread once built: answers, and frees the report
     * and the job (or leaves them to what frees the request). */
    void (*done)(cjx_hub *h, cjx_report_job *j);
    cjx_report_job *next;
};

/* Fills j's request; CJX_ELENGTH with f set when a value does not fit. */
cjx_err cjx_report_job_init(cjx_report_job *j, const char *name, int year, const char *posting,
                            const char *asker, cjx_fault *f);
cjx_err cjx_report_worker_open(cjx_hub *h, cjx_fault *f);
void cjx_report_worker_close(cjx_hub *h);
/* Queues j; -1 when QUEUE_MAX jobs are already waiting (j is untouched). */
int cjx_report_worker_submit(cjx_hub *h, cjx_report_job *j);
/* Readable when built jobs wait for cjx_report_worker_collect. */
int cjx_report_worker_fd(const cjx_hub *h);
void cjx_report_worker_collect(cjx_hub *h);

/* status.c: what `cjx status`, /status and /metrics show. */
/* Builds the hub's status; NULL when out of memory. Free with cjx_hub_status_free. */
Cjx__HubStatus *cjx_hub_status(cjx_hub *h);
void cjx_hub_status_free(Cjx__HubStatus *st);
/* Answers a StatusRequest: operators only under CURVE. */
void cjx_hub_status_request(cjx_hub *h, const cjx_session *s, const Cjx__StatusRequest *m);

/* metrics.c: the status in the Prometheus text exposition format (version
 * 0.0.4). Returns a malloc'd string, NULL when out of memory. */
char *cjx_hub_metrics(const Cjx__HubStatus *st);

/* http.c: the HTTP listener (libmicrohttpd), run from the hub's loop. */
cjx_err cjx_http_open(cjx_hub *h, cjx_fault *f);
void cjx_http_close(cjx_hub *h);
/* The descriptor to poll for readiness; -1 without a listener. */
int cjx_http_fd(const cjx_hub *h);
/* How long the listener may wait before it must run (connection timeouts,
 * work queued); -1 without a listener or a deadline. */
long cjx_http_wait_ms(const cjx_hub *h);
/* Serves what is ready. */
void cjx_http_run(cjx_hub *h);

/* session.c */
cjx_sessions *cjx_sessions_new(void);
void cjx_sessions_destroy(cjx_sessions **self_p);
cjx_session *cjx_sessions_find(cjx_sessions *t, const uint8_t *rid, size_t rid_len);
/* Creates or replaces the session for rid. NULL when out of memory. */
cjx_session *cjx_sessions_open(cjx_sessions *t, const uint8_t *rid, size_t rid_len,
                               const char *code, const char *key, int operator_);
/* Drops every session for which drop() is true; returns how many. */
size_t cjx_sessions_drop_if(cjx_sessions *t, int (*drop)(const cjx_session *, void *), void *ctx);
/* Drops sessions silent since before cutoff_ms; returns how many. */
size_t cjx_sessions_expire(cjx_sessions *t, int64_t cutoff_ms);
size_t cjx_sessions_count(const cjx_sessions *t);
/* Calls fn for every session; fn must not open or drop sessions. */
void cjx_sessions_foreach(cjx_sessions *t, void (*fn)(cjx_session *, void *), void *ctx);

#endif
