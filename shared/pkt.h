/*
 * MySQL packet codec.  A packet is a 4-byte header (length:24 little
 * endian, sequence:8) and up to 0xffffff payload bytes.  Writers take a
 * caller's buffer and its capacity and never write past it.
 */
#ifndef OBP_SHARED_PKT_H
#define OBP_SHARED_PKT_H

#include <stddef.h>
#include <stdint.h>

#define OBP_PKT_HDR_LEN      4
#define OBP_PKT_MAX_PAYLOAD  0xffffffu

/* MySQL error codes the proxy sends itself. */
#define OBP_ER_CON_COUNT_ERROR   1040    /* Too many connections */
/* ER_CONNECT_TO_FOREIGN_DATA_SOURCE: client libraries turn a server-sent
 * code in the client range (2000-2999) into "malformed packet". */
#define OBP_ER_CONNECT_TO_SERVER 1429

static inline uint32_t
obp_pkt_payload_len(const uint8_t *hdr)
{
    return (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16;
}

static inline void
obp_pkt_put_hdr(uint8_t *hdr, uint32_t len, uint8_t seq)
{
    hdr[0] = (uint8_t)len;
    hdr[1] = (uint8_t)(len >> 8);
    hdr[2] = (uint8_t)(len >> 16);
    hdr[3] = seq;
}

/*
 * Writes an ERR packet (0xff, code, '#', 5-byte SQL state, message) with
 * sequence <seq>; the message is cut to fit.  Returns the bytes written,
 * or 0 when <cap> cannot hold even an empty message.
 */
size_t obp_pkt_err(uint8_t *buf, size_t cap, uint8_t seq, uint16_t code,
                   const char *sqlstate, const char *msg);

#endif
