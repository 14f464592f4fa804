/*
 * The checks of one level row (level.h), as ODP makes them when a row is
 * written: proxy_config takes only the multi-level parameters, each
 * value checked by the parameter's own parser and range; white_list
 * takes ip_list, ssl_config key_info.  Whether key_info's files load is
 * checked with the whole configuration (level_tls.h), where the root
 * directory is known.
 */
#include "obp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_BUF (OBP_LEVEL_VALUE_MAX + 64)

/*
 * ODP's multi-level ("VIP" level) parameters that obproxy has, but
 * rootservice_cluster_name: a tenant cannot name its own cluster.
 */
static const char *const multi[] = {
    "enable_read_write_split", "proxy_route_policy",
    "obproxy_read_consistency", "proxy_idc_name", "target_db_server",
    "enable_client_ssl", "enable_server_ssl", "ssl_attributes",
    "proxy_tenant_name", "mysql_version", "ob_max_read_stale_time",
};

bool
obp_level_multi(const char *name)
{
    for (size_t i = 0; i < OBP_NELEMS(multi); i++)
        if (obp_strcasecmp(name, multi[i]) == 0)
            return true;
    return false;
}

/* <s> of at most <max> bytes without control characters: OBP_OK. */
static int
check_key(const char *s, const char *what, char *err, size_t errlen)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20) {
            snprintf(err, errlen, "%s holds a control character", what);
            return OBP_ERROR;
        }
    }
    if (n > OBP_LEVEL_KEY_MAX) {
        snprintf(err, errlen, "%s is longer than %d bytes", what,
                 OBP_LEVEL_KEY_MAX);
        return OBP_ERROR;
    }
    return OBP_OK;
}

static int
check_keys(const struct obp_level_row *in, char *err, size_t errlen)
{
    if (in->table >= OBP_LEVEL_NTABLES) {
        snprintf(err, errlen, "no such table");
        return OBP_ERROR;
    }
    if ((in->cluster != NULL
         && check_key(in->cluster, "cluster", err, errlen) != OBP_OK)
        || check_key(in->tenant, "tenant", err, errlen) != OBP_OK
        || check_key(in->name, "name", err, errlen) != OBP_OK)
        return OBP_ERROR;
    if (strlen(in->value) > OBP_LEVEL_VALUE_MAX
        || strpbrk(in->value, "\r\n") != NULL) {
        snprintf(err, errlen, "the value is longer than %d bytes or holds "
                 "a line break", OBP_LEVEL_VALUE_MAX);
        return OBP_ERROR;
    }
    if (in->cluster != NULL && in->cluster[0] == '\0'
        && in->tenant[0] == '\0') {
        snprintf(err, errlen, "cluster and tenant are both empty: %s",
                 in->table == OBP_LEVEL_PROXY_CONFIG
                 ? "the global level is the parameter's own value (config "
                   "set)"
                 : "a row is a tenant's or a cluster's");
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* The parsed value of <p> in <c>, for obp_level_row.num. */
static int64_t
number(const struct obp_conf *c, const struct obp_param *p)
{
    const char *field = (const char *)c + p->offset;

    switch (p->type) {
    case OBP_PT_BOOL:
        return *(const bool *)(const void *)field;
    case OBP_PT_ENUM:
        return *(const int *)(const void *)field;
    case OBP_PT_INT:
    case OBP_PT_TIME:
    case OBP_PT_SIZE:
        return *(const int64_t *)(const void *)field;
    default:
        return 0;
    }
}

/*
 * A proxy_config value through the parameter's own setter, on a
 * configuration of its own: the printed form into <canon>.
 */
static int
check_param(const struct obp_param *p, const char *value, char *canon,
            int64_t *num, char *err, size_t errlen)
{
    struct obp_conf     *c = calloc(1, sizeof(*c));
    struct obp_tls_attrs a;
    char                 why[256];
    int                  rc = OBP_ERROR;

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return OBP_ERROR;
    }
    if (obp_param_set(c, p, value, why, sizeof(why)) != OBP_OK)
        snprintf(err, errlen, "%s: %s", p->name, why);
    else if (strcmp(p->name, "ssl_attributes") == 0
             && obp_tls_attrs_parse(value, &a, why, sizeof(why)) != OBP_OK)
        snprintf(err, errlen, "%s: %s", p->name, why);
    else if (obp_param_format(c, p, canon, VALUE_BUF) < 0)
        snprintf(err, errlen, "%s: cannot print its value", p->name);
    else
        rc = OBP_OK;
    *num = number(c, p);
    obp_conf_free(c);
    return rc;
}

/*
 * A proxy_config row: a multi-level parameter, its value through the
 * parameter's checks; <row> gets the parameter's name, the printed value
 * (in <canon>) and the number.
 */
static int
check_proxy_config(struct obp_level_row *row, char *canon, char *err,
                   size_t errlen)
{
    const struct obp_param *p = NULL;
    char                    lower[OBP_LEVEL_KEY_MAX + 1];
    size_t                  i;

    for (i = 0; row->name[i] != '\0' && i < OBP_LEVEL_KEY_MAX; i++)
        lower[i] = (char)tolower((unsigned char)row->name[i]);
    lower[i] = '\0';
    if (obp_level_multi(lower))
        p = obp_param_find(lower);
    if (p == NULL) {
        snprintf(err, errlen, "%.64s: multi level config not supported "
                 "(tenants and clusters take enable_read_write_split, "
                 "proxy_route_policy, obproxy_read_consistency, "
                 "proxy_idc_name, target_db_server, enable_client_ssl, "
                 "enable_server_ssl, ssl_attributes, proxy_tenant_name, "
                 "mysql_version, ob_max_read_stale_time)", row->name);
        return OBP_ERROR;
    }
    if (check_param(p, row->value, canon, &row->num, err, errlen) != OBP_OK)
        return OBP_ERROR;
    row->name = (char *)p->name;
    row->value = canon;
    return OBP_OK;
}

/* A white_list or ssl_config row; <row> gets the name's own case. */
static int
check_other(struct obp_level_row *row, char *err, size_t errlen)
{
    struct obp_keyinfo k;
    bool               wl = row->table == OBP_LEVEL_WHITE_LIST;
    const char        *name = wl ? "ip_list" : "key_info";

    if (obp_strcasecmp(row->name, name) != 0) {
        snprintf(err, errlen, "%s rows are named %s", wl ? "white_list"
                 : "ssl_config", name);
        return OBP_ERROR;
    }
    row->name = (char *)name;
    if (wl)
        return obp_wl_check(row->value, err, errlen);
    return obp_keyinfo_parse(row->value, &k, err, errlen);
}

int
obp_level_check(const struct obp_level_row *in, struct obp_level_row *out,
                char *err, size_t errlen)
{
    struct obp_level_row row = *in;
    char                *canon = malloc(VALUE_BUF);
    int                  rc;

    if (canon == NULL) {
        snprintf(err, errlen, "out of memory");
        return OBP_ERROR;
    }
    row.num = 0;
    rc = check_keys(in, err, errlen);
    if (rc == OBP_OK)
        rc = in->table == OBP_LEVEL_PROXY_CONFIG
             ? check_proxy_config(&row, canon, err, errlen)
             : check_other(&row, err, errlen);
    if (rc == OBP_OK && obp_level_row_copy(out, &row) != OBP_OK) {
        snprintf(err, errlen, "out of memory");
        rc = OBP_ERROR;
    }
    free(canon);
    return rc;
}
