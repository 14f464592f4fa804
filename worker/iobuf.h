/*
 * Packet buffers: one linear block of OBP_IOBUF_SIZE bytes per direction
 * while bytes are in flight, taken from the worker's free list and given
 * back as soon as it is empty, so an idle session holds none.  conn.c
 * reads into them and writes from them; the framers move the marks.
 *
 *   data: [ done | to send: done..parse | unread: parse..recv | free ]
 *
 * Bytes before done are gone (sent or skipped).  A framer moves parse
 * forward over bytes it has decided to forward; conn.c moves done when
 * they are written.  Nothing ever wraps: when the free tail runs out,
 * the live bytes move to the front (obp_iobuf_compact).
 */
#ifndef OBP_WORKER_IOBUF_H
#define OBP_WORKER_IOBUF_H

#include <stddef.h>
#include <stdint.h>

#define OBP_IOBUF_SIZE  (16 * 1024)
#define OBP_IOBUF_KEEP  256     /* free buffers a worker keeps (4 MiB) */

struct obp_iobuf {
    struct obp_iobuf *next;     /* free list link */
    size_t            done;     /* first byte still needed */
    size_t            parse;    /* first byte not yet looked at */
    size_t            recv;     /* end of the bytes read */
    uint8_t           data[OBP_IOBUF_SIZE];
};

struct obp_iobuf_pool {
    struct obp_iobuf *free;     /* buffers ready for reuse */
    unsigned          nfree;
    unsigned          nused;    /* handed out now */
};

/* An empty buffer, or NULL when memory ran out. */
struct obp_iobuf *obp_iobuf_get(struct obp_iobuf_pool *p);

/* Gives <b> back; NULL is fine. */
void obp_iobuf_put(struct obp_iobuf_pool *p, struct obp_iobuf *b);

/* Frees the free list (at worker exit, after every session closed). */
void obp_iobuf_pool_free(struct obp_iobuf_pool *p);

/* Moves done..recv to the front of <b>. */
void obp_iobuf_compact(struct obp_iobuf *b);

/*
 * The whole packet at b->parse, for a packet the proxy parses itself (a
 * login, a status answer): OBP_OK with its header at *h and its payload
 * length in *len, OBP_AGAIN while part of it has yet to come, OBP_ERROR
 * when it could never fit the buffer (*len says how long it claims).
 */
int obp_iobuf_packet(const struct obp_iobuf *b, const uint8_t **h,
                     uint32_t *len);

#endif
