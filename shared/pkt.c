/*
 * MySQL packets the proxy writes itself (pkt.h).  For now the ERR packet
 * a worker sends before any handshake: too many connections, or no server
 * reachable.
 */
#include "obp.h"

#include <string.h>

#define ERR_FIXED_LEN 9     /* 0xff, code:2, '#', SQL state:5 */

/* Shortens <len> so that the cut does not split a UTF-8 character. */
static size_t
utf8_cut(const char *s, size_t len, size_t full)
{
    while (len > 0 && len < full && ((unsigned char)s[len] & 0xc0) == 0x80)
        len--;
    return len;
}

size_t
obp_pkt_err(uint8_t *buf, size_t cap, uint8_t seq, uint16_t code,
            const char *sqlstate, const char *msg)
{
    size_t   full, mlen, room;
    uint8_t *p;

    if (cap < OBP_PKT_HDR_LEN + ERR_FIXED_LEN)
        return 0;
    /* A state that is not 5 characters would shift the message. */
    if (sqlstate == NULL || strnlen(sqlstate, 5) != 5)
        sqlstate = "HY000";
    if (msg == NULL)
        msg = "";
    full = strlen(msg);
    room = cap - OBP_PKT_HDR_LEN - ERR_FIXED_LEN;
    if (room > OBP_PKT_MAX_PAYLOAD - ERR_FIXED_LEN)
        room = OBP_PKT_MAX_PAYLOAD - ERR_FIXED_LEN;
    mlen = utf8_cut(msg, full < room ? full : room, full);

    obp_pkt_put_hdr(buf, (uint32_t)(ERR_FIXED_LEN + mlen), seq);
    p = buf + OBP_PKT_HDR_LEN;
    *p++ = 0xff;
    *p++ = (uint8_t)code;
    *p++ = (uint8_t)(code >> 8);
    *p++ = '#';
    memcpy(p, sqlstate, 5);
    memcpy(p + 5, msg, mlen);
    return OBP_PKT_HDR_LEN + ERR_FIXED_LEN + mlen;
}
