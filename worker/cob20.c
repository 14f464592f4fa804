/*
 * OceanBase 2.0 toward clients (cob20.h): the request in the connect
 * attributes, the grant in the login OK, the switch of framing.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_DIGITS 20       /* of a 64-bit decimal */

/* The value of connect attribute <key> in <attrs>, or NULL. */
static const uint8_t *
cob20_attr_value(const uint8_t *attrs, size_t len, const char *key,
                 size_t *vlen)
{
    struct obp_rd  rd;
    const uint8_t *k, *v;
    size_t         klen, n = strlen(key);

    obp_rd_init(&rd, attrs, len);
    while (obp_rd_left(&rd) > 0) {
        k = obp_rd_lenenc_str(&rd, &klen);
        v = obp_rd_lenenc_str(&rd, vlen);
        if (rd.err)
            return NULL;
        if (klen == n && memcmp(k, key, n) == 0)
            return v;
    }
    return NULL;
}

uint64_t
obp_cob20_granted(const struct obp_session *s,
                  const struct obp_hs_response *r)
{
    char           digits[CAP_DIGITS + 1], *end;
    const uint8_t *v;
    size_t         vlen;
    uint64_t       asked;

    if (!s->w->conf->enable_ob_protocol_v2_with_client
        || !(r->caps & s->hs_caps & OBP_CLIENT_SESSION_TRACK))
        return 0;
    v = cob20_attr_value(r->attrs, r->attrs_len, OBP_OB_CAP_ATTR, &vlen);
    if (v == NULL || vlen == 0 || vlen > CAP_DIGITS)
        return 0;
    memcpy(digits, v, vlen);
    digits[vlen] = '\0';
    asked = strtoull(digits, &end, 10);
    if (*end != '\0' || !(asked & OBP_OB_CAP_OB_PROTOCOL_V2))
        return 0;
    /* extra info is parsed in either format; nothing else is offered */
    return asked & (OBP_OB_CAP_OB_PROTOCOL_V2
                    | OBP_OB_CAP_PROXY_NEW_EXTRA_INFO);
}

/*
 * <ok>'s session-track block with ob_capability_flag added, in <*buf>
 * (malloc'ed, the caller frees): its length, or 0 when out of memory.
 */
static size_t
cob20_track(const struct obp_session *s, const struct obp_ok *ok,
                uint8_t **buf)
{
    size_t        had = ok->track != NULL ? ok->track_len : 0;
    char          val[CAP_DIGITS + 1];
    uint8_t       item[64];
    struct obp_wr wr, iw;

    snprintf(val, sizeof(val), "%llu", (unsigned long long)s->ob_caps);
    obp_wr_init(&iw, item, sizeof(item));
    obp_wr_lenenc_str(&iw, OBP_OB_CAP_TRACK, strlen(OBP_OB_CAP_TRACK));
    obp_wr_lenenc_str(&iw, val, strlen(val));
    if (iw.err || (*buf = malloc(had + sizeof(item) + 16)) == NULL)
        return 0;
    if (had > 0)
        memcpy(*buf, ok->track, had);
    obp_wr_init(&wr, *buf + had, sizeof(item) + 16);
    obp_wr_u8(&wr, OBP_SESSION_TRACK_SYSTEM_VARIABLES);
    obp_wr_lenenc_str(&wr, item, iw.len);
    return wr.err ? 0 : had + wr.len;
}

/* Writes <ok>, with the grant when there is one. */
static int
cob20_write_ok(struct obp_session *s, const struct obp_ok *ok)
{
    struct obp_ok granted = *ok;
    struct obp_wr wr;
    uint8_t      *track = NULL;
    int           rc = OBP_ERROR;

    if (s->ob_caps != 0) {
        granted.track_len = cob20_track(s, ok, &track);
        if (granted.track_len == 0)
            goto done;
        granted.track = track;
        granted.status |= OBP_SERVER_SESSION_STATE_CHANGED;
    }
    if (obp_conn_writer(&s->cl, &wr) == OBP_OK
        && obp_ok_write(&wr, (uint8_t)(s->seq + 1), &granted, s->caps)
           == OBP_OK
        && obp_conn_commit(&s->cl, &wr) == OBP_OK)
        rc = OBP_OK;
done:
    free(track);
    return rc;
}

int
obp_cob20_login_ok(struct obp_session *s, const struct obp_ok *ok)
{
    struct obp_xport *x;

    if (cob20_write_ok(s, ok) != OBP_OK)
        return OBP_ERROR;
    /* the OK goes out as it is; the framing starts behind it */
    x = s->cl.x;
    if (x != NULL && (x->zip || x->ob20))
        return OBP_OK;      /* a change of user keeps what was agreed */
    if (s->ob_caps != 0)
        return obp_xport_ob20(&s->cl, s->id, false);
    if (s->zip)
        return obp_xport_zip(&s->cl);
    return OBP_OK;
}
