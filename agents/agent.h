/* agent.h — cjx-agent's state: its outbox and its link to the hub. */
#ifndef CJX_AGENT_H
#define CJX_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#include "agent_config.h"
#include "outbox.h"
#include "protocol.pb-c.h"
#include "replica.h"
#include "syncer.h"

/* What a frame handler asks of the link, besides carrying on (0). */
enum {
    LINK_RESTART = -1,     /* start a new session, after a growing pause */
    LINK_FATAL = -2,       /* stop the agent: the hub refuses its Hello */
    LINK_RESYNC = -3,      /* a feed lost an event: a new session at once resends it */
};

#define AGENT_PERSONAL_KINDS 8
/* The request id of snapshot pages: a Nack with it means the load failed. */
#define AGENT_SNAPSHOT_REQUEST 0x736e6170u

typedef enum agent_state {
    AGENT_HELLO_SENT,      /* waiting for Welcome */
    AGENT_READY,           /* sending the outbox */
} agent_state;

/* An event received and not yet at every sink of its subscription. */
typedef struct pending {
    uint64_t seq;
    void *data;                /* packed Stored */
    size_t len;
} pending;

/* When a failing sink is tried again: 1 s after its first failure,
 * doubling to 60 s (agent_feed.c). */
typedef struct sink_retry {
    int64_t at_ms, backoff_ms;
} sink_retry;

/* One subscription of the agent (agent_feed.c). */
typedef struct agent_sub {
    const cjx_subscription_config *cfg;
    Cjx__Subscription *wire;
    int fd;                    /* sink file, or -1 */
    Cjx__FeedState state;      /* file_seq (synced), command_seq, failures … */
    uint64_t written_seq;      /* the sink file's last line, synced or not */
    off_t synced_size;         /* the sink file's size at its last sync */
    int64_t unsynced_ms;       /* when a line was first written after it, or 0 */
    size_t slot;               /* its slot in the agent's syncer */
    uint64_t syncing_seq;      /* the last line of the sync in flight, or 0 */
    char last_error[200];
    int dirty;                 /* state to be saved now */
    int progress;              /* file_seq moved: saved within PROGRESS_SAVE_MS */
    pending *queue;            /* ring of at most feed_window events */
    size_t head, count, cap;
    uint64_t received;         /* highest seq received this session */
    uint64_t acked;            /* highest seq acknowledged this session */
    pid_t child;               /* running sink command, or -1 */
    uint64_t child_seq;
    sink_retry file_retry;     /* after the sink file failed to take lines */
    sink_retry command_retry;  /* after the sink command failed */
} agent_sub;

/* The replica's link state (agent_replica.c). */
typedef struct agent_replica {
    cjx_replica_pos pos;       /* as stored */
    Cjx__Subscription wire;    /* its subscription */
    uint64_t received;         /* newest event received this session */
    uint64_t acked;
    ProtobufCBinaryData *batch; /* received, not yet applied */
    size_t nbatch, cap;
    uint64_t unindexed;        /* postings the search index waits to follow */
    int64_t index_due_ms;      /* ... until then (agent_now_ms): the burst goes on */
    int64_t deferred_since_ms; /* the first of them waits since, 0 when none */
} agent_replica;

/* The inbox of exported files (agent_inbox.c). */
typedef struct agent_inbox agent_inbox;

typedef struct agent {
    cjx_agent_config cfg;
    cjx_outbox *outbox;
    void *zctx, *sock;
    void *monitor;             /* the socket's handshake events (agent_link.c) */
    agent_state state;
    uint64_t sent_upto;        /* highest outbox sequence sent this session */
    uint64_t inflight;         /* sent this session, not yet settled */
    int64_t last_heard_ms, last_beat_ms, hello_ms;
    int64_t heartbeat_ms;
    int64_t backoff_ms;        /* pause before the next session restart */
    uint64_t *acked;           /* settled at the end of each drain */
    size_t nacked, acked_cap;
    Cjx__Nack **refused;
    size_t nrefused, refused_cap;
    uint64_t total_acked, total_refused;
    agent_sub *subs;
    size_t nsubs;
    int64_t feeds_saved_ms;    /* when the feed states were last saved */
    cjx_syncer *syncer;        /* syncs the sink files; NULL without one */
    agent_replica replica;
    char personal_kinds[AGENT_PERSONAL_KINDS][32]; /* Welcome.personal_kinds */
    size_t npersonal_kinds;
    agent_inbox *inbox;        /* NULL without inbox_dir */
    int outbox_watch;          /* inotify of the outbox's store, or -1 (agent_link.c) */
} agent;

/* agent_feed.c */
int agent_feeds_open(agent *a);
void agent_feeds_close(agent *a);
/* Asks the hub for the configured feeds and extra (the replica's
 * subscription, or NULL); the replica calls it once it is loaded. */
void agent_feeds_subscribe(agent *a, Cjx__Subscription *extra);
/* Compares what arrived with what the hub's heartbeat says it sent on each
 * subscription (the replica's too); -1 when an event was lost. */
int agent_feeds_check_marks(agent *a, const Cjx__Heartbeat *hb);
/* Notes where the hub resumes a subscription. */
void agent_feeds_on_subscribed(agent *a, const Cjx__Subscribed *m);
/* Queues one event for the sinks, taking ev->stored's bytes when it keeps
 * them (agent_event_take). Returns -1 when the session must restart (the
 * event could not be kept, or one is missing before it). */
int agent_feeds_on_event(agent *a, Cjx__Event *ev);
/* Takes the bytes of ev->stored out of the unpacked frame, which then no
 * longer frees them: the caller owns the result (free()). Never NULL for a
 * non-empty entry; a 1-byte allocation for an empty one, or NULL when that
 * fails. */
void *agent_event_take(Cjx__Event *ev);
/* Delivers queued events to the sinks, reaps commands, acknowledges. */
void agent_feeds_work(agent *a);
/* How long the loop may wait before agent_feeds_work has something due (a
 * sync, a command to reap or retry, progress to save), in ms; -1: nothing. */
long agent_feeds_wait_ms(const agent *a);

/* The syncer's eventfd for the loop's poll (readable when a sync
 * finished), or -1. */
int agent_feeds_fd(const agent *a);

/* agent_replica.c */
/* Starts the replica's part of a new session: snapshot or subscribe; a
 * replica of another hub store than hub_store_id is emptied and loaded
 * again. */
int agent_replica_start(agent *a, uint64_t hub_store_id);
int agent_replica_on_snapshot(agent *a, const Cjx__Snapshot *m);
int agent_replica_is_name(const char *subscription);
/* Takes one replica event (and its bytes, agent_event_take); -1 on a gap
 * (the session must restart). */
int agent_replica_on_event(agent *a, Cjx__Event *ev);
/* Applies the events of this drain and acknowledges them; the search
 * index waits while they come in a burst. */
void agent_replica_flush(agent *a);
/* Indexes a part of the postings left waiting, once the burst is over. */
void agent_replica_index_work(agent *a);
/* How long the loop may wait before agent_replica_index_work has work: -1
 * for as long as it likes. */
long agent_replica_wait_ms(const agent *a);
void agent_replica_close(agent *a);

/* agent_inbox.c */
/* Starts watching inbox_dir (nothing without one) and queues the files
 * already there. Returns 0, or -1 (logged). */
int agent_inbox_open(agent *a);
/* The inotify descriptor for the loop's poll, or -1. */
int agent_inbox_fd(const agent *a);
/* True while a file is being imported or waits: the loop must not sleep. */
int agent_inbox_busy(const agent *a);
/* Queues dropped files and converts a slice of the current one; stores
 * and moves it once it is done. */
void agent_inbox_work(agent *a);
void agent_inbox_close(agent *a);

/* agent_link.c */
/* The monotonic clock, in ms. */
int64_t agent_now_ms(void);
int agent_link_start(agent *a);
/* Runs until *stop; returns the exit status. */
int agent_link_run(agent *a, volatile int *stop);
void agent_link_stop(agent *a);

#endif
