/*
 * COM_CHANGE_USER (chuser.h): 0x11, user NUL, auth data (one length byte
 * with SECURE_CONNECTION, else NUL-terminated), schema NUL, then when
 * present the character set (2 bytes), the plugin name NUL (PLUGIN_AUTH)
 * and the connect attributes (CONNECT_ATTRS).  The old server session is
 * closed, not pooled: its state belongs to the old user.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

int
obp_chuser_parse(const struct obp_session *s, const uint8_t *p, size_t len,
                 struct obp_hs_response *r)
{
    struct obp_rd rd;

    memset(r, 0, sizeof(*r));
    r->caps = s->caps;
    r->ext_caps = s->ext_caps;
    r->max_packet = s->max_packet;
    r->charset = s->charset;
    obp_rd_init(&rd, p, len);
    obp_rd_u8(&rd);                     /* the command byte */
    r->user = obp_rd_nulstr(&rd, &r->user_len);
    if (s->caps & OBP_CLIENT_SECURE_CONNECTION) {
        r->auth_len = obp_rd_u8(&rd);
        r->auth = obp_rd_bytes(&rd, r->auth_len);
    } else {
        r->auth = (const uint8_t *)obp_rd_nulstr(&rd, &r->auth_len);
    }
    r->db = obp_rd_nulstr(&rd, &r->db_len);
    if (!rd.err && obp_rd_left(&rd) >= 2)
        r->charset = (uint8_t)obp_rd_u16(&rd);
    if (!rd.err && obp_rd_left(&rd) > 0
        && (s->caps & OBP_CLIENT_PLUGIN_AUTH))
        r->plugin = obp_rd_nulstr(&rd, &r->plugin_len);
    if (!rd.err && obp_rd_left(&rd) > 0
        && (s->caps & OBP_CLIENT_CONNECT_ATTRS))
        r->attrs = obp_rd_lenenc_str(&rd, &r->attrs_len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

/* The session forgets the old user before the new one is checked. */
static void
forget_user(struct obp_session *s)
{
    uint8_t seq = s->resp.seq;

    obp_session_drop_server(s);
    ev_timer_stop(s->w->loop, &s->timer);   /* no idle limit meanwhile */
    memset(&s->resp, 0, sizeof(s->resp));
    s->resp.seq = seq;
    s->req.busy = 0;
    explicit_bzero(s->stage1, sizeof(s->stage1));
    memset(s->account, 0, sizeof(s->account));
    explicit_bzero(s->token, sizeof(s->token));
    s->token_len = 0;
    s->has_pw = 0;
    s->refetched = 0;
    s->status = 0;
    obp_sstate_clear(&s->st);   /* the server forgets it for a new user */
    obp_sroute_reset(s, true);  /* they are the old user's */
}

int
obp_chuser_start(struct obp_session *s, struct obp_iobuf *b)
{
    const uint8_t         *h;
    uint32_t               len;
    struct obp_hs_response r;
    uint8_t               *copy;
    int                    rc = obp_iobuf_packet(b, &h, &len);

    if (rc == OBP_ERROR) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s: COM_CHANGE_USER of %u "
                "bytes", s->caddr.text, len);
        obp_session_close(s, "oversized COM_CHANGE_USER");
        return OBP_DONE;
    }
    if (rc == OBP_AGAIN)
        return OBP_AGAIN;
    /*
     * Skipping moves the bytes behind the packet over it while bytes
     * before it still wait to be relayed: the answer reads a copy.
     */
    if ((copy = malloc(len)) == NULL) {
        obp_session_close(s, "out of memory");
        return OBP_DONE;
    }
    memcpy(copy, h + OBP_PKT_HDR_LEN, len);
    s->seq = h[3];
    obp_conn_skip(&s->cl, OBP_PKT_HDR_LEN + len);
    obp_stat_add(s->w->stats, OBP_STAT_change_user, 1);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "client %s changes user (was '%s')",
            s->caddr.text, s->name.user);
    forget_user(s);
    if (obp_chuser_parse(s, copy, len, &r) != OBP_OK) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s: malformed "
                "COM_CHANGE_USER", s->caddr.text);
        obp_session_fail(s, (uint8_t)(s->seq + 1), 1043, "08S01",
                         "Bad handshake");
    } else {
        obp_clogin_answer(s, &r);
    }
    free(copy);
    return OBP_DONE;
}
