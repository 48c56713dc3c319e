/* floor_broker.h — the broker of the floors (broker_limit.c): a process
 * that does nothing but the physical part of cjx's work, ZeroMQ and synced
 * LMDB appends.
 *
 * It binds a ROUTER on 127.0.0.1 and takes messages: a FLOOR_RECORD-byte
 * record (appended to its log, answered with the record's first 8 bytes
 * after the commit that holds it, and sent to every subscriber in one
 * message per transaction), FLOOR_HELLO (the sender is a subscriber from
 * then on), 8 bytes (a subscriber's acknowledgement, dropped) or nothing
 * (stop: it writes a floor_result and ends). A client that loses it is
 * not answered: set ZMQ_LINGER and wait with a timeout.
 */
#ifndef CJX_FLOOR_BROKER_H
#define CJX_FLOOR_BROKER_H
#include <stddef.h>
#include <sys/types.h>

#include "peer_common.h"

#define FLOOR_RECORD 512
#define FLOOR_HELLO 'S'           /* a subscriber's first message */
#define FLOOR_DRAIN_MAX 4096      /* records taken into one transaction at most */
#define FLOOR_GROUP_END 16        /* the payload's byte that is 1 in a group's last record */

/* What the broker tells at its end. */
typedef struct floor_result {
    size_t commits;
    peer_quantiles q;   /* of the commits' durations */
    double cpu_us;      /* the broker's CPU per record, all its threads */
} floor_result;

/* Sets sock's high-water marks above any window: a ROUTER drops what it
 * cannot queue. */
void floor_hwm(void *sock);

/* Forks the broker on a fresh log in dir (made if missing; a log there is
 * removed), for at most total records: one
 * transaction per drain (group commit), or, by_group, per publisher's
 * group (its last record has byte FLOOR_GROUP_END set). Its endpoint is
 * copied to ep; its floor_result will come on *from after the stop.
 * Returns its pid, or -1. */
pid_t floor_broker_start(const char *dir, int by_group, long total, char *ep, size_t ep_len,
                         int *from);

#endif
