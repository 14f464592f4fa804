/*
 * A session's values of the multi-level parameters (level.h): its
 * tenant's proxy_config row, else its cluster's, else the parameter.
 * Called once per session and configuration (worker/sroute.c) and at
 * each login and server login for the TLS settings.
 */
#include "obp.h"

#include <string.h>

/* The parameter <name>'s row for the session, or NULL. */
static const struct obp_level_row *
row_of(const struct obp_conf *conf, const char *cluster, const char *tenant,
       const char *name)
{
    if (conf->levels.n == 0)
        return NULL;
    return obp_level_find(conf, OBP_LEVEL_PROXY_CONFIG, cluster, tenant,
                          name);
}

bool
obp_level_bool(const struct obp_conf *conf, const char *cluster,
               const char *tenant, const char *name)
{
    const struct obp_level_row *r = row_of(conf, cluster, tenant, name);
    const struct obp_param     *p;

    if (r != NULL)
        return r->num != 0;
    p = obp_param_find(name);
    return p != NULL && p->type == OBP_PT_BOOL
           && *(const bool *)(const void *)((const char *)conf + p->offset);
}

const char *
obp_level_text(const struct obp_conf *conf, const char *cluster,
               const char *tenant, const char *name)
{
    const struct obp_level_row *r = row_of(conf, cluster, tenant, name);
    const struct obp_param     *p;
    const char                 *s = NULL;

    if (r != NULL)
        return r->value;
    p = obp_param_find(name);
    if (p != NULL && p->type == OBP_PT_STRING)
        s = *(char *const *)(const void *)((const char *)conf + p->offset);
    return s != NULL ? s : "";
}

/* The number of a bool, int or enum parameter's row, or <own>. */
static int64_t
num_of(const struct obp_conf *conf, const char *cluster, const char *tenant,
       const char *name, int64_t own)
{
    const struct obp_level_row *r = row_of(conf, cluster, tenant, name);

    return r != NULL ? r->num : own;
}

void
obp_level_resolve(const struct obp_conf *conf, const char *cluster,
                  const char *tenant, struct obp_level_vals *out)
{
    out->read_write_split = num_of(conf, cluster, tenant,
                                   "enable_read_write_split",
                                   conf->enable_read_write_split) != 0;
    out->route_policy = (int)num_of(conf, cluster, tenant,
                                    "proxy_route_policy",
                                    conf->proxy_route_policy);
    out->read_consistency = (int)num_of(conf, cluster, tenant,
                                        "obproxy_read_consistency",
                                        conf->obproxy_read_consistency);
    out->idc = obp_level_text(conf, cluster, tenant, "proxy_idc_name");
    out->target = obp_level_text(conf, cluster, tenant, "target_db_server");
    out->max_read_stale = num_of(conf, cluster, tenant,
                                 "ob_max_read_stale_time",
                                 conf->ob_max_read_stale_time);
}

bool
obp_level_any_true(const struct obp_conf *conf, const char *name)
{
    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];

        if (r->table == OBP_LEVEL_PROXY_CONFIG && r->num != 0
            && strcmp(r->name, name) == 0 && !obp_level_shadowed(conf, r))
            return true;
    }
    return false;
}

/* The <i>th proxy_config row named <name> of <c> that applies, or NULL. */
static const struct obp_level_row *
nth_named(const struct obp_conf *c, const char *name, size_t i)
{
    for (size_t k = 0; k < c->levels.n; k++) {
        const struct obp_level_row *r = &c->levels.rows[k];

        if (r->table == OBP_LEVEL_PROXY_CONFIG && strcmp(r->name, name) == 0
            && !obp_level_shadowed(c, r) && i-- == 0)
            return r;
    }
    return NULL;
}

bool
obp_level_same(const struct obp_conf *a, const struct obp_conf *b,
               const char *name)
{
    const struct obp_level_row *x, *y;

    for (size_t i = 0;; i++) {
        x = nth_named(a, name, i);
        y = nth_named(b, name, i);
        if (x == NULL || y == NULL)
            return x == y;
        if (strcmp(x->value, y->value) != 0
            || strcmp(obp_level_cluster(a, x), obp_level_cluster(b, y)) != 0
            || strcmp(x->tenant, y->tenant) != 0)
            return false;
    }
}
