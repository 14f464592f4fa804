/*
 * SHOW PROXYCONFIG and ALTER PROXYCONFIG (adm.h).  The parameters are
 * the worker's configuration; a change goes to the master as "config
 * set" (ctlcall.h), which checks it, applies it to every worker and
 * saves it for a restart, as for obproxyctl.
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

#define ER_UNKNOWN_SYSTEM_VARIABLE 1193
#define ER_WRONG_VALUE_FOR_VAR     1231
#define ER_NOT_SUPPORTED_YET       1235
#define LIKE_MAX   128
#define VALUE_MAX  4200     /* the longest LIST value, formatted */
#define LINE_MAX_  (OBP_CTLCALL_LINE_MAX)

static const char *
level_of(const struct obp_param *p)
{
    return p->type == OBP_PT_SHA1 ? "SYS" : "USER";
}

/* One SHOW PROXYCONFIG row of <p>. */
static int
config_row(struct obp_ans *ans, const struct obp_conf *conf,
           const struct obp_param *p)
{
    char        value[VALUE_MAX], range[256];
    const char *row[] = { p->name, value, p->help,
                          (p->flags & OBP_P_RESTART) ? "true" : "false",
                          level_of(p), range, "LEVEL_GLOBAL" };

    if (obp_param_show(conf, p, value, sizeof(value)) < 0)
        value[0] = '\0';
    obp_param_range(p, range, sizeof(range));
    return obp_ans_row(ans, row);
}

/* Whether <p>'s value in <conf> differs from its default in <dflt>. */
static bool
differs(const struct obp_conf *conf, const struct obp_conf *dflt,
        const struct obp_param *p)
{
    char now[VALUE_MAX], was[VALUE_MAX];

    if (obp_param_format(conf, p, now, sizeof(now)) < 0
        || obp_param_format(dflt, p, was, sizeof(was)) < 0)
        return true;
    return strcmp(now, was) != 0;
}

static enum obp_cmd_rc
config_rows(struct obp_session *s, const char *pattern, bool diff)
{
    static const char *const cols[] = { "name", "value", "info",
                                        "need_reboot", "visible_level",
                                        "range", "config_level" };
    struct obp_ans   *ans = obp_req_answer(s);
    struct obp_conf  *dflt = diff ? obp_conf_new() : NULL;
    int               ok = (!diff || dflt != NULL)
                           && obp_adm_columns(ans, cols, OBP_NELEMS(cols))
                              == OBP_OK;

    for (size_t i = 0; ok && i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];

        if (!obp_adm_match(pattern, p->name)
            || (diff && !differs(s->w->conf, dflt, p)))
            continue;
        ok = config_row(ans, s->w->conf, p) == OBP_OK;
    }
    obp_conf_free(dflt);
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* The tenants' and clusters' rows of SHOW PROXYCONFIG ALL. */
static int
level_rows(struct obp_ans *ans, const struct obp_conf *conf,
           const char *pattern)
{
    int ok = 1;

    for (size_t i = 0; ok && i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];
        const char *row[] = { "-1", "", "0", r->tenant,
                              obp_level_cluster(conf, r), r->name, r->value,
                              r->tenant[0] != '\0' ? "LEVEL_TENANT"
                                                   : "LEVEL_CLUSTER" };

        if (r->table != OBP_LEVEL_PROXY_CONFIG || obp_level_shadowed(conf, r)
            || !obp_adm_match(pattern, r->name))
            continue;
        ok = obp_ans_row(ans, row) == OBP_OK;
    }
    return ok ? OBP_OK : OBP_ERROR;
}

/* SHOW PROXYCONFIG ALL: the global level, then the others' rows. */
static enum obp_cmd_rc
config_levels(struct obp_session *s, const char *pattern)
{
    static const char *const cols[] = { "vid", "vip", "vport",
                                        "tenant_name", "cluster_name",
                                        "name", "value", "config_level" };
    struct obp_ans *ans = obp_req_answer(s);
    char            value[VALUE_MAX];
    int             ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols))
                         == OBP_OK;

    for (size_t i = 0; ok && i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];
        const char *row[] = { "-1", "", "0", "", "", p->name, value,
                              "LEVEL_GLOBAL" };

        if (!obp_adm_match(pattern, p->name))
            continue;
        if (obp_param_show(s->w->conf, p, value, sizeof(value)) < 0)
            value[0] = '\0';
        ok = obp_ans_row(ans, row) == OBP_OK;
    }
    if (ok)
        ok = level_rows(ans, s->w->conf, pattern) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* SHOW PROXYCONFIG [ALL | DIFF [USER]] [LIKE 'pattern'] */
enum obp_cmd_rc
obp_adm_show_proxyconfig(struct obp_session *s, struct obp_iobuf *b,
                         struct obp_cmd_arg *a)
{
    char            pattern[LIKE_MAX];
    bool            all = false, diff = false;
    enum obp_cmd_rc rc;

    if (obp_sqllex_kw(&a->t, "ALL")) {
        all = true;
        obp_cmd_next(a);
    } else if (obp_sqllex_kw(&a->t, "DIFF")) {
        diff = true;
        obp_cmd_next(a);
        if (obp_sqllex_kw(&a->t, "USER"))
            obp_cmd_next(a);
    }
    if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    return all ? config_levels(s, pattern) : config_rows(s, pattern, diff);
}

int
obp_adm_changed(struct obp_session *s, struct obp_ctlcall *c, bool ok,
                const char *what)
{
    const char     *last = obp_ctlcall_last(c);
    struct obp_ans *a = obp_req_answer(s);

    obp_log(ok ? OBP_LOG_INFO : OBP_LOG_WARN, s->id, 0, "admin %s@proxysys "
            "from %s: %s: %s", s->name.user, s->caddr.text, what, last);
    if (!ok)
        return obp_ans_err(a, ER_WRONG_VALUE_FOR_VAR, "42000", "obproxy: "
                           "%s refused: %s", what,
                           strncmp(last, "failed: ", 8) == 0 ? last + 8
                                                             : last);
    obp_loop_chan_read(s->w);   /* the new configuration, before OK */
    return obp_ans_ok(a, 0, NULL);
}

/* The value as written, or nothing: an empty one; no line breaks. */
static bool
value_arg(struct obp_cmd_arg *a, char *out, size_t cap)
{
    out[0] = '\0';
    if (a->t.type == OBP_SQLLEX_END || a->t.type == OBP_SQLLEX_SEMI)
        return true;
    return obp_cmd_value(a, out, cap) && strcspn(out, "\r\n") == strlen(out);
}

/* A password parameter stores hex(SHA1(plaintext)) (ODP-REFERENCE 3.1). */
static void
hash_password(char *value, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t           sha[OBP_SHA1_LEN];

    if (value[0] == '\0' || cap <= 2 * OBP_SHA1_LEN)
        return;
    obp_sha1(value, strlen(value), NULL, 0, sha);
    for (int i = 0; i < OBP_SHA1_LEN; i++) {
        value[2 * i] = hex[sha[i] >> 4];
        value[2 * i + 1] = hex[sha[i] & 0xf];
    }
    value[2 * OBP_SHA1_LEN] = '\0';
    explicit_bzero(sha, sizeof(sha));
}

static enum obp_cmd_rc
send_alter(struct obp_session *s, const struct obp_param *p,
           const char *value)
{
    char            line[LINE_MAX_ + 1], what[96];
    enum obp_cmd_rc rc;

    snprintf(line, sizeof(line), "config set %s %s", p->name, value);
    snprintf(what, sizeof(what), "ALTER PROXYCONFIG SET %s", p->name);
    rc = obp_adm_call(s, line, what, obp_adm_changed);
    explicit_bzero(line, sizeof(line));
    return rc;
}

/* ALTER PROXYCONFIG SET name = value */
enum obp_cmd_rc
obp_adm_alter_proxyconfig(struct obp_session *s, struct obp_iobuf *b,
                          struct obp_cmd_arg *a)
{
    char                    name[64], value[VALUE_MAX];
    const struct obp_param *p;

    if (!obp_sqllex_kw(&a->t, "SET"))
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    if (!obp_cmd_word(a, name, sizeof(name)))
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    if (a->t.type != OBP_SQLLEX_EQ)
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    if (a->t.n >= sizeof(value))
        return obp_adm_rc(obp_ans_err(obp_req_answer(s),
                                      ER_WRONG_VALUE_FOR_VAR, "42000",
                                      "obproxy: a value of %zu bytes for "
                                      "%s: longer than any parameter takes",
                                      a->t.n, name));
    if (!value_arg(a, value, sizeof(value)) || !obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    if ((p = obp_param_find(name)) == NULL)
        return obp_adm_rc(obp_ans_err(obp_req_answer(s),
                                      ER_UNKNOWN_SYSTEM_VARIABLE, "HY000",
                                      "Unknown system variable '%s'", name));
    if (strcmp(p->name, "app_name") == 0)
        return obp_adm_rc(obp_ans_err(obp_req_answer(s),
                                      ER_NOT_SUPPORTED_YET, "42000",
                                      "obproxy: app_name is only modified "
                                      "when restart"));
    if (p->type == OBP_PT_SHA1)
        hash_password(value, sizeof(value));
    return send_alter(s, p, value);
}
