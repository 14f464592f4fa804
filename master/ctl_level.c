/*
 * The control socket's level verbs (shared/level.h), under "config":
 *
 *   config level set TABLE CLUSTER TENANT NAME VALUE
 *   config level delete TABLE CLUSTER TENANT [NAME]
 *   config level list [TABLE]
 *
 * Every argument is quoted as shared/ctlarg.h says ('...' with '' for a
 * quote, or a bare word); obproxyctl quotes what a shell user types, the
 * admin SQL quotes the same way.  A set or a delete changes the runtime
 * rows of the state file (state.h) and is checked and applied by a
 * reload, as config set is, so every worker gets it and a restart or a
 * hot upgrade keeps it.  Rows of the configuration file are listed but
 * changed only there.  list answers one line per row,
 *     level N: TABLE 'CLUSTER' 'TENANT' 'NAME' 'VALUE' SOURCE
 * the fields quoted as the arguments are, SOURCE "file", "runtime" or
 * "shadowed" (a file's row that a runtime row of the same key hides).
 * Called by ctl_config.c's verb_config.
 */
#include "master.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_MAX 32
#define USAGE "usage: config level set TABLE CLUSTER TENANT NAME VALUE | " \
              "config level delete TABLE CLUSTER TENANT [NAME] | "        \
              "config level list [TABLE]"

/* The arguments of one request; value is malloc'd. */
struct level_args {
    int  table;                             /* -1: none given */
    char cluster[OBP_LEVEL_KEY_MAX + 1];
    char tenant[OBP_LEVEL_KEY_MAX + 1];
    char name[OBP_LEVEL_KEY_MAX + 1];
    bool named;                             /* name given */
    char *value;
};

/*
 * Reads the arguments after the sub-verb: TABLE, then CLUSTER, TENANT,
 * NAME, VALUE as far as <max> goes; at least <min>.  OBP_ERROR with the
 * reply written.
 */
static int
read_args(struct obp_ctl_conn *c, const char *p, int min, int max,
          struct level_args *a)
{
    char   table[TABLE_MAX];
    char  *bufs[] = { table, a->cluster, a->tenant, a->name, a->value };
    size_t caps[] = { sizeof(table), sizeof(a->cluster), sizeof(a->tenant),
                      sizeof(a->name), OBP_LEVEL_VALUE_MAX + 1 };
    int    n = 0, rc = OBP_DONE;

    while (n < max && (rc = obp_ctlarg_next(&p, bufs[n], caps[n])) >= 0)
        n++;
    if (n < max && rc == OBP_ERROR) {
        obp_ctl_reply(c, true, "failed: argument %d: not a quoted string "
                      "('...', a quote doubled) of at most %zu bytes",
                      n + 1, caps[n] - 1);
        return OBP_ERROR;
    }
    if (n < min || obp_ctlarg_next(&p, table, 1) != OBP_DONE) {
        obp_ctl_reply(c, true, "failed: " USAGE);
        return OBP_ERROR;
    }
    a->named = n >= 4;
    a->table = n >= 1 ? obp_level_table(table) : -1;
    if (n >= 1 && a->table < 0) {
        obp_ctl_reply(c, true, "failed: no table '%s': proxy_config, "
                      "white_list or ssl_config", table);
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* One row for the reply, its fields quoted. */
static void
reply_row(struct obp_ctl_conn *c, unsigned i, const struct obp_conf *conf,
          const struct obp_level_row *r, char *line)
{
    const char *source = r->source == OBP_SRC_RUNTIME ? "runtime"
                         : obp_level_shadowed(conf, r) ? "shadowed" : "file";

    if (obp_level_format(obp_level_cluster(conf, r), r, line,
                         OBP_LEVEL_LINE_MAX) >= 0)
        obp_ctl_reply(c, false, "level %u: %s %s", i, line, source);
}

static void
level_list(struct obp_ctl_conn *c, const struct level_args *a)
{
    const struct obp_conf *conf = obp_ctl_master(c)->conf;
    char                  *line = malloc(OBP_LEVEL_LINE_MAX);
    unsigned               n = 0;

    if (line == NULL) {
        obp_ctl_reply(c, true, "failed: out of memory");
        return;
    }
    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];

        if (a->table < 0 || r->table == a->table)
            reply_row(c, n++, conf, r, line);
    }
    free(line);
    obp_ctl_reply(c, true, "ok: %u rows", n);
}

/* True when the running configuration has a file row <a> names. */
static bool
in_file(const struct obp_conf *conf, const struct level_args *a)
{
    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];

        if (r->source == OBP_SRC_FILE && r->table == a->table
            && obp_strcasecmp(obp_level_cluster(conf, r), a->cluster) == 0
            && obp_strcasecmp(r->tenant, a->tenant) == 0
            && (!a->named || obp_strcasecmp(r->name, a->name) == 0))
            return true;
    }
    return false;
}

/*
 * Applies <st> as a reload and saves it; the reply's last line says
 * <what> was done.
 */
static void
apply(struct obp_ctl_conn *c, struct obp_state *st, const char *what)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_errs    errs = { 0 }, notes = { 0 };

    if (obp_reload(m, st, &errs, &notes) != OBP_OK) {
        obp_ctl_reply_errs(c, "error", &errs);
        obp_ctl_reply(c, true, "failed: %s refused, the running "
                      "configuration stays", what);
    } else if (obp_state_write(st, &errs) != OBP_OK) {
        obp_ctl_reply_errs(c, "error", &errs);
        obp_ctl_reply(c, true, "failed: %s applied but not saved: a "
                      "restart loses it", what);
    } else {
        obp_ctl_reply(c, true, "ok: %s, saved in %s", what, st->path);
    }
    obp_errs_free(&errs);
    obp_errs_free(&notes);
}

static void
level_set(struct obp_ctl_conn *c, const struct level_args *a,
          struct obp_state *st)
{
    struct obp_level_row r = { .cluster = (char *)a->cluster,
                               .tenant = (char *)a->tenant,
                               .name = (char *)a->name, .value = a->value,
                               .table = (uint8_t)a->table,
                               .source = OBP_SRC_RUNTIME };
    char                 err[512];

    if (obp_levels_set(&st->levels, &r, err, sizeof(err)) != OBP_OK) {
        obp_ctl_reply(c, true, "failed: %s: %s", obp_level_table_name(
                      a->table), err);
        return;
    }
    if (in_file(obp_ctl_master(c)->conf, a))
        obp_ctl_reply(c, false, "shadows: the row of %s",
                      obp_master_conf_name(obp_ctl_master(c)));
    apply(c, st, "row set");
}

static void
level_delete(struct obp_ctl_conn *c, const struct level_args *a,
             struct obp_state *st)
{
    const struct obp_master *m = obp_ctl_master(c);
    size_t                   n;
    char                     what[64];

    n = obp_levels_del(&st->levels, a->table, a->cluster, a->tenant,
                       a->named ? a->name : NULL, OBP_SRC_RUNTIME);
    if (n == 0 && in_file(m->conf, a)) {
        obp_ctl_reply(c, true, "failed: the row comes from %s: change it "
                      "there (config level delete removes the rows config "
                      "level set made)", obp_master_conf_name(m));
        return;
    }
    if (n == 0) {
        obp_ctl_reply(c, true, "failed: no such row");
        return;
    }
    obp_ctl_reply(c, false, "deleted: %zu", n);
    snprintf(what, sizeof(what), "%zu row%s deleted", n, n == 1 ? "" : "s");
    apply(c, st, what);
}

/* set or delete: the state file read, changed, applied, written. */
static void
level_change(struct obp_ctl_conn *c, bool set, const struct level_args *a)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_state   st = { 0 };
    struct obp_errs    errs = { 0 };

    if (obp_ctl_refuse_if_stopping(c))
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "'config level %s %s' from obproxyctl: "
            "cluster '%s', tenant '%s', name '%s'", set ? "set" : "delete",
            obp_level_table_name(a->table), a->cluster, a->tenant,
            a->named ? a->name : "(all)");
    if (obp_state_read(m, &st, &errs) != OBP_OK) {
        obp_ctl_reply_errs(c, "error", &errs);
        obp_ctl_reply(c, true, "failed: cannot read the state file");
    } else if (set) {
        level_set(c, a, &st);
    } else {
        level_delete(c, a, &st);
    }
    obp_state_free(&st);
    obp_errs_free(&errs);
}

void
obp_ctl_config_level(struct obp_ctl_conn *c, const char *arg)
{
    struct level_args a = { .table = -1 };
    size_t            n = strcspn(arg, " \t");
    const char       *rest = arg + n;
    bool              set = n == 3 && strncmp(arg, "set", 3) == 0;
    bool              del = n == 6 && strncmp(arg, "delete", 6) == 0;
    bool              list = n == 4 && strncmp(arg, "list", 4) == 0;

    a.value = malloc(OBP_LEVEL_VALUE_MAX + 1);
    if (a.value == NULL) {
        obp_ctl_reply(c, true, "failed: out of memory");
        return;
    }
    if (!set && !del && !list) {
        obp_ctl_reply(c, true, "failed: " USAGE);
    } else if (read_args(c, rest, set ? 5 : del ? 3 : 0,
                         set ? 5 : del ? 4 : 1, &a) == OBP_OK) {
        if (list)
            level_list(c, &a);
        else
            level_change(c, set, &a);
    }
    free(a.value);
}
