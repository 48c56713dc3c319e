/* codec_test.c — unit tests for protocol frames on ZeroMQ sockets
 * (core/codec.c).
 *
 * Decoding is tested on bytes; sending and receiving on a real inproc
 * DEALER <-> ROUTER pair set up fresh for each test, the shape of an agent
 * and the hub. The ROUTER is "mandatory" so a frame it cannot route fails
 * the send instead of vanishing, and both sockets time out after two seconds
 * so a broken test fails instead of hanging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"

#define RID "agent-7"
#define MAX CJX_MAX_FRAME_BYTES

typedef struct pair {
    void *ctx, *router, *dealer;
} pair;

static void setopt(void *sock, int opt, int value)
{
    assert_int_equal(zmq_setsockopt(sock, opt, &value, sizeof value), 0);
}

static int pair_setup(void **state)
{
    pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->ctx = zmq_ctx_new();
    p->router = zmq_socket(p->ctx, ZMQ_ROUTER);
    p->dealer = zmq_socket(p->ctx, ZMQ_DEALER);
    setopt(p->router, ZMQ_ROUTER_MANDATORY, 1);
    setopt(p->router, ZMQ_RCVTIMEO, 2000);
    setopt(p->dealer, ZMQ_RCVTIMEO, 2000);
    setopt(p->router, ZMQ_LINGER, 0);
    setopt(p->dealer, ZMQ_LINGER, 0);
    assert_int_equal(zmq_setsockopt(p->dealer, ZMQ_ROUTING_ID, RID, strlen(RID)), 0);
    assert_int_equal(zmq_bind(p->router, "inproc://codec-test"), 0);
    assert_int_equal(zmq_connect(p->dealer, "inproc://codec-test"), 0);
    *state = p;
    return 0;
}

static int pair_teardown(void **state)
{
    pair *p = *state;
    zmq_close(p->dealer);
    zmq_close(p->router);
    zmq_ctx_term(p->ctx);
    free(p);
    return 0;
}

/* A Heartbeat frame; the parts live in *b. */
typedef struct beat {
    Cjx__Heartbeat hb;
    Cjx__Frame frame;
} beat;

static const Cjx__Frame *make_beat(beat *b, uint64_t backlog, uint64_t last_seq)
{
    cjx__heartbeat__init(&b->hb);
    cjx__frame__init(&b->frame);
    b->hb.outbox_backlog = backlog;
    b->hb.last_seq = last_seq;
    b->frame.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    b->frame.heartbeat = &b->hb;
    return &b->frame;
}

/* Checks fr is that Heartbeat, and frees it. */
static void expect_beat(Cjx__Frame *fr, uint64_t backlog, uint64_t last_seq)
{
    assert_non_null(fr);
    assert_int_equal(fr->msg_case, CJX__FRAME__MSG_HEARTBEAT);
    assert_int_equal(fr->heartbeat->outbox_backlog, backlog);
    assert_int_equal(fr->heartbeat->last_seq, last_seq);
    cjx__frame__free_unpacked(fr, NULL);
}

/* Decodes len bytes, expecting want; on success returns the frame. */
static Cjx__Frame *decode(const void *buf, size_t len, size_t max, cjx_err want)
{
    Cjx__Frame *fr = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_frame_decode(buf, len, max, &fr, &f), want);
    if (want != CJX_OK) {
        assert_null(fr);
        assert_int_equal(f.code, want);
    }
    return fr;
}

/* Receives on the dealer, expecting want; on success returns the frame. */
static Cjx__Frame *recv_frame(pair *p, size_t max, int flags, cjx_err want)
{
    Cjx__Frame *fr = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_frame_recv(p->dealer, max, flags, &fr, &f), want);
    if (want != CJX_OK)
        assert_null(fr);
    return fr;
}

/* The dealer says hello with a heartbeat, so the router knows its id. */
static void handshake(pair *p)
{
    beat b;
    assert_int_equal(cjx_frame_send(p->dealer, NULL, 0, make_beat(&b, 3, 0), 0), CJX_OK);
    char rid[64];
    assert_int_equal(zmq_recv(p->router, rid, sizeof rid, 0), strlen(RID));
    assert_memory_equal(rid, RID, strlen(RID));
    zmq_msg_t body;
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&body, p->router, 0) >= 0);
    assert_false(zmq_msg_more(&body)); /* one part after the id */
    expect_beat(decode(zmq_msg_data(&body), zmq_msg_size(&body), MAX, CJX_OK), 3, 0);
    zmq_msg_close(&body);
}

/* ---- decoding bytes ---- */

static void test_decode_ok(void **state)
{
    (void)state;
    beat b;
    uint8_t buf[64];
    size_t len = cjx__frame__pack(make_beat(&b, 12, 345), buf);
    expect_beat(decode(buf, len, MAX, CJX_OK), 12, 345);
    expect_beat(decode(buf, len, len, CJX_OK), 12, 345); /* the limit is inclusive */
}

/* The size is checked before unpacking: garbage over the limit is too big,
 * not malformed. */
static void test_decode_too_big(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    decode(junk, sizeof junk, sizeof junk - 1, CJX_ETOOBIG);
    decode(junk, sizeof junk, 0, CJX_ETOOBIG);
    beat b;
    uint8_t buf[64];
    size_t len = cjx__frame__pack(make_beat(&b, 1, 2), buf);
    decode(buf, len, len - 1, CJX_ETOOBIG);
}

static void test_decode_garbage(void **state)
{
    (void)state;
    static const struct {
        const char *why, *bytes;
        size_t len;
    } bad[] = {
        {"field number 0", "\x07", 1},
        {"truncated varint", "\x78", 1},
        {"varint over 10 bytes", "\x78\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11},
        {"heartbeat cut short", "\x32\x05\x08", 3},
        {"message sent as varint", "\x30\x01", 2},
        {"length past the end", "\x32\x01", 2},
        {"garbage in heartbeat", "\x32\x02\x08\x80", 4},
        {"text", "hello there", 11},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_decode(bad[i].bytes, bad[i].len, MAX, &fr, &f);
        /* refused by the unpacking, not for carrying no message */
        if (rc != CJX_EMALFORMED || fr || !strstr(f.text, "is not a cjx.Frame"))
            fail_msg("%s: got %s: %s", bad[i].why, cjx_err_name(rc), f.text);
    }
}

/* Bytes that unpack, but carry no message: nothing, or only a field this
 * program does not know. */
static void test_decode_no_message(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } empty[] = {{"", 0}, {"\xf8\x03\x01", 3} /* field 63 = 1, not a message */};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        assert_int_equal(cjx_frame_decode(empty[i].bytes, empty[i].len, MAX, &fr, &f),
                         CJX_EMALFORMED);
        assert_null(fr);
        assert_string_equal(f.text, "frame carries no message");
    }
}

/* ---- on sockets ---- */

static void test_round_trip(void **state)
{
    pair *p = *state;
    handshake(p);
    Cjx__Nack nack = CJX__NACK__INIT;
    nack.outbox_seq = 41;
    nack.reason = CJX_ECHECKCHAR;
    nack.field = "hello.credit_code";
    nack.text = "wrong check character";
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_NACK;
    fr.nack = &nack;
    assert_int_equal(cjx_frame_send(p->router, RID, strlen(RID), &fr, 0), CJX_OK);
    Cjx__Frame *got = recv_frame(p, MAX, 0, CJX_OK);
    assert_int_equal(got->msg_case, CJX__FRAME__MSG_NACK);
    assert_int_equal(got->nack->outbox_seq, 41);
    assert_int_equal(got->nack->reason, CJX_ECHECKCHAR);
    assert_string_equal(got->nack->field, "hello.credit_code");
    assert_string_equal(got->nack->text, "wrong check character");
    cjx__frame__free_unpacked(got, NULL);
}

/* Sends one message of n parts from the router, each a whole frame. */
static void router_send_parts(pair *p, const uint8_t *frame, size_t len, size_t n)
{
    assert_int_equal(zmq_send(p->router, RID, strlen(RID), ZMQ_SNDMORE), strlen(RID));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(zmq_send(p->router, frame, len, i + 1 < n ? ZMQ_SNDMORE : 0), len);
}

/* A multi-part message is refused whole even when every part would decode:
 * the next receive sees the next message, not the leftover parts. */
static void test_multi_part(void **state)
{
    pair *p = *state;
    handshake(p);
    beat b;
    uint8_t buf[64];
    size_t len = cjx__frame__pack(make_beat(&b, 0, 5), buf);
    router_send_parts(p, buf, len, 1); /* the control: one part is fine */
    expect_beat(recv_frame(p, MAX, 0, CJX_OK), 0, 5);
    router_send_parts(p, buf, len, 3);
    recv_frame(p, MAX, 0, CJX_EMALFORMED);
    recv_frame(p, MAX, ZMQ_DONTWAIT, CJX_ETIMEOUT);
    assert_int_equal(cjx_frame_send(p->router, RID, strlen(RID), make_beat(&b, 0, 7), 0), CJX_OK);
    expect_beat(recv_frame(p, MAX, 0, CJX_OK), 0, 7);
}

/* An empty Frame packs to zero bytes; it still arrives, and is refused. */
static void test_empty_frame_on_wire(void **state)
{
    pair *p = *state;
    handshake(p);
    Cjx__Frame empty = CJX__FRAME__INIT;
    assert_int_equal(cjx_frame_send(p->router, RID, strlen(RID), &empty, 0), CJX_OK);
    recv_frame(p, MAX, 0, CJX_EMALFORMED);
}

static void test_recv_too_big(void **state)
{
    pair *p = *state;
    handshake(p);
    beat b;
    const Cjx__Frame *fr = make_beat(&b, 1000, 1000);
    size_t len = cjx__frame__get_packed_size(fr);
    assert_int_equal(cjx_frame_send(p->router, RID, strlen(RID), fr, 0), CJX_OK);
    recv_frame(p, len - 1, 0, CJX_ETOOBIG);
    assert_int_equal(cjx_frame_send(p->router, RID, strlen(RID), fr, 0), CJX_OK);
    expect_beat(recv_frame(p, len, 0, CJX_OK), 1000, 1000);
}

static void test_recv_timeout(void **state)
{
    pair *p = *state;
    recv_frame(p, MAX, ZMQ_DONTWAIT, CJX_ETIMEOUT);
    setopt(p->dealer, ZMQ_RCVTIMEO, 20);
    recv_frame(p, MAX, 0, CJX_ETIMEOUT);
}

/* A routing id the router does not know fails the send (and frees the
 * packed bytes: ASan's leak check). */
static void test_send_unroutable(void **state)
{
    pair *p = *state;
    beat b;
    assert_int_equal(cjx_frame_send(p->router, "nobody", 6, make_beat(&b, 1, 1), 0), CJX_EIO);
    recv_frame(p, MAX, ZMQ_DONTWAIT, CJX_ETIMEOUT);
}

#define PAIR_TEST(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_too_big),
        cmocka_unit_test(test_decode_garbage),
        cmocka_unit_test(test_decode_no_message),
        PAIR_TEST(test_round_trip),
        PAIR_TEST(test_multi_part),
        PAIR_TEST(test_empty_frame_on_wire),
        PAIR_TEST(test_recv_too_big),
        PAIR_TEST(test_recv_timeout),
        PAIR_TEST(test_send_unroutable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
