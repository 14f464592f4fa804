/*
 * Reroute and the partition-hit feedback (reroute.h).
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define IPV4_VERSION 4      /* OceanBase's address version of IPv4 */

void
obp_reroute_init(struct obp_session *s)
{
    s->reroute.to = -1;
}

void
obp_reroute_note(struct obp_session *s)
{
    struct obp_xport *x = s->srv != NULL ? s->srv->c.x : NULL;
    bool              ask;

    /* the resend never asks again: one reroute per statement */
    ask = s->w->conf->enable_reroute && !s->reroute.again
          && s->req.cmd == OBP_COM_QUERY && s->retry.len > 0
          && s->mwait.leader && x != NULL && x->ob20_ask;
    s->reroute.again = 0;
    s->reroute.to = -1;         /* routed by now, or not to be */
    s->reroute.asked = ask;
    if (x != NULL)
        x->ask_flags = ask ? OBP_OB20_IS_PROXY_REROUTE : 0;
}

void
obp_reroute_end(struct obp_session *s)
{
    s->reroute.asked = 0;
    if (s->srv != NULL && s->srv->c.x != NULL)
        s->srv->c.x->ask_flags = 0;
}

int
obp_reroute_info_addr(const uint8_t *val, size_t len, char *addr)
{
    struct obp_rd rd;
    uint64_t      n, ip, port;

    obp_rd_init(&rd, val, len);
    n = obp_rd_lenenc(&rd, NULL);
    if (rd.err || n == 0 || n > obp_rd_left(&rd))
        return OBP_ERROR;
    obp_rd_init(&rd, rd.p, (size_t)n);
    if (obp_rd_lenenc(&rd, NULL) != IPV4_VERSION)
        return OBP_ERROR;
    /* a signed 32-bit value widened: only the low half is the address */
    ip = obp_rd_lenenc(&rd, NULL) & 0xffffffffu;
    port = obp_rd_lenenc(&rd, NULL);
    if (rd.err || port == 0 || port > 65535)
        return OBP_ERROR;
    snprintf(addr, OBP_REROUTE_ADDR, "%u.%u.%u.%u:%u",
             (unsigned)(ip >> 24), (unsigned)(ip >> 16) & 0xffu,
             (unsigned)(ip >> 8) & 0xffu, (unsigned)ip & 0xffu,
             (unsigned)port);
    return OBP_OK;
}

/* The server the OK <p> (payload <len>) names, or -1. */
static int
named_server(struct obp_session *s, const uint8_t *p, size_t len,
             char *addr)
{
    struct obp_ok         ok;
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *k, *v;
    size_t                klen, vlen, n = strlen(OBP_REROUTE_VAR);

    if (obp_ok_parse(&ok, p, len, s->srv->caps) != OBP_OK
        || ok.track == NULL)
        return -1;
    obp_rd_init(&rd, ok.track, ok.track_len);
    while (obp_track_next(&rd, &it) == OBP_OK) {
        if (obp_track_sysvar(&it, &k, &klen, &v, &vlen) == OBP_OK
            && klen == n && memcmp(k, OBP_REROUTE_VAR, n) == 0)
            return obp_reroute_info_addr(v, vlen, addr) == OBP_OK
                   ? obp_bl_find(s->w->shm, addr) : -1;
    }
    return -1;
}

int
obp_reroute_take(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t *h = b->data + b->parse, *ok;
    size_t         avail = b->recv - b->parse, at = OBP_PKT_HDR_LEN + len;
    uint32_t       oklen;
    char           addr[OBP_REROUTE_ADDR] = "";
    int            to;

    /* the OK with the reroute info comes with the ERR, in its frame */
    if (!s->reroute.asked || len < 3 || b->done != b->parse
        || (unsigned)(h[5] | h[6] << 8) != OBP_OB_ERR_REROUTE
        || avail < at + OBP_PKT_HDR_LEN + 1)
        return OBP_OK;
    ok = h + at;
    oklen = obp_pkt_payload_len(ok);
    if (avail < at + OBP_PKT_HDR_LEN + oklen
        || ok[OBP_PKT_HDR_LEN] != OBP_PKT_OK
        || (to = named_server(s, ok + OBP_PKT_HDR_LEN, oklen, addr)) < 0) {
        obp_log(OBP_LOG_WARN, s->id, 0, "server %s answered reroute "
                "without a server the proxy knows (%s): passed on",
                s->srv->addr.text, addr);
        return OBP_OK;
    }
    if (obp_retry_resend(s) != OBP_OK) {
        obp_log(OBP_LOG_WARN, s->id, 0, "server %s answered reroute to "
                "%s: the statement does not fit in front of the client's "
                "bytes, passed on", s->srv->addr.text, addr);
        return OBP_OK;
    }
    b->parse += at + OBP_PKT_HDR_LEN + oklen;
    b->done = b->parse;
    obp_log(OBP_LOG_INFO, s->id, 0, "server %s answered reroute: the "
            "statement goes to %s", s->srv->addr.text, addr);
    obp_mwait_stale(s);
    s->reroute.to = to;
    s->reroute.again = 1;
    return OBP_DONE;
}

void
obp_reroute_route(struct obp_session *s, struct obp_router_out *out)
{
    if (s->reroute.to < 0)
        return;
    out->kind = OBP_RT_FORCED;
    out->server[0] = (uint16_t)s->reroute.to;
    out->n = 1;
    out->best = 1;
    s->reroute.to = -1;
}

void
obp_reroute_track(struct obp_session *s, const uint8_t *name,
                  size_t name_len, const uint8_t *val, size_t val_len)
{
    size_t n = strlen(OBP_PART_HIT_VAR);

    if (name_len != n || memcmp(name, OBP_PART_HIT_VAR, n) != 0)
        return;
    if ((val_len == 1 && val[0] == '0')
        || (val_len == 5 && strncasecmp((const char *)val, "false", 5) == 0))
        obp_mwait_missed(s);
}
