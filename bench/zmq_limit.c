/* zmq_limit.c — the other physical limit of the hub's publish path: raw
 * ZeroMQ round trips over TCP on 127.0.0.1, a DEALER sending N messages of
 * SIZE bytes with at most WINDOW unanswered, a ROUTER (in a second thread)
 * answering each with an 8-byte acknowledgement, as the hub does. No store,
 * no protobuf, no CURVE.
 *
 * Prints: system=zeromq test=limit records=N size=SIZE window=W seconds=S rate=R/s
 *
 * usage: zmq_limit [N [SIZE [WINDOW]]]   (defaults 200000, 512, 4096)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bench_util.h"

/* Answers every [identity][payload] with [identity][8 bytes] until an empty
 * payload arrives. */
static void *router_loop(void *sock)
{
    for (;;) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, sock, 0) < 0 || zmq_msg_recv(&body, sock, 0) < 0)
            break;
        size_t len = zmq_msg_size(&body);
        uint64_t ack = 0;
        if (len >= 8)
            memcpy(&ack, zmq_msg_data(&body), 8);
        zmq_msg_close(&body);
        int ok = zmq_msg_send(&id, sock, ZMQ_SNDMORE) >= 0 &&
                 zmq_send(sock, &ack, sizeof ack, 0) == sizeof ack;
        if (!ok || len == 0)
            break;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000, size = argc > 2 ? atol(argv[2]) : 512,
         window = argc > 3 ? atol(argv[3]) : 4096;
    if (n < 1 || size < 8 || size > 65536 || window < 1)
        return 2;
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = (int)window * 2;
    zmq_setsockopt(router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(dealer, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(dealer, ZMQ_RCVHWM, &hwm, sizeof hwm);
    char ep[256];
    size_t ep_len = sizeof ep;
    if (zmq_bind(router, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &ep_len) || zmq_connect(dealer, ep)) {
        fprintf(stderr, "zmq_limit: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, router_loop, router);

    char *buf = calloc(1, (size_t)size);
    long sent = 0, acked = 0;
    double t0 = bench_now_s();
    while (acked < n) {
        while (sent < n && sent - acked < window) {
            uint64_t seq = (uint64_t)sent + 1;
            memcpy(buf, &seq, sizeof seq);
            if (zmq_send(dealer, buf, (size_t)size, ZMQ_DONTWAIT) < 0)
                break; /* high-water mark: read acknowledgements first */
            sent++;
        }
        uint64_t ack;
        int flags = 0; /* wait for the first, then take what is there */
        while (zmq_recv(dealer, &ack, sizeof ack, flags) == sizeof ack) {
            acked++;
            flags = ZMQ_DONTWAIT;
        }
    }
    double secs = bench_now_s() - t0;
    zmq_send(dealer, "", 0, 0); /* stops the router */
    uint64_t last;
    zmq_recv(dealer, &last, sizeof last, 0);
    pthread_join(th, NULL);
    printf("system=zeromq test=limit records=%ld size=%ld window=%ld seconds=%.3f rate=%.0f/s\n",
           n, size, window, secs, n / secs);
    free(buf);
    zmq_close(dealer);
    zmq_close(router);
    zmq_ctx_term(ctx);
    return 0;
}
