/*
 * The tenants' settings in a configuration file, read by both loaders
 * as keys of the tenant (topo.h) and taken out before the topology is
 * built:
 *     YAML  tenants: {app: {config: {KEY: VALUE}, white_list: LIST,
 *                           ssl_config: {key_info: JSON}}}
 *     INI   [tenant app]  config.KEY = VALUE, white_list = LIST,
 *                         ssl_config.key_info = JSON
 * Each becomes a row of the proxy's own cluster (level.h), checked as
 * obproxyctl config level set checks it.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file_rows {
    struct obp_conf *conf;
    const char      *path;
    struct obp_errs *errs;
};

static bool
has_prefix(const char *key, const char *word)
{
    size_t n = strlen(word);

    return strncmp(key, word, n) == 0 && (key[n] == '\0' || key[n] == '.');
}

static bool
is_setting(const char *key)
{
    return has_prefix(key, "config") || strcmp(key, "white_list") == 0
           || has_prefix(key, "ssl_config");
}

/* A list's items joined by ',' (white_list), malloc'd; NULL: no memory. */
static char *
joined(const char *const *values, size_t n)
{
    size_t len = 1;
    char  *s;

    for (size_t i = 0; i < n; i++)
        len += strlen(values[i]) + 1;
    s = malloc(len);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(s, ",");
        strcat(s, values[i]);
    }
    return s;
}

/* The row of key <key>: its table and name, or false. */
static bool
row_of_key(const char *key, size_t nvalues, struct obp_level_row *r)
{
    if (strcmp(key, "white_list") == 0) {
        r->table = OBP_LEVEL_WHITE_LIST;
        r->name = (char *)"ip_list";
        return true;
    }
    if (nvalues != 1)
        return false;
    if (strncmp(key, "config.", 7) == 0 && strchr(key + 7, '.') == NULL) {
        r->table = OBP_LEVEL_PROXY_CONFIG;
        r->name = (char *)(key + 7);
        return true;
    }
    if (strncmp(key, "ssl_config.", 11) == 0
        && strchr(key + 11, '.') == NULL) {
        r->table = OBP_LEVEL_SSL_CONFIG;
        r->name = (char *)(key + 11);
        return true;
    }
    return false;
}

static void
take(void *arg, const char *tenant, const char *key,
     const char *const *values, size_t nvalues, unsigned line)
{
    struct file_rows    *f = arg;
    struct obp_level_row r = { .tenant = (char *)tenant,
                               .source = OBP_SRC_FILE };
    char                 err[512], *list = NULL;

    if (!row_of_key(key, nvalues, &r)) {
        obp_errs_add(f->errs, "%s:%u: tenant %s: %s: expected config: "
                     "{KEY: VALUE}, white_list: LIST or ssl_config: "
                     "{key_info: JSON}", f->path, line, tenant, key);
        return;
    }
    list = joined(values, nvalues);
    r.value = list;
    if (list == NULL)
        obp_errs_add(f->errs, "%s:%u: out of memory", f->path, line);
    else if (obp_levels_set(&f->conf->levels, &r, err, sizeof(err))
             != OBP_OK)
        obp_errs_add(f->errs, "%s:%u: tenant %s: %s: %s", f->path, line,
                     tenant, key, err);
    free(list);
}

void
obp_level_from_file(struct obp_conf *conf, struct obp_topo_src *src,
                    const char *path, struct obp_errs *errs)
{
    struct file_rows     f = { conf, path, errs };
    struct obp_topo_take t = { is_setting, take, &f };

    obp_topo_src_take(src, &t);
}
