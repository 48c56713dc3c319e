/* wire_probe.c — a test tool that talks to a hub below the agent: it sends
 * frames an agent would never send (garbage, oversized, multi-part, items
 * the agent would refuse, publishes without Hello) and prints what the hub
 * answers, one line per reply:
 *
 *   ack SEQ dup=0|1
 *   nack REASON FIELD: TEXT
 *   welcome | heartbeat | none (no answer within the timeout)
 *
 * usage: wire_probe ENDPOINT CODE MODE [ARG]
 *   garbage N        N random bytes as a frame (no Hello)
 *   multipart        a three-part message
 *   no-hello FILE    a publish of the JSON item in FILE without Hello
 *   publish FILE     Hello as CODE, then publish the JSON item(s) in FILE
 *                    (one per line) unvalidated, outbox sequences from 1
 *   oversize N       Hello, then a publish whose item is N bytes
 *   hello            Hello as CODE only
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "agent_config.h"
#include "codec.h"
#include "domain.pb-c.h"
#include "json.h"

static void *sock;

static void print_reply(void)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 5000) <= 0) {
        puts("none");
        return;
    }
    Cjx__Frame *fr = NULL;
    cjx_fault fault;
    if (cjx_frame_recv(sock, 64 << 20, 0, &fr, &fault) != CJX_OK) {
        printf("undecodable %s\n", fault.text);
        return;
    }
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_ACK:
        printf("ack %llu dup=%d\n", (unsigned long long)fr->ack->seq, fr->ack->duplicate);
        break;
    case CJX__FRAME__MSG_NACK:
        printf("nack %s %s: %s\n", cjx_err_name((int)fr->nack->reason), fr->nack->field,
               fr->nack->text);
        break;
    case CJX__FRAME__MSG_WELCOME: puts("welcome"); break;
    case CJX__FRAME__MSG_HEARTBEAT: puts("heartbeat"); break;
    default: printf("frame %d\n", (int)fr->msg_case);
    }
    cjx__frame__free_unpacked(fr, NULL);
}

/* Says Hello as an agent does, describing the institution by the kind its
 * code suggests, so the publish policy applies as to an agent. */
static void send_hello(const char *code)
{
    Cjx__Institution self = CJX__INSTITUTION__INIT;
    self.credit_code = (char *)code;
    self.name = "wire_probe";
    self.kind = (Cjx__InstitutionKind)cjx_default_institution_kind(code);
    cjx_send_hello(sock, code, "wire_probe", &self, 0, 0);
    print_reply();
}

static void send_publish(uint64_t oseq, const void *item, size_t len)
{
    cjx_send_publish(sock, oseq, item, len, 0);
    print_reply();
}

/* Publishes each JSON line of path, mapped to an Item but not validated. */
static int publish_file(const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    uint64_t oseq = 0;
    while (getline(&line, &cap, in) > 0) {
        ProtobufCMessage *msg = NULL;
        cjx_fault fault;
        if (cjx_json_parse_message(line, strlen(line), &cjx__item__descriptor, &msg, &fault)) {
            printf("bad-json %s: %s\n", fault.field, fault.text);
            continue;
        }
        size_t len = protobuf_c_message_get_packed_size(msg);
        uint8_t *buf = malloc(len + 1);
        protobuf_c_message_pack(msg, buf);
        send_publish(++oseq, buf, len);
        free(buf);
        protobuf_c_message_free_unpacked(msg, NULL);
    }
    free(line);
    fclose(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: wire_probe ENDPOINT CODE MODE [ARG]\n");
        return 2;
    }
    const char *mode = argv[3], *arg = argc > 4 ? argv[4] : "0";
    void *ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "cannot connect to %s\n", argv[1]);
        return 1;
    }
    int rc = 0;
    if (strcmp(mode, "garbage") == 0) {
        size_t n = strtoul(arg, NULL, 10);
        uint8_t *buf = malloc(n + 1);
        srand(42);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        zmq_send(sock, buf, n, 0);
        free(buf);
        print_reply();
    } else if (strcmp(mode, "multipart") == 0) {
        zmq_send(sock, "a", 1, ZMQ_SNDMORE);
        zmq_send(sock, "b", 1, ZMQ_SNDMORE);
        zmq_send(sock, "c", 1, 0);
        print_reply();
    } else if (strcmp(mode, "no-hello") == 0) {
        rc = publish_file(arg);
    } else if (strcmp(mode, "publish") == 0) {
        send_hello(argv[2]);
        rc = publish_file(arg);
    } else if (strcmp(mode, "oversize") == 0) {
        send_hello(argv[2]);
        size_t n = strtoul(arg, NULL, 10);
        uint8_t *buf = calloc(1, n + 1);
        send_publish(1, buf, n);
        free(buf);
    } else if (strcmp(mode, "hello") == 0) {
        send_hello(argv[2]);
    } else {
        fprintf(stderr, "wire_probe: unknown mode %s\n", mode);
        rc = 2;
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
