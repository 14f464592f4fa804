/*
 * The worker's free list of packet buffers (iobuf.h).  conn.c takes a
 * buffer when a socket becomes readable or the proxy writes a packet of
 * its own, and gives it back once it is empty.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

struct obp_iobuf *
obp_iobuf_get(struct obp_iobuf_pool *p)
{
    struct obp_iobuf *b = p->free;

    if (b != NULL) {
        p->free = b->next;
        p->nfree--;
    } else {
        /* no calloc: the marks below are all a buffer needs */
        b = malloc(sizeof(*b));
        if (b == NULL)
            return NULL;
    }
    b->next = NULL;
    b->done = 0;
    b->parse = 0;
    b->recv = 0;
    p->nused++;
    return b;
}

void
obp_iobuf_put(struct obp_iobuf_pool *p, struct obp_iobuf *b)
{
    if (b == NULL)
        return;
    p->nused--;
    if (p->nfree >= OBP_IOBUF_KEEP) {
        free(b);
        return;
    }
    b->next = p->free;
    p->free = b;
    p->nfree++;
}

void
obp_iobuf_pool_free(struct obp_iobuf_pool *p)
{
    struct obp_iobuf *b;

    while ((b = p->free) != NULL) {
        p->free = b->next;
        free(b);
    }
    p->nfree = 0;
}

int
obp_iobuf_packet(const struct obp_iobuf *b, const uint8_t **h,
                 uint32_t *len)
{
    size_t avail = b->recv - b->parse;

    *h = b->data + b->parse;
    *len = 0;
    if (avail < OBP_PKT_HDR_LEN)
        return OBP_AGAIN;
    *len = obp_pkt_payload_len(*h);
    if (*len > OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN)
        return OBP_ERROR;
    return avail < OBP_PKT_HDR_LEN + *len ? OBP_AGAIN : OBP_OK;
}

void
obp_iobuf_compact(struct obp_iobuf *b)
{
    size_t live = b->recv - b->done;

    if (b->done == 0)
        return;
    if (live > 0)
        memmove(b->data, b->data + b->done, live);
    b->parse -= b->done;
    b->recv = live;
    b->done = 0;
}
