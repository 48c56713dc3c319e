/* codec.h — protocol frames on ZeroMQ sockets.
 *
 * A frame is one packed cjx.Frame in one ZeroMQ message part; on the hub's
 * ROUTER it is preceded by the peer's routing id. Decoding checks the size
 * limit before unpacking anything.
 */
#ifndef CJX_CODEC_H
#define CJX_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "protocol.pb-c.h"

#define CJX_PROTOCOL_VERSION 1
/* Default limit on a frame; the hub's max_frame_bytes overrides it. */
#define CJX_MAX_FRAME_BYTES (256 * 1024)
/* The largest packed item `cjx post` accepts: it must fit a Publish frame. */
#define CJX_MAX_ITEM_BYTES (CJX_MAX_FRAME_BYTES - 64)

/* Has malloc keep frame-sized blocks in the heap, for a process that sends
 * and receives frames by the thousand (call in main, before any): frames of
 * up to 256 KiB, allocated per batch and freed once ZeroMQ is done with
 * them, are otherwise each a fresh mapping, or fresh heap pages once the
 * top of the heap was given back, every page faulted in as it is written
 * (a tenth of the hub loop's time with one agent). Up to keep_bytes of free
 * heap stay for the next ones. */
void cjx_frames_in_heap(size_t keep_bytes);

/* Unpacks a frame from buf. Returns CJX_OK with *out (caller frees with
 * cjx__frame__free_unpacked(*out, NULL)), CJX_ETOOBIG when len > max, or
 * CJX_EMALFORMED when the bytes are not a Frame or hold no message. */
cjx_err cjx_frame_decode(const void *buf, size_t len, size_t max,
                         Cjx__Frame **out, cjx_fault *f);
/* The same, unpacked with allocator a (an arena's: then nothing is freed
 * but by the arena). */
cjx_err cjx_frame_decode_with(ProtobufCAllocator *a, const void *buf, size_t len, size_t max,
                              Cjx__Frame **out, cjx_fault *f);

/* Packs frame and sends it as one message part on sock, preceded by the
 * routing id when rid is not NULL (ROUTER sockets). flags are zmq_send flags
 * for the last part (e.g. ZMQ_DONTWAIT). Returns CJX_OK, CJX_ENOMEM, or
 * CJX_EIO when ZeroMQ refused (errno tells why). */
cjx_err cjx_frame_send(void *sock, const void *rid, size_t rid_len,
                       const Cjx__Frame *frame, int flags);

/* Sends Hello{CJX_PROTOCOL_VERSION, code, software, institution, agent,
 * ack_batch} on a DEALER socket; institution (for the registry) may be
 * NULL, as for tools; agent is set by the institution's agent only;
 * ack_batch by a sender that takes AckBatch frames. Returns as
 * cjx_frame_send. */
cjx_err cjx_send_hello(void *sock, const char *code, const char *software,
                       const Cjx__Institution *institution, int agent, int ack_batch, int flags);

/* Sends Publish{outbox_seq, item} on a DEALER socket; item is a packed Item,
 * copied into the frame. Returns as cjx_frame_send. */
cjx_err cjx_send_publish(void *sock, uint64_t outbox_seq, const void *item, size_t len,
                         int flags);

/* Sends EventAck{subscription, seq} on a DEALER socket: every event of the
 * subscription up to seq is where it belongs. Returns as cjx_frame_send. */
cjx_err cjx_send_event_ack(void *sock, const char *subscription, uint64_t seq, int flags);

/* Receives one whole ZeroMQ message (all its parts) from a DEALER socket and
 * decodes it. Returns CJX_OK with *out, CJX_ETIMEOUT when nothing arrived
 * (with ZMQ_DONTWAIT or a receive timeout), CJX_EIO, or a decode error. */
cjx_err cjx_frame_recv(void *sock, size_t max, int flags, Cjx__Frame **out,
                       cjx_fault *f);

#endif
