/*
 * OceanBase logins (oblogin.h): the user name with its tenant, ODP's
 * connect attributes, the login errors that mean "another server".
 */
#include "worker.h"

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS     20       /* of a 64-bit decimal */
#define OB_PREFIX  "__ob_client"
#define ATTRS_ROOM 1024     /* ODP's names and fixed-size values */

/*
 * OceanBase sends its own errors that have no MySQL number as the
 * positive OceanBase code: OB_TENANT_NOT_IN_SERVER (-5150),
 * OB_SERVER_IS_INIT (-8001), OB_SERVER_IS_STOPPING (-8002),
 * OB_CONNECT_ERROR (-4124), OB_CLUSTER_NO_MATCH (-4666).
 */
static const uint16_t retry_codes[] = { 5150, 8001, 8002, 4124, 4666 };

void
obp_oblogin_fill(struct obp_srv_login *lg, const struct obp_session *s)
{
    const struct sockaddr_storage *sa = &s->caddr.sa;

    obp_strlcpy(lg->tenant, s->name.tenant, sizeof(lg->tenant));
    obp_strlcpy(lg->cluster, s->name.cluster, sizeof(lg->cluster));
    obp_strlcpy(lg->client_ip, s->cip, sizeof(lg->client_ip));
    if (sa->ss_family == AF_INET)
        lg->client_port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    else if (sa->ss_family == AF_INET6)
        lg->client_port =
            ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    lg->cs_id = s->id;
    lg->cluster_id = s->name.cluster_id;
    if (lg->cluster_id <= 0
        && strcmp(lg->cluster, s->w->conf->rootservice_cluster_name) == 0)
        lg->cluster_id = obp_route_cluster_id(s->w->shm);
    lg->connect_us = s->connect_us;
    lg->gvars_version = s->gvars_version;
    memcpy(lg->scramble, s->scramble, sizeof(lg->scramble));
}

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

void
obp_oblogin_learn(struct obp_session *s, const struct obp_ok *ok)
{
    static const char     name[] = "ob_proxy_global_variables_version";
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *k, *v;
    size_t                klen, vlen;
    char                  digits[DIGITS + 1], *end;
    long long             version;

    if (ok->track == NULL)
        return;
    obp_rd_init(&rd, ok->track, ok->track_len);
    while (obp_track_next(&rd, &it) == OBP_OK) {
        if (obp_track_sysvar(&it, &k, &klen, &v, &vlen) != OBP_OK
            || klen != sizeof(name) - 1 || memcmp(k, name, klen) != 0)
            continue;
        if (vlen == 0 || vlen > DIGITS)
            return;
        memcpy(digits, v, vlen);
        digits[vlen] = '\0';
        version = strtoll(digits, &end, 10);
        if (*end == '\0' && version > 0)
            s->gvars_version = version;
        return;
    }
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

static void
put_i64(struct obp_wr *wr, const char *k, long long v)
{
    char val[DIGITS + 2];

    snprintf(val, sizeof(val), "%lld", v);
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

/*
 * A MariaDB server (the emulated cluster of the tests, a MySQL-mode
 * deployment behind a live source) knows no __proxy_scramble: it checks
 * the token against its own scramble whatever the attribute says.
 */
static bool
knows_proxy_scramble(const struct obp_handshake *hs)
{
    return strstr(hs->version, "MariaDB") == NULL;
}

const uint8_t *
obp_oblogin_token_scramble(const struct obp_srv *srv,
                           const struct obp_handshake *hs)
{
    if (srv->w->conf->enable_proxy_scramble && knows_proxy_scramble(hs))
        return srv->lg.scramble;
    return hs->scramble;
}

/*
 * The scramble the server is to check the token against, XOR its own
 * (OBServer XORs it back): with enable_proxy_scramble the client's
 * scramble, as ODP sends it; else the server's own (20 zero bytes).
 */
static void
put_scramble(struct obp_wr *wr, const struct obp_srv *srv,
             const struct obp_handshake *hs)
{
    uint8_t x[OBP_SCRAMBLE_LEN];

    for (size_t i = 0; i < sizeof(x); i++)
        x[i] = srv->w->conf->enable_proxy_scramble
               ? (uint8_t)(srv->lg.scramble[i] ^ hs->scramble[i]) : 0;
    obp_wr_lenenc_str(wr, "__proxy_scramble", strlen("__proxy_scramble"));
    obp_wr_lenenc_str(wr, x, sizeof(x));
}

/* ODP's own attributes, in ODP's order (ODP-REFERENCE 9.3). */
static void
put_odp(struct obp_wr *wr, struct obp_srv *srv,
        const struct obp_handshake *hs, uint64_t flags)
{
    const struct obp_srv_login *lg = &srv->lg;
    const struct obp_conf      *conf = srv->w->conf;
    bool                        cluster = conf->enable_cluster_checkout;

    put(wr, "__mysql_client_type", "__ob_proxy");
    put_u64(wr, "__connection_id", hs->conn_id);
    put_u64(wr, "__proxy_connection_id", srv->sid);
    if (cluster && lg->cluster[0] != '\0')
        put(wr, "__cluster_name", lg->cluster);
    if (cluster && lg->cluster_id > 0)      /* ODP's 0 is "none" too */
        put_i64(wr, "__cluster_id", lg->cluster_id);
    put_i64(wr, "__global_vars_version", lg->gvars_version);
    put_u64(wr, OBP_OB_CAP_ATTR, flags);
    if (lg->has_pw)             /* ODP's rule: only with a token */
        put_scramble(wr, srv, hs);
    if (conf->enable_client_ip_checkout && lg->client_ip[0] != '\0') {
        put(wr, "__client_ip", lg->client_ip);
        srv->ip_sent = 1;
    }
    put(wr, "__proxy_version", OBP_VERSION_STRING);
    put_u64(wr, "__client_addr_port", lg->client_port);
    put_u64(wr, "__client_session_id", lg->cs_id);
    put_i64(wr, "__client_connect_time", lg->connect_us);
    if (conf->proxy_idc_name[0] != '\0')
        put(wr, "__proxy_idc_name", conf->proxy_idc_name);
}

int
obp_oblogin_attrs(struct obp_srv *srv, const struct obp_handshake *hs)
{
    const struct obp_conf *conf = srv->w->conf;
    size_t                 cap;
    uint64_t               flags = 0;
    struct obp_wr          wr;

    if (srv->own_attrs == NULL) {   /* the first server tried */
        srv->cl_attrs = srv->lg.attrs;
        srv->cl_attrs_len = srv->lg.attrs_len;
    }
    free(srv->own_attrs);           /* a login tried on the next server */
    cap = srv->cl_attrs_len + ATTRS_ROOM + strlen(srv->lg.cluster)
          + strlen(conf->proxy_idc_name);
    if ((srv->own_attrs = malloc(cap)) == NULL)
        return OBP_ERROR;
    obp_wr_init(&wr, srv->own_attrs, cap);
    keep_client(&wr, srv->cl_attrs, srv->cl_attrs_len);
    flags = obp_sob20_offer(conf);
    srv->ip_sent = 0;
    put_odp(&wr, srv, hs, flags);
    if (wr.err)
        return OBP_ERROR;
    srv->lg.attrs = srv->own_attrs;
    srv->lg.attrs_len = wr.len;
    srv->ob20_asked = (flags & OBP_OB_CAP_OB_PROTOCOL_V2) != 0;
    srv->ob20_zlevel = (flags & OBP_OB_CAP_OB_PROTOCOL_V2_COMPRESS)
                       ? (uint8_t)obp_sob20_zlevel(conf) : 0;
    return OBP_OK;
}
