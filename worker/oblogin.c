/*
 * OceanBase logins (oblogin.h): the user name with its tenant, ODP's
 * connect attributes, the login errors that mean "another server".
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS     20       /* of a 64-bit decimal */
#define OB_PREFIX  "__ob_client"

/*
 * OceanBase sends its own errors that have no MySQL number as the
 * positive OceanBase code: OB_TENANT_NOT_IN_SERVER (-5150),
 * OB_SERVER_IS_INIT (-8001), OB_SERVER_IS_STOPPING (-8002),
 * OB_CONNECT_ERROR (-4124), OB_CLUSTER_NO_MATCH (-4666).
 */
static const uint16_t retry_codes[] = { 5150, 8001, 8002, 4124, 4666 };

bool
obp_oblogin_wanted(const struct obp_srv *srv)
{
    return srv->lg.tenant[0] != '\0' && obp_route_live(srv->w->shm);
}

void
obp_oblogin_user(char *out, size_t cap, const char *user,
                 const char *tenant, const char *cluster, bool full)
{
    if (full && cluster[0] != '\0')
        snprintf(out, cap, "%s@%s#%s", user, tenant, cluster);
    else
        snprintf(out, cap, "%s@%s", user, tenant);
}

bool
obp_oblogin_retryable(uint16_t code)
{
    for (size_t i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]);
         i++)
        if (retry_codes[i] == code)
            return true;
    return false;
}

static void
put(struct obp_wr *wr, const char *k, const char *v)
{
    obp_wr_lenenc_str(wr, k, strlen(k));
    obp_wr_lenenc_str(wr, v, strlen(v));
}

static void
put_u64(struct obp_wr *wr, const char *k, unsigned long long v)
{
    char val[DIGITS + 1];

    snprintf(val, sizeof(val), "%llu", v);
    put(wr, k, val);
}

/* The client's own OceanBase attributes pass on; the rest are dropped. */
static void
keep_client(struct obp_wr *wr, const uint8_t *attrs, size_t len)
{
    size_t         n = strlen(OB_PREFIX), klen, vlen;
    const uint8_t *k, *v;
    struct obp_rd  rd;

    obp_rd_init(&rd, attrs, len);
    while (obp_rd_left(&rd) > 0) {
        k = obp_rd_lenenc_str(&rd, &klen);
        v = obp_rd_lenenc_str(&rd, &vlen);
        if (rd.err)
            break;
        if (klen >= n && memcmp(k, OB_PREFIX, n) == 0) {
            obp_wr_lenenc_str(wr, k, klen);
            obp_wr_lenenc_str(wr, v, vlen);
        }
    }
}

int
obp_oblogin_attrs(struct obp_srv *srv)
{
    const struct obp_conf *conf = srv->w->conf;
    size_t                 cap = srv->lg.attrs_len + 512
                                 + strlen(srv->lg.cluster);
    uint64_t               flags = 0;
    struct obp_wr          wr;
    static const uint8_t   zeros[OBP_SCRAMBLE_LEN];

    if (srv->own_attrs != NULL)     /* a login tried on the next server */
        return OBP_OK;
    if ((srv->own_attrs = malloc(cap)) == NULL)
        return OBP_ERROR;
    obp_wr_init(&wr, srv->own_attrs, cap);
    keep_client(&wr, srv->lg.attrs, srv->lg.attrs_len);
    flags = obp_sob20_offer(conf);
    put(&wr, "__mysql_client_type", "__ob_proxy");
    put_u64(&wr, "__proxy_connection_id", srv->sid);
    put(&wr, "__cluster_name", srv->lg.cluster);
    put_u64(&wr, OBP_OB_CAP_ATTR, flags);
    /* the server checks the token against this XOR its scramble: the
       token is computed for its own scramble (the saved login's stage1) */
    obp_wr_lenenc_str(&wr, "__proxy_scramble", strlen("__proxy_scramble"));
    obp_wr_lenenc_str(&wr, zeros, sizeof(zeros));
    put(&wr, "__client_ip", srv->lg.client_ip);
    if (wr.err)
        return OBP_ERROR;
    srv->lg.attrs = srv->own_attrs;
    srv->lg.attrs_len = wr.len;
    srv->ob20_asked = (flags & OBP_OB_CAP_OB_PROTOCOL_V2) != 0;
    return OBP_OK;
}
