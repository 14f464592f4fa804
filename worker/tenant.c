/*
 * The login's tenant (tenant.h): its white_list and its TLS demand,
 * read from the worker's configuration at each login, so a change
 * applies to the next login.
 */
#include "worker.h"

#include <stdio.h>

#define ER_ACCESS_DENIED             1045
#define ER_SECURE_TRANSPORT_REQUIRED 3159

/* True when the tenant has a white_list that <s>'s address is not on. */
static bool
not_listed(const struct obp_session *s)
{
    const char *list = obp_conf_level_value(s->w->conf,
                                            OBP_LEVEL_WHITE_LIST,
                                            s->name.cluster, s->name.tenant,
                                            "ip_list");

    return list != NULL
           && !obp_wl_allows(list, (const struct sockaddr *)&s->caddr.sa);
}

static void
refuse_address(struct obp_session *s, bool password)
{
    char msg[2 * OBP_NAME_MAX + 96];

    obp_log(OBP_LOG_WARN, s->id, 0, "client %s: user '%s' of tenant '%s' "
            "(cluster '%s') can not pass white_list", s->cip, s->name.user,
            s->name.tenant, s->name.cluster);
    snprintf(msg, sizeof(msg), "Access denied for user '%s'@'%s' (using "
             "password: %s)", s->name.user, s->cip, password ? "YES" : "NO");
    obp_stat_add(s->w->stats, OBP_STAT_login_denied, 1);
    obp_session_fail(s, (uint8_t)(s->seq + 1), ER_ACCESS_DENIED, "28000",
                     msg);
}

/* True when the tenant's settings demand TLS that <s> does not use. */
static bool
needs_tls(const struct obp_session *s)
{
    const struct obp_conf *c = s->w->conf;
    const char            *cl = s->name.cluster, *tn = s->name.tenant;
    struct obp_tls_attrs   a;
    char                   err[160];

    if (s->w->xctx.tls_srv == NULL
        || (s->cl.x != NULL && s->cl.x->ssl != NULL)
        || !obp_level_bool(c, cl, tn, "enable_client_ssl"))
        return false;
    return obp_tls_attrs_parse(obp_level_text(c, cl, tn, "ssl_attributes"),
                               &a, err, sizeof(err)) == OBP_OK
           && a.use == OBP_TLS_USE_FORCE;
}

bool
obp_tenant_refused(struct obp_session *s, bool password)
{
    if (not_listed(s)) {
        refuse_address(s, password);
        return true;
    }
    if (!needs_tls(s))
        return false;
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s: a login without TLS "
            "refused (ssl_attributes using_ssl ENABLE_FORCE, tenant '%s')",
            s->caddr.text, s->name.tenant);
    obp_session_fail(s, (uint8_t)(s->seq + 1), ER_SECURE_TRANSPORT_REQUIRED,
                     "HY000", "Connections using insecure transport are "
                     "prohibited while --require_secure_transport=ON.");
    return true;
}
