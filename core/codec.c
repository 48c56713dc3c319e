/* codec.c — packing, sending, receiving and decoding protocol frames. */
#include "codec.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <zmq.h>

void cjx_frames_in_heap(size_t keep_bytes)
{
    mallopt(M_MMAP_THRESHOLD, 1 << 20); /* above the largest frame sent */
    mallopt(M_TRIM_THRESHOLD, (int)keep_bytes);
}

cjx_err cjx_frame_decode(const void *buf, size_t len, size_t max,
                         Cjx__Frame **out, cjx_fault *f)
{
    return cjx_frame_decode_with(NULL, buf, len, max, out, f);
}

cjx_err cjx_frame_decode_with(ProtobufCAllocator *a, const void *buf, size_t len, size_t max,
                              Cjx__Frame **out, cjx_fault *f)
{
    if (len > max)
        return cjx_fault_set(f, CJX_ETOOBIG, "", "frame of %zu bytes exceeds the limit of %zu",
                             len, max);
    Cjx__Frame *frame = cjx__frame__unpack(a, len, buf);
    if (!frame)
        return cjx_fault_set(f, CJX_EMALFORMED, "", "frame of %zu bytes is not a cjx.Frame", len);
    if (frame->msg_case == CJX__FRAME__MSG__NOT_SET) {
        cjx__frame__free_unpacked(frame, a);
        return cjx_fault_set(f, CJX_EMALFORMED, "", "frame carries no message");
    }
    *out = frame;
    return CJX_OK;
}

static void free_packed(void *data, void *hint)
{
    (void)hint;
    free(data);
}

cjx_err cjx_frame_send(void *sock, const void *rid, size_t rid_len,
                       const Cjx__Frame *frame, int flags)
{
    size_t len = cjx__frame__get_packed_size(frame);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return CJX_ENOMEM;
    cjx__frame__pack(frame, buf);
    if (rid && zmq_send(sock, rid, rid_len, ZMQ_SNDMORE | (flags & ZMQ_DONTWAIT)) < 0) {
        free(buf);
        return CJX_EIO;
    }
    /* zero-copy: ZeroMQ frees buf when it is sent */
    zmq_msg_t msg;
    zmq_msg_init_data(&msg, buf, len, free_packed, NULL);
    if (zmq_msg_send(&msg, sock, flags) < 0) {
        zmq_msg_close(&msg);
        return CJX_EIO;
    }
    return CJX_OK;
}

cjx_err cjx_send_hello(void *sock, const char *code, const char *software,
                       const Cjx__Institution *institution, int agent, int ack_batch, int flags)
{
    Cjx__Hello hello = CJX__HELLO__INIT;
    hello.agent = agent != 0;
    hello.ack_batch = ack_batch != 0;
    hello.institution = (Cjx__Institution *)institution;
    hello.protocol_version = CJX_PROTOCOL_VERSION;
    hello.credit_code = (char *)code;
    hello.software = (char *)software;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HELLO;
    fr.hello = &hello;
    return cjx_frame_send(sock, NULL, 0, &fr, flags);
}

cjx_err cjx_send_publish(void *sock, uint64_t outbox_seq, const void *item, size_t len,
                         int flags)
{
    Cjx__Publish pub = CJX__PUBLISH__INIT;
    pub.outbox_seq = outbox_seq;
    pub.item.data = (uint8_t *)item;
    pub.item.len = len;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_PUBLISH;
    fr.publish = &pub;
    return cjx_frame_send(sock, NULL, 0, &fr, flags);
}

cjx_err cjx_send_event_ack(void *sock, const char *subscription, uint64_t seq, int flags)
{
    Cjx__EventAck ack = CJX__EVENT_ACK__INIT;
    ack.subscription = (char *)subscription;
    ack.seq = seq;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_EVENT_ACK;
    fr.event_ack = &ack;
    return cjx_frame_send(sock, NULL, 0, &fr, flags);
}

cjx_err cjx_frame_recv(void *sock, size_t max, int flags, Cjx__Frame **out,
                       cjx_fault *f)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, flags) < 0) {
        zmq_msg_close(&msg);
        return errno == EAGAIN ? CJX_ETIMEOUT : CJX_EIO;
    }
    int extra = 0;
    while (zmq_msg_more(&msg)) { /* a well-behaved hub sends one part */
        extra = 1;
        zmq_msg_close(&msg);
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) < 0)
            break;
    }
    cjx_err rc = extra ? cjx_fault_set(f, CJX_EMALFORMED, "", "multi-part frame")
                       : cjx_frame_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), max, out, f);
    zmq_msg_close(&msg);
    return rc;
}
