/* agent.h — cjx-agent's state: its outbox and its link to the hub. */
#ifndef CJX_AGENT_H
#define CJX_AGENT_H

#include <stdint.h>

#include "agent_config.h"
#include "outbox.h"
#include "protocol.pb-c.h"

typedef enum agent_state {
    AGENT_HELLO_SENT,      /* waiting for Welcome */
    AGENT_READY,           /* sending the outbox */
} agent_state;

typedef struct agent {
    cjx_agent_config cfg;
    cjx_outbox *outbox;
    void *zctx, *sock;
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
} agent;

/* agent_link.c */
int agent_link_start(agent *a);
/* Runs until *stop; returns the exit status. */
int agent_link_run(agent *a, volatile int *stop);
void agent_link_stop(agent *a);

#endif
