/*
 * Session-state synchronisation with OceanBase servers (sessinfo.h).
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define FIELD_HDR 6     /* type:2, length:4 */

int
obp_sessinfo_check(const uint8_t *p, size_t len, const char **why)
{
    struct obp_ob20_item it;
    size_t               pos = 0, total = 0;
    int                  rc;

    if (len > OBP_SESSINFO_MAX) {
        *why = "session info beyond its bound";
        return OBP_ERROR;
    }
    /* the fields share the new extra info's item layout */
    while ((rc = obp_ob20_extra_next(p, len, true, &pos, &it)) == OBP_OK) {
        if (it.type >= OBP_SESSINFO_TYPES) {
            *why = "session info field of an unknown type";
            return OBP_ERROR;
        }
        if (it.val_len == 0 || it.val_len > OBP_SESSINFO_FIELD_MAX) {
            *why = "session info field empty or beyond its bound";
            return OBP_ERROR;
        }
        total += FIELD_HDR + it.val_len;
    }
    if (rc == OBP_ERROR || total != len) {
        *why = "session info field runs past its item";
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* Field <type> becomes <p> (<len> bytes with its header). */
static int
sessinfo_set(struct obp_sessinfo *si, unsigned type, const uint8_t *p,
             size_t len)
{
    uint8_t *v;

    if (si->total - si->len[type] + len > OBP_SESSINFO_MAX)
        return OBP_ERROR;
    if ((v = malloc(len)) == NULL)
        return OBP_ERROR;
    memcpy(v, p, len);
    si->total = si->total - si->len[type] + len;
    free(si->val[type]);
    si->val[type] = v;
    si->len[type] = (uint32_t)len;
    si->ver[type] = ++si->next;
    return OBP_OK;
}

int
obp_sessinfo_take(struct obp_sessinfo_peer *peer, const uint8_t *p,
                  size_t len)
{
    struct obp_ob20_item it;
    size_t               pos = 0, at;

    struct obp_sessinfo *si;

    if (obp_sessinfo_check(p, len, &peer->fault) != OBP_OK)
        return OBP_ERROR;
    if (peer->home == NULL)
        return OBP_OK;
    if ((si = *peer->home) == NULL
        && (si = *peer->home = calloc(1, sizeof(*si))) == NULL) {
        peer->fault = "out of memory for session info";
        return OBP_ERROR;
    }
    for (at = 0; obp_ob20_extra_next(p, len, true, &pos, &it) == OBP_OK;
         at = pos) {
        if (sessinfo_set(si, it.type, p + at, pos - at) != OBP_OK) {
            peer->fault = "session info beyond its bound in all";
            return OBP_ERROR;
        }
        peer->seen[it.type] = si->ver[it.type];
        peer->sent &= ~(1u << it.type);     /* it holds this one anyway */
    }
    return OBP_OK;
}

size_t
obp_sessinfo_put(struct obp_sessinfo_peer *peer, bool new_format,
                 uint8_t *out, size_t room)
{
    const struct obp_sessinfo *si = peer->home != NULL ? *peer->home : NULL;
    uint8_t                    val[OBP_SESSINFO_MAX];
    size_t                     n = 0, put;
    unsigned                   t;

    peer->sent = 0;
    if (si == NULL)
        return 0;
    for (t = 0; t < OBP_SESSINFO_TYPES; t++) {
        if (si->ver[t] > peer->seen[t]) {
            memcpy(val + n, si->val[t], si->len[t]);
            n += si->len[t];
        }
    }
    if (n == 0)
        return 0;
    put = new_format
          ? obp_ob20_extra_put_new(out, room, OBP_OB20_SESS_INFO, val, n)
          : obp_ob20_extra_put_old(out, room, OBP_SESSINFO_KEY, val, n);
    if (put == 0)
        return 0;       /* no room in this frame: the next one tries */
    for (t = 0; t < OBP_SESSINFO_TYPES; t++) {
        if (si->ver[t] > peer->seen[t]) {
            peer->undo[t] = peer->seen[t];
            peer->seen[t] = si->ver[t];
            peer->sent |= 1u << t;
        }
    }
    return put;
}

void
obp_sessinfo_attach(struct obp_session *s)
{
    struct obp_xport         *x = s->srv != NULL ? s->srv->c.x : NULL;
    struct obp_sessinfo_peer *peer;

    if (x == NULL || x->peer == NULL)
        return;
    peer = x->peer;
    /* a server session another client used holds none of these */
    if (peer->owner != s->id) {
        memset(peer->seen, 0, sizeof(peer->seen));
        peer->sent = 0;
        peer->owner = s->id;
    }
    peer->home = &s->st.info;
}

void
obp_sessinfo_answered(struct obp_session *s)
{
    struct obp_xport         *x = s->srv != NULL ? s->srv->c.x : NULL;
    struct obp_sessinfo_peer *peer;

    if (x == NULL || (peer = x->peer) == NULL)
        return;
    for (unsigned t = 0; s->resp.failed && t < OBP_SESSINFO_TYPES; t++) {
        if (peer->sent & (1u << t))
            peer->seen[t] = peer->undo[t];
    }
    peer->sent = 0;
}

void
obp_sessinfo_free(struct obp_sessinfo *si)
{
    if (si == NULL)
        return;
    for (unsigned t = 0; t < OBP_SESSINFO_TYPES; t++)
        free(si->val[t]);
    free(si);
}
