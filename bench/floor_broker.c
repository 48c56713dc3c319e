/* floor_broker.c — the broker of the floors, a forked process (see
 * floor_broker.h).
 */
#include "floor_broker.h"

#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

void floor_hwm(void *sock)
{
    int hwm = 4 * FLOOR_DRAIN_MAX;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
}

typedef struct broker {
    int by_group;                      /* a transaction per publisher's group */
    MDB_env *env;
    MDB_dbi dbi;
    void *router;
    zmq_msg_t subs[PEER_MAX_SUBS];     /* the subscribers' routing ids */
    int nsubs;
    uint8_t (*records)[FLOOR_RECORD];  /* the records of the transaction */
    zmq_msg_t from;                    /* the publisher's routing id */
    int32_t *commit_us;                /* how long each commit took */
    size_t ncommits, cap, nrecords;
} broker;

/* Takes the records of the next transaction, at most FLOOR_DRAIN_MAX: what
 * waits once something has come (group commit) or, by_group, what comes
 * until the record that ends the publisher's group (FLOOR_GROUP_END): the
 * fan-out floor has a whole group in one transaction and starts its commit
 * the moment the group is in, which no broker that cannot see the
 * publisher's loop can do. Returns the records taken, or -1 when the
 * publisher says stop (an empty message) or the socket fails. */
static int drain(broker *b)
{
    int n = 0, end = 0;
    zmq_pollitem_t item = {b->router, 0, ZMQ_POLLIN, 0};
    while (!end && n < FLOOR_DRAIN_MAX) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, b->router, ZMQ_DONTWAIT) < 0 ||
            zmq_msg_recv(&body, b->router, 0) < 0) {
            int none_waits = errno == EAGAIN;
            zmq_msg_close(&id);
            zmq_msg_close(&body);
            if (!none_waits)
                return -1;
            if (n && !b->by_group)
                return n;
            if (zmq_poll(&item, 1, -1) < 0 && errno != EINTR)
                return -1;
            continue;
        }
        size_t len = zmq_msg_size(&body);
        if (len == 1 && *(char *)zmq_msg_data(&body) == FLOOR_HELLO && b->nsubs < PEER_MAX_SUBS) {
            zmq_msg_init(&b->subs[b->nsubs]);
            zmq_msg_copy(&b->subs[b->nsubs++], &id);
        } else if (len == FLOOR_RECORD) {
            memcpy(b->records[n], zmq_msg_data(&body), FLOOR_RECORD);
            end = b->by_group && b->records[n][FLOOR_GROUP_END];
            n++;
            zmq_msg_copy(&b->from, &id);
        } else if (len == 0) {
            n = -1; /* stop */
        } /* else a subscriber's acknowledgement */
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        if (n < 0)
            return -1;
    }
    return n;
}

/* Appends n records to the log in one synced transaction, timed. Returns
 * an LMDB code. */
static int commit(broker *b, int n)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(b->env, NULL, 0, &txn);
    if (rc)
        return rc;
    for (int i = 0; rc == 0 && i < n; i++) {
        uint64_t seq = ++b->nrecords;
        uint8_t key[8];
        for (int k = 0; k < 8; k++)
            key[k] = (uint8_t)(seq >> (56 - 8 * k));
        MDB_val k = {sizeof key, key}, v = {FLOOR_RECORD, b->records[i]};
        rc = mdb_put(txn, b->dbi, &k, &v, MDB_APPEND);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    int64_t t0 = peer_now_us();
    rc = mdb_txn_commit(txn);
    if (rc == 0 && b->ncommits < b->cap)
        b->commit_us[b->ncommits++] = (int32_t)(peer_now_us() - t0);
    return rc;
}

/* Acknowledges the n records committed to the publisher, then sends them to
 * every subscriber in one message. Returns 0 or -1. */
static int answer(broker *b, int n)
{
    for (int i = 0; i < n; i++) {
        zmq_msg_t id;
        zmq_msg_init(&id);
        zmq_msg_copy(&id, &b->from);
        int ok = zmq_msg_send(&id, b->router, ZMQ_SNDMORE) >= 0 &&
                 zmq_send(b->router, b->records[i], 8, 0) == 8;
        if (!ok)
            return -1;
    }
    for (int s = 0; s < b->nsubs; s++) {
        zmq_msg_t id;
        zmq_msg_init(&id);
        zmq_msg_copy(&id, &b->subs[s]);
        if (zmq_msg_send(&id, b->router, ZMQ_SNDMORE) < 0 ||
            zmq_send(b->router, b->records, (size_t)n * FLOOR_RECORD, 0) < 0)
            return -1;
    }
    return 0;
}

/* Says why the broker stops: LMDB's code rc, or ZeroMQ's error when rc is
 * 0. Returns its exit code. */
static int broker_fail(const char *what, int rc)
{
    fprintf(stderr, "broker_limit: broker: %s: %s\n", what,
            rc ? mdb_strerror(rc) : zmq_strerror(zmq_errno()));
    return 1;
}

/* The broker's life: opens the log in dir, binds, writes its endpoint to
 * fd, serves until told to stop, writes its commits (a floor_result) to
 * fd. Returns an exit code. */
static int broker_main(const char *dir, int by_group, long total, int fd)
{
    broker b = {.by_group = by_group, .cap = (size_t)total};
    b.records = malloc(sizeof *b.records * FLOOR_DRAIN_MAX);
    b.commit_us = malloc(sizeof *b.commit_us * b.cap);
    zmq_msg_init(&b.from);
    MDB_txn *txn;
    char path[4096];
    for (int i = 0; i < 2; i++) /* a fresh log: appends start at 1 */
        if (snprintf(path, sizeof path, "%s/%s", dir, i ? "lock.mdb" : "data.mdb") <
            (int)sizeof path)
            unlink(path);
    if (mkdir(dir, 0755) && errno != EEXIST)
        return broker_fail(dir, errno);
    int rc = b.records && b.commit_us ? mdb_env_create(&b.env) : ENOMEM;
    if (rc == 0)
        rc = mdb_env_set_mapsize(b.env, (size_t)total * (FLOOR_RECORD + 64) * 2 + (64 << 20));
    if (rc == 0)
        rc = mdb_env_open(b.env, dir, 0, 0644);
    if (rc == 0 && (rc = mdb_txn_begin(b.env, NULL, 0, &txn)) == 0 &&
        (rc = mdb_dbi_open(txn, NULL, 0, &b.dbi)) == 0)
        rc = mdb_txn_commit(txn);
    if (rc)
        return broker_fail(dir, rc);
    void *ctx = zmq_ctx_new();
    b.router = zmq_socket(ctx, ZMQ_ROUTER);
    floor_hwm(b.router);
    char ep[256];
    size_t ep_len = sizeof ep;
    if (zmq_bind(b.router, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(b.router, ZMQ_LAST_ENDPOINT, ep, &ep_len) ||
        write(fd, ep, strlen(ep) + 1) != (ssize_t)strlen(ep) + 1)
        return broker_fail("bind", 0);
    int n;
    while ((n = drain(&b)) >= 0) {
        if ((rc = commit(&b, n)))
            return broker_fail("commit", rc);
        if (answer(&b, n))
            return broker_fail("send", 0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    floor_result r = {b.ncommits, peer_quantiles_of(b.commit_us, b.ncommits),
                      b.nrecords ? cpu_us / (double)b.nrecords : 0};
    if (write(fd, &r, sizeof r) != sizeof r)
        return broker_fail("write", 0);
    for (int s = 0; s < b.nsubs; s++)
        zmq_msg_close(&b.subs[s]);
    zmq_msg_close(&b.from);
    zmq_close(b.router);
    zmq_ctx_term(ctx);
    mdb_env_close(b.env);
    return 0;
}

pid_t floor_broker_start(const char *dir, int by_group, long total, char *ep, size_t ep_len,
                         int *from)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(fds[0]);
        _exit(broker_main(dir, by_group, total, fds[1]));
    }
    close(fds[1]);
    ssize_t got = pid > 0 ? read(fds[0], ep, ep_len - 1) : -1;
    if (got <= 0 || ep[got - 1] != '\0') {
        if (pid > 0)
            kill(pid, SIGKILL);
        close(fds[0]);
        return -1;
    }
    *from = fds[0];
    return pid;
}
