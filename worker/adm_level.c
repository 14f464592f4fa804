/*
 * ODP's multi-level tables as root@proxysys writes them (adm.h;
 * shared/level.h): proxy_config, white_list and ssl_config.
 *
 *   REPLACE | INSERT INTO t [(col, ...)] VALUES (value, ...)
 *   DELETE FROM t WHERE col = 'v' [AND col = 'v' ...]
 *   SELECT * FROM t [WHERE col = 'v' [AND ...]]
 *
 * Columns: cluster_name, tenant_name, name, value (the list's default
 * order), config_level (LEVEL_TENANT or LEVEL_CLUSTER), and vid, vip,
 * vport at their defaults (-1, '', 0: the proxy has no VIP level).  A
 * change goes to the master as "obproxyctl config level set|delete",
 * which checks it as ODP does, applies it to every worker and saves it;
 * a SELECT reads the worker's configuration.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_NOT_SUPPORTED_YET 1235
#define ER_BAD_FIELD_ERROR   1054
#define ER_WRONG_VALUE       1525

enum { COL_CLUSTER, COL_TENANT, COL_NAME, COL_VALUE, COL_LEVEL, COL_VID,
       COL_VIP, COL_VPORT, NCOLS };

static const char *const col_names[NCOLS] = {
    "cluster_name", "tenant_name", "name", "value", "config_level", "vid",
    "vip", "vport"
};

/* A statement's row: each column's value, or NULL when not given. */
struct level_stmt {
    int   table;
    char *val[NCOLS];
    char  buf[NCOLS][OBP_LEVEL_VALUE_MAX + 1];
};

/* A change under way: the call and what the log line names. */
struct obp_adm_level {
    struct obp_ctlcall  call;
    struct obp_session *s;
    char                what[96];
};

static enum obp_cmd_rc
refuse(struct obp_session *s, uint16_t code, const char *msg,
       const char *arg)
{
    return obp_adm_rc(obp_ans_err(obp_req_answer(s), code, "42000",
                                  "obproxy: %s%s%s%s", msg,
                                  arg != NULL ? " '" : "",
                                  arg != NULL ? arg : "",
                                  arg != NULL ? "'" : ""));
}

/* The table named by a->t, read past; -1 when it is none of ODP's. */
static int
table_arg(struct obp_cmd_arg *a)
{
    char name[32];
    int  t;

    if (!obp_cmd_word(a, name, sizeof(name)))
        return -1;
    t = obp_level_table(name);
    obp_cmd_next(a);
    return t;
}

static int
column_of(const char *name)
{
    for (int i = 0; i < NCOLS; i++)
        if (obp_strcasecmp(col_names[i], name) == 0)
            return i;
    return -1;
}

/* "(col, col, ...)" into <cols>; the count, or -1 (a->name for errors). */
static int
column_list(struct obp_cmd_arg *a, int *cols, char *bad, size_t cap)
{
    char name[32];
    int  n = 0;

    bad[0] = '\0';
    do {
        obp_cmd_next(a);
        if (!obp_cmd_word(a, name, sizeof(name)) || n == NCOLS)
            return -1;
        if ((cols[n++] = column_of(name)) < 0) {
            obp_strlcpy(bad, name, cap);
            return -1;
        }
        obp_cmd_next(a);
    } while (a->t.type == OBP_SQLLEX_COMMA);
    if (a->t.type != OBP_SQLLEX_RPAREN)
        return -1;
    obp_cmd_next(a);
    return n;
}

/* "VALUES (v, ...)" for <cols>; false on another form or count. */
static bool
values_row(struct obp_cmd_arg *a, struct level_stmt *st, const int *cols,
           int ncols)
{
    int i = 0;

    if (!obp_sqllex_kw(&a->t, "VALUES"))
        return false;
    obp_cmd_next(a);
    if (a->t.type != OBP_SQLLEX_LPAREN)
        return false;
    do {
        obp_cmd_next(a);
        if (i == ncols || !obp_cmd_value(a, st->buf[cols[i]],
                                         sizeof(st->buf[0])))
            return false;
        st->val[cols[i]] = st->buf[cols[i]];
        i++;
    } while (a->t.type == OBP_SQLLEX_COMMA);
    if (a->t.type != OBP_SQLLEX_RPAREN || i != ncols)
        return false;
    obp_cmd_next(a);
    return obp_cmd_at_end(a);
}

/* "WHERE col = v [AND col = v ...]" (or nothing); false on another form. */
static bool
where(struct obp_cmd_arg *a, struct level_stmt *st, char *bad, size_t cap)
{
    char name[32];
    int  c;

    bad[0] = '\0';
    if (obp_cmd_at_end(a))
        return true;
    if (!obp_sqllex_kw(&a->t, "WHERE"))
        return false;
    do {
        obp_cmd_next(a);
        if (!obp_cmd_word(a, name, sizeof(name)))
            return false;
        if ((c = column_of(name)) < 0) {
            obp_strlcpy(bad, name, cap);
            return false;
        }
        obp_cmd_next(a);
        if (a->t.type != OBP_SQLLEX_EQ)
            return false;
        obp_cmd_next(a);
        if (!obp_cmd_value(a, st->buf[c], sizeof(st->buf[0])))
            return false;
        st->val[c] = st->buf[c];
    } while (obp_sqllex_kw(&a->t, "AND"));
    return obp_cmd_at_end(a);
}

/*
 * The table and the WHERE of a DELETE or SELECT into <st>; false when
 * either is wrong (then answered, *rc set).
 */
static bool
table_where(struct obp_session *s, struct obp_cmd_arg *a,
            struct level_stmt *st, enum obp_cmd_rc *rc)
{
    char bad[32] = "";

    if ((st->table = table_arg(a)) < 0)
        *rc = refuse(s, ER_NOT_SUPPORTED_YET, "the tables are proxy_config, "
                     "white_list and ssl_config", NULL);
    else if (!where(a, st, bad, sizeof(bad)))
        *rc = bad[0] != '\0' ? refuse(s, ER_BAD_FIELD_ERROR,
                                      "unknown column", bad)
                             : obp_cmd_syntax(s, a);
    else
        return true;
    return false;
}

/*
 * ODP's columns that the proxy has no level for must keep their
 * defaults; config_level must agree with the tenant.  NULL when the row
 * is fine, else the reason.
 */
static const char *
row_problem(const struct level_stmt *st)
{
    const char *lv = st->val[COL_LEVEL];
    const char *tenant = st->val[COL_TENANT];

    if ((st->val[COL_VID] != NULL && strcmp(st->val[COL_VID], "-1") != 0)
        || (st->val[COL_VIP] != NULL && st->val[COL_VIP][0] != '\0')
        || (st->val[COL_VPORT] != NULL && strcmp(st->val[COL_VPORT], "0")))
        return "the VIP level (vid, vip, vport) is not supported";
    if (lv == NULL)
        return NULL;
    if (obp_strcasecmp(lv, "LEVEL_GLOBAL") == 0)
        return "the global level is ALTER PROXYCONFIG's";
    if (obp_strcasecmp(lv, "LEVEL_TENANT") == 0)
        return tenant != NULL && tenant[0] != '\0' ? NULL
               : "LEVEL_TENANT needs a tenant_name";
    if (obp_strcasecmp(lv, "LEVEL_CLUSTER") == 0)
        return tenant == NULL || tenant[0] == '\0' ? NULL
               : "LEVEL_CLUSTER takes tenant_name ''";
    return "config_level is LEVEL_TENANT or LEVEL_CLUSTER";
}

/* Appends the quoted arguments to <line>; OBP_ERROR when they do not fit. */
static int
add_args(char *line, size_t cap, size_t *len, const char *const *args,
         int n)
{
    for (int i = 0; i < n; i++)
        if (obp_ctlarg_add(line, cap, len, args[i]) != OBP_OK)
            return OBP_ERROR;
    return OBP_OK;
}

/* Sends "config level VERB TABLE args..." to the master. */
static enum obp_cmd_rc
send_level(struct obp_session *s, const char *verb, int table,
           const char *const *args, int n, const char *what)
{
    char   *line = malloc(OBP_CTL_LINE_MAX + 1);
    size_t  len;
    int     rc;

    if (line == NULL)
        return OBP_CMD_NOMEM;
    len = (size_t)snprintf(line, OBP_CTL_LINE_MAX + 1, "config level %s %s",
                           verb, obp_level_table_name(table));
    rc = add_args(line, OBP_CTL_LINE_MAX + 1, &len, args, n) == OBP_OK
         ? (int)obp_adm_call(s, line, what, obp_adm_changed)
         : (int)refuse(s, ER_WRONG_VALUE, "a value holds a line break or "
                       "is too long", NULL);
    free(line);
    return (enum obp_cmd_rc)rc;
}

/* REPLACE | INSERT INTO t [(col, ...)] VALUES (v, ...) */
enum obp_cmd_rc
obp_adm_level_write(struct obp_session *s, struct obp_iobuf *b,
                    struct obp_cmd_arg *a)
{
    static const int  dflt[] = { COL_CLUSTER, COL_TENANT, COL_NAME,
                                 COL_VALUE };
    struct level_stmt *st = calloc(1, sizeof(*st));
    int                cols[NCOLS], ncols = 4;
    char               bad[32] = "", what[OBP_LEVEL_KEY_MAX * 3 + 64];
    const char        *why;
    enum obp_cmd_rc    rc;

    if (st == NULL)
        return OBP_CMD_NOMEM;
    memcpy(cols, dflt, sizeof(dflt));
    st->table = table_arg(a);
    if (st->table >= 0 && a->t.type == OBP_SQLLEX_LPAREN)
        ncols = column_list(a, cols, bad, sizeof(bad));
    if (st->table < 0)
        rc = refuse(s, ER_NOT_SUPPORTED_YET, "the tables are proxy_config, "
                    "white_list and ssl_config", NULL);
    else if (bad[0] != '\0')
        rc = refuse(s, ER_BAD_FIELD_ERROR, "unknown column", bad);
    else if (ncols < 0 || !values_row(a, st, cols, ncols))
        rc = obp_cmd_syntax(s, a);
    else if (st->val[COL_CLUSTER] == NULL || st->val[COL_TENANT] == NULL
             || st->val[COL_NAME] == NULL || st->val[COL_VALUE] == NULL)
        rc = refuse(s, ER_WRONG_VALUE, "a row needs cluster_name, "
                    "tenant_name, name and value", NULL);
    else if ((why = row_problem(st)) != NULL)
        rc = refuse(s, ER_NOT_SUPPORTED_YET, why, NULL);
    else {
        snprintf(what, sizeof(what), "%s %s ('%s', '%s', '%s')",
                 a->name, obp_level_table_name(st->table),
                 st->val[COL_CLUSTER], st->val[COL_TENANT],
                 st->val[COL_NAME]);
        rc = send_level(s, "set", st->table,
                        (const char *const *)st->val, 4, what);
    }
    free(st);
    return rc;
}

/* DELETE FROM t WHERE cluster_name = 'c' AND tenant_name = 't' [AND ...] */
enum obp_cmd_rc
obp_adm_level_delete(struct obp_session *s, struct obp_iobuf *b,
                     struct obp_cmd_arg *a)
{
    struct level_stmt *st = calloc(1, sizeof(*st));
    char               what[OBP_LEVEL_KEY_MAX * 3 + 64];
    enum obp_cmd_rc    rc;

    if (st == NULL)
        return OBP_CMD_NOMEM;
    if (!table_where(s, a, st, &rc))
        ;                   /* answered */
    else if (st->val[COL_CLUSTER] == NULL || st->val[COL_TENANT] == NULL
             || st->val[COL_VALUE] != NULL)
        rc = refuse(s, ER_WRONG_VALUE, "DELETE names cluster_name and "
                    "tenant_name, and may name name", NULL);
    else {
        snprintf(what, sizeof(what), "DELETE FROM %s ('%s', '%s'%s%s%s)",
                 obp_level_table_name(st->table), st->val[COL_CLUSTER],
                 st->val[COL_TENANT], st->val[COL_NAME] != NULL ? ", '" : "",
                 st->val[COL_NAME] != NULL ? st->val[COL_NAME] : "",
                 st->val[COL_NAME] != NULL ? "'" : "");
        rc = send_level(s, "delete", st->table,
                        (const char *const *)st->val,
                        st->val[COL_NAME] != NULL ? 3 : 2, what);
    }
    free(st);
    return rc;
}

/* Whether row <r> passes the WHERE of <st>. */
static bool
selected(const struct obp_conf *conf, const struct obp_level_row *r,
         const struct level_stmt *st)
{
    const char *v[] = { obp_level_cluster(conf, r), r->tenant, r->name,
                        r->value };

    for (int i = 0; i < 4; i++)
        if (st->val[i] != NULL && obp_strcasecmp(st->val[i], v[i]) != 0)
            return false;
    return true;
}

static int
select_rows(struct obp_session *s, const struct level_stmt *st)
{
    const struct obp_conf *conf = s->w->conf;
    struct obp_ans        *ans = obp_req_answer(s);
    int                    ok = obp_adm_columns(ans, col_names, 5)
                                == OBP_OK;

    for (size_t i = 0; ok && i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];
        const char *row[] = { obp_level_cluster(conf, r), r->tenant,
                              r->name, r->value,
                              r->tenant[0] != '\0' ? "LEVEL_TENANT"
                                                   : "LEVEL_CLUSTER" };

        if (r->table != st->table || obp_level_shadowed(conf, r)
            || !selected(conf, r, st))
            continue;
        ok = obp_ans_row(ans, row) == OBP_OK;
    }
    return ok ? obp_ans_end(ans) : OBP_ERROR;
}

/* SELECT * FROM t [WHERE col = 'v' [AND ...]] */
enum obp_cmd_rc
obp_adm_level_select(struct obp_session *s, struct obp_iobuf *b,
                     struct obp_cmd_arg *a)
{
    struct level_stmt *st = calloc(1, sizeof(*st));
    enum obp_cmd_rc    rc;

    if (st == NULL)
        return OBP_CMD_NOMEM;
    obp_cmd_next(a);
    if (!obp_sqllex_kw(&a->t, "FROM"))
        rc = obp_cmd_syntax(s, a);
    else if (obp_cmd_next(a), table_where(s, a, st, &rc))
        rc = obp_adm_rc(select_rows(s, st));
    free(st);
    return rc;
}
