/*
 * The text form of a level row (level.h), "level TABLE 'CLUSTER'
 * 'TENANT' 'NAME' 'VALUE'", quoted as control-socket arguments are
 * (ctlarg.h): what the master sends the workers with the parameters
 * (conf.c) and what the state file keeps (master/state.c).
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes obp_ctlarg_add() writes for <s>, blank and NUL left out. */
static size_t
quoted_len(const char *s)
{
    size_t n = 2;

    for (; *s != '\0'; s++)
        n += *s == '\'' ? 2 : 1;
    return n;
}

size_t
obp_level_line_len(const struct obp_level_row *r)
{
    size_t cluster = r->cluster != NULL ? quoted_len(r->cluster)
                                        : 2 * OBP_LEVEL_KEY_MAX + 2;

    return strlen(OBP_LEVEL_WORD) + 1 + strlen(obp_level_table_name(r->table))
           + 1 + cluster + 1 + quoted_len(r->tenant) + 1
           + quoted_len(r->name) + 1 + quoted_len(r->value) + 1;
}

int
obp_level_format(const char *cluster, const struct obp_level_row *r,
                 char *buf, size_t len)
{
    int    n = snprintf(buf, len, "%s", obp_level_table_name(r->table));
    size_t pos;

    if (n < 0 || (size_t)n >= len)
        return OBP_ERROR;
    pos = (size_t)n;
    if (obp_ctlarg_add(buf, len, &pos, cluster) != OBP_OK
        || obp_ctlarg_add(buf, len, &pos, r->tenant) != OBP_OK
        || obp_ctlarg_add(buf, len, &pos, r->name) != OBP_OK
        || obp_ctlarg_add(buf, len, &pos, r->value) != OBP_OK)
        return OBP_ERROR;
    return (int)pos;
}

/* The next field of a line into a new string *<out>. */
static int
take_field(const char **p, char **out, size_t max, const char *what,
           char *err, size_t errlen)
{
    char *buf = malloc(max + 1);
    int   n = buf != NULL ? obp_ctlarg_next(p, buf, max + 1) : OBP_ERROR;

    if (n >= 0) {
        *out = buf;
        return OBP_OK;
    }
    if (buf == NULL)
        snprintf(err, errlen, "out of memory");
    else if (n == OBP_DONE)
        snprintf(err, errlen, "%s is missing", what);
    else
        snprintf(err, errlen, "%s: not a quoted string of at most %zu "
                 "bytes", what, max);
    free(buf);
    return OBP_ERROR;
}

int
obp_level_parse(const char *fields, struct obp_level_row *out, char *err,
                size_t errlen)
{
    char table[32], tail[2];
    int  t;

    memset(out, 0, sizeof(*out));
    t = obp_ctlarg_next(&fields, table, sizeof(table)) >= 0
        ? obp_level_table(table) : -1;
    if (t < 0) {
        snprintf(err, errlen, "not a table: proxy_config, white_list or "
                 "ssl_config");
        return OBP_ERROR;
    }
    out->table = (uint8_t)t;
    if (take_field(&fields, &out->cluster, OBP_LEVEL_KEY_MAX, "cluster",
                   err, errlen) != OBP_OK
        || take_field(&fields, &out->tenant, OBP_LEVEL_KEY_MAX, "tenant",
                      err, errlen) != OBP_OK
        || take_field(&fields, &out->name, OBP_LEVEL_KEY_MAX, "name", err,
                      errlen) != OBP_OK
        || take_field(&fields, &out->value, OBP_LEVEL_VALUE_MAX, "value",
                      err, errlen) != OBP_OK)
        goto failed;
    if (obp_ctlarg_next(&fields, tail, sizeof(tail)) != OBP_DONE) {
        snprintf(err, errlen, "more than cluster, tenant, name and value");
        goto failed;
    }
    return OBP_OK;

failed:
    obp_level_row_free(out);
    memset(out, 0, sizeof(*out));
    return OBP_ERROR;
}

int
obp_level_serialize(const struct obp_conf *conf, char *buf, size_t pos,
                    size_t len)
{
    int n;

    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];

        if (obp_level_shadowed(conf, r))
            continue;
        n = snprintf(buf + pos, len - pos, "%s ", OBP_LEVEL_WORD);
        if (n < 0 || (size_t)n >= len - pos)
            return OBP_ERROR;
        pos += (size_t)n;
        n = obp_level_format(obp_level_cluster(conf, r), r, buf + pos,
                             len - pos);
        if (n < 0 || (size_t)n + 2 > len - pos)
            return OBP_ERROR;
        pos += (size_t)n;
        buf[pos++] = '\n';
        buf[pos] = '\0';
    }
    return pos <= INT32_MAX ? (int)pos : OBP_ERROR;
}
