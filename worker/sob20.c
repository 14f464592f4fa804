/*
 * OceanBase 2.0 toward servers (sob20.h): the request in the login's
 * connect attributes, the grant read from the login OK, the switch.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_DIGITS 20       /* of a 64-bit decimal */

int
obp_sob20_zlevel(const struct obp_conf *conf)
{
    int level;

    /* "" is level 6 for the compressed protocol, but none here (ODP's) */
    if (conf->compression_algorithm[0] == '\0'
        || obp_zip_level(conf->compression_algorithm, &level) != OBP_OK)
        return 0;
    return level;
}

uint64_t
obp_sob20_offer(const struct obp_conf *conf)
{
    uint64_t caps;

    if (!conf->enable_ob_protocol_v2)
        return 0;
    caps = OBP_OB_CAP_OB_PROTOCOL_V2 | OBP_OB_CAP_PROXY_SESSION_SYNC
           | OBP_OB_CAP_PROXY_NEW_EXTRA_INFO;
    if (obp_sob20_zlevel(conf) != 0)
        caps |= OBP_OB_CAP_OB_PROTOCOL_V2_COMPRESS;
    return caps;
}

int
obp_sob20_attrs(struct obp_srv *srv)
{
    size_t         n = strlen(OBP_OB_CAP_ATTR), klen, vlen;
    const uint8_t *k, *v;
    struct obp_rd  rd;
    struct obp_wr  wr;
    char           val[CAP_DIGITS + 1];
    uint64_t       offer;

    /* built once: a login tried on the next server keeps them */
    if (!srv->w->conf->enable_ob_protocol_v2 || srv->own_attrs != NULL)
        return OBP_OK;
    srv->own_attrs = malloc(srv->lg.attrs_len + 2 * CAP_DIGITS + n);
    if (srv->own_attrs == NULL)
        return OBP_ERROR;
    obp_wr_init(&wr, srv->own_attrs, srv->lg.attrs_len + 2 * CAP_DIGITS
                + n);
    /* the client's attributes pass on, but the proxy asks for itself */
    obp_rd_init(&rd, srv->lg.attrs, srv->lg.attrs_len);
    while (obp_rd_left(&rd) > 0) {
        k = obp_rd_lenenc_str(&rd, &klen);
        v = obp_rd_lenenc_str(&rd, &vlen);
        if (rd.err)
            break;
        if (klen == n && memcmp(k, OBP_OB_CAP_ATTR, n) == 0)
            continue;
        obp_wr_lenenc_str(&wr, k, klen);
        obp_wr_lenenc_str(&wr, v, vlen);
    }
    offer = obp_sob20_offer(srv->w->conf);
    snprintf(val, sizeof(val), "%llu", (unsigned long long)offer);
    obp_wr_lenenc_str(&wr, OBP_OB_CAP_ATTR, n);
    obp_wr_lenenc_str(&wr, val, strlen(val));
    if (wr.err)
        return OBP_ERROR;
    srv->lg.attrs = srv->own_attrs;
    srv->lg.attrs_len = wr.len;
    srv->ob20_asked = 1;
    srv->ob20_zlevel = (offer & OBP_OB_CAP_OB_PROTOCOL_V2_COMPRESS)
                       ? (uint8_t)obp_sob20_zlevel(srv->w->conf) : 0;
    return OBP_OK;
}

uint64_t
obp_sob20_track_caps(const uint8_t *track, size_t len)
{
    size_t         n = strlen(OBP_OB_CAP_TRACK), dlen, klen, vlen;
    const uint8_t *d, *k, *v;
    struct obp_rd  rd, item;
    char           digits[CAP_DIGITS + 1], *end;
    uint8_t        type;
    uint64_t       caps;

    obp_rd_init(&rd, track, len);
    while (obp_rd_left(&rd) > 0) {
        type = obp_rd_u8(&rd);
        d = obp_rd_lenenc_str(&rd, &dlen);
        if (rd.err)
            return 0;
        if (type != OBP_SESSION_TRACK_SYSTEM_VARIABLES)
            continue;
        obp_rd_init(&item, d, dlen);
        k = obp_rd_lenenc_str(&item, &klen);
        v = obp_rd_lenenc_str(&item, &vlen);
        if (item.err || klen != n || memcmp(k, OBP_OB_CAP_TRACK, n) != 0)
            continue;
        if (vlen == 0 || vlen > CAP_DIGITS)
            return 0;
        memcpy(digits, v, vlen);
        digits[vlen] = '\0';
        caps = strtoull(digits, &end, 10);
        return *end == '\0' ? caps : 0;
    }
    return 0;
}

int
obp_sob20_start(struct obp_srv *srv, const struct obp_ok *ok)
{
    uint64_t granted = 0;

    if (srv->ob20_asked && ok->track != NULL)
        granted = obp_sob20_track_caps(ok->track, ok->track_len);
    if (granted & OBP_OB_CAP_OB_PROTOCOL_V2) {
        obp_log(OBP_LOG_DEBUG, srv->sid, 0, "server %s speaks OceanBase "
                "2.0 (ob_capability_flag %llu)", srv->addr.text,
                (unsigned long long)granted);
        if (obp_xport_ob20(&srv->c, srv->thread_id, true) != OBP_OK)
            return OBP_ERROR;
        /* only what was offered counts, the zlib variant at its level */
        if (granted & OBP_OB_CAP_OB_PROTOCOL_V2_COMPRESS)
            srv->c.x->ob20_zlevel = srv->ob20_zlevel;
        granted &= obp_sob20_offer(srv->w->conf);
        srv->c.x->new_extra = (granted & OBP_OB_CAP_PROXY_NEW_EXTRA_INFO)
                              != 0;
        if (granted & OBP_OB_CAP_PROXY_SESSION_SYNC)
            srv->c.x->peer = &srv->peer;
        return OBP_OK;
    }
    if (srv->caps & OBP_CLIENT_COMPRESS)
        return obp_xport_zip(&srv->c);
    return OBP_OK;
}
