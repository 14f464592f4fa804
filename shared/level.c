/*
 * The multi-level rows of a configuration (level.h): storage, lookups
 * and what a session resolves.  A few dozen rows is the usual size, so
 * a lookup scans them; a session resolves once per configuration.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>

static const char *const table_names[OBP_LEVEL_NTABLES] = {
    [OBP_LEVEL_PROXY_CONFIG] = "proxy_config",
    [OBP_LEVEL_WHITE_LIST] = "white_list",
    [OBP_LEVEL_SSL_CONFIG] = "ssl_config",
};

int
obp_level_table(const char *name)
{
    for (int i = 0; i < OBP_LEVEL_NTABLES; i++)
        if (obp_strcasecmp(name, table_names[i]) == 0)
            return i;
    return -1;
}

const char *
obp_level_table_name(int table)
{
    return table >= 0 && table < OBP_LEVEL_NTABLES ? table_names[table]
                                                   : "?";
}

const char *
obp_level_cluster(const struct obp_conf *conf, const struct obp_level_row *r)
{
    if (r->cluster != NULL)
        return r->cluster;
    return conf->rootservice_cluster_name != NULL
           ? conf->rootservice_cluster_name : "";
}

void
obp_level_row_free(struct obp_level_row *r)
{
    free(r->cluster);
    free(r->tenant);
    free(r->name);
    free(r->value);
}

void
obp_levels_free(struct obp_levels *l)
{
    for (size_t i = 0; i < l->n; i++)
        obp_level_row_free(&l->rows[i]);
    free(l->rows);
    memset(l, 0, sizeof(*l));
}

/* A copy of <s> into *<dst>, NULL staying NULL. */
static int
dup_str(char **dst, const char *s)
{
    *dst = s != NULL ? strdup(s) : NULL;
    return s != NULL && *dst == NULL ? OBP_ERROR : OBP_OK;
}

int
obp_level_row_copy(struct obp_level_row *dst, const struct obp_level_row *src)
{
    *dst = *src;
    dst->cluster = dst->tenant = dst->name = dst->value = NULL;
    if (dup_str(&dst->cluster, src->cluster) != OBP_OK
        || dup_str(&dst->tenant, src->tenant) != OBP_OK
        || dup_str(&dst->name, src->name) != OBP_OK
        || dup_str(&dst->value, src->value) != OBP_OK) {
        obp_level_row_free(dst);
        return OBP_ERROR;
    }
    return OBP_OK;
}

static int
grow(struct obp_levels *l)
{
    struct obp_level_row *rows;
    size_t                cap;

    if (l->n < l->cap)
        return OBP_OK;
    cap = l->cap > 0 ? l->cap * 2 : 8;
    rows = realloc(l->rows, cap * sizeof(*rows));
    if (rows == NULL)
        return OBP_ERROR;
    l->rows = rows;
    l->cap = cap;
    return OBP_OK;
}

int
obp_levels_copy(struct obp_levels *dst, const struct obp_levels *src)
{
    memset(dst, 0, sizeof(*dst));
    for (size_t i = 0; i < src->n; i++) {
        if (grow(dst) != OBP_OK
            || obp_level_row_copy(&dst->rows[dst->n], &src->rows[i])
               != OBP_OK) {
            obp_levels_free(dst);
            return OBP_ERROR;
        }
        dst->n++;
    }
    dst->text = src->text;
    return OBP_OK;
}

/* Two clusters, NULL (the proxy's own) equal only to NULL. */
static bool
same_cluster(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return obp_strcasecmp(a, b) == 0;
}

/* Whether <r> has key (table, cluster, tenant, name) and <source>. */
static bool
has_key(const struct obp_level_row *r, const struct obp_level_row *k)
{
    return r->table == k->table && r->source == k->source
           && same_cluster(r->cluster, k->cluster)
           && obp_strcasecmp(r->tenant, k->tenant) == 0
           && obp_strcasecmp(r->name, k->name) == 0;
}

/* The row of <l> with <k>'s key, or NULL. */
static struct obp_level_row *
find_key(const struct obp_levels *l, const struct obp_level_row *k)
{
    for (size_t i = 0; i < l->n; i++)
        if (has_key(&l->rows[i], k))
            return &l->rows[i];
    return NULL;
}

int
obp_levels_put(struct obp_levels *l, struct obp_level_row *row, char *err,
               size_t errlen)
{
    struct obp_level_row *old = find_key(l, row);
    size_t                text = l->text + obp_level_line_len(row);

    if (old != NULL)
        text -= obp_level_line_len(old);
    if (old == NULL && l->n >= OBP_LEVEL_MAX_ROWS) {
        snprintf(err, errlen, "more than %d rows in the level tables",
                 OBP_LEVEL_MAX_ROWS);
        return OBP_ERROR;
    }
    if (text > OBP_LEVEL_TEXT_MAX) {
        snprintf(err, errlen, "the level tables would take more than %d "
                 "bytes", OBP_LEVEL_TEXT_MAX);
        return OBP_ERROR;
    }
    if (old == NULL && grow(l) != OBP_OK) {
        snprintf(err, errlen, "out of memory");
        return OBP_ERROR;
    }
    if (old != NULL)
        obp_level_row_free(old);
    else
        old = &l->rows[l->n++];
    *old = *row;                /* the strings are the set's now */
    memset(row, 0, sizeof(*row));
    l->text = text;
    return OBP_OK;
}

int
obp_levels_set(struct obp_levels *l, const struct obp_level_row *in,
               char *err, size_t errlen)
{
    struct obp_level_row row;

    if (obp_level_check(in, &row, err, errlen) != OBP_OK)
        return OBP_ERROR;
    if (obp_levels_put(l, &row, err, errlen) != OBP_OK) {
        obp_level_row_free(&row);
        return OBP_ERROR;
    }
    return OBP_OK;
}

size_t
obp_levels_del(struct obp_levels *l, int table, const char *cluster,
               const char *tenant, const char *name, int source)
{
    size_t kept = 0, gone = 0;

    for (size_t i = 0; i < l->n; i++) {
        struct obp_level_row *r = &l->rows[i];

        if (r->table == table && r->source == source
            && same_cluster(r->cluster, cluster)
            && obp_strcasecmp(r->tenant, tenant) == 0
            && (name == NULL || obp_strcasecmp(r->name, name) == 0)) {
            l->text -= obp_level_line_len(r);
            obp_level_row_free(r);
            gone++;
            continue;
        }
        l->rows[kept++] = *r;
    }
    l->n = kept;
    return gone;
}

/* 3 (cluster and tenant), 2 (tenant in any cluster), 1 (cluster), 0. */
static int
rank(const struct obp_conf *conf, const struct obp_level_row *r,
     const char *cluster, const char *tenant)
{
    const char *rc = obp_level_cluster(conf, r);

    if (r->tenant[0] != '\0') {
        if (obp_strcasecmp(r->tenant, tenant) != 0)
            return 0;
        return rc[0] == '\0' ? 2 : obp_strcasecmp(rc, cluster) == 0 ? 3 : 0;
    }
    return rc[0] != '\0' && obp_strcasecmp(rc, cluster) == 0 ? 1 : 0;
}

const struct obp_level_row *
obp_level_find(const struct obp_conf *conf, int table, const char *cluster,
               const char *tenant, const char *name)
{
    const struct obp_level_row *best = NULL;
    int                         best_rank = 0, r;

    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *row = &conf->levels.rows[i];

        if (row->table != table || obp_strcasecmp(row->name, name) != 0)
            continue;
        r = rank(conf, row, cluster, tenant);
        if (r > best_rank || (r == best_rank && r > 0
                              && row->source == OBP_SRC_RUNTIME)) {
            best = row;
            best_rank = r;
        }
    }
    return best;
}

const char *
obp_conf_level_value(const struct obp_conf *conf, int table,
                     const char *cluster, const char *tenant,
                     const char *name)
{
    const struct obp_level_row *r = obp_level_find(conf, table, cluster,
                                                   tenant, name);

    return r != NULL ? r->value : NULL;
}

bool
obp_level_shadowed(const struct obp_conf *conf,
                   const struct obp_level_row *r)
{
    const char *cluster = obp_level_cluster(conf, r);

    if (r->source != OBP_SRC_FILE)
        return false;
    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *o = &conf->levels.rows[i];

        if (o->source == OBP_SRC_RUNTIME && o->table == r->table
            && obp_strcasecmp(obp_level_cluster(conf, o), cluster) == 0
            && obp_strcasecmp(o->tenant, r->tenant) == 0
            && obp_strcasecmp(o->name, r->name) == 0)
            return true;
    }
    return false;
}
