/*
 * The control socket's configuration verbs: reload (as HUP, but the reply
 * says whether the new configuration runs and why not, what changed, and
 * which values CONFIG.runtime keeps over the file), config get KEY (the
 * value and where it comes from), config set KEY VALUE and config unset
 * KEY.  A set or an unset is checked like a reload and applied by one;
 * the state file (state.h) then keeps the value, or drops it, so a
 * restart does the same.  A parameter that needs a restart is only saved,
 * and the reply says so; a read-only one, or one the command line sets
 * (it would win anyway), is refused.  config level goes to
 * ctl_level.c.  Called by ctl_verbs.c's dispatch.
 */
#include "master.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 4200      /* the longest LIST value, formatted */
#define KEY_MAX   64

static void verb_reload(struct obp_ctl_conn *c, const char *arg);
static void verb_config(struct obp_ctl_conn *c, const char *arg);

const struct obp_ctl_verb obp_ctl_config_verbs[] = {
    { "reload", verb_reload,
      "reload       reload the configuration (as HUP) and say whether it "
      "runs" },
    { "config", verb_config,
      "config get KEY | set KEY VALUE | unset KEY  show or change one; "
      "config level set TABLE CLUSTER TENANT NAME VALUE | level delete "
      "TABLE CLUSTER TENANT [NAME] | level list [TABLE]  a tenant's or "
      "cluster's proxy_config, white_list or ssl_config rows (arguments "
      "'...' quoted)" },
};

const size_t obp_ctl_config_nverbs = OBP_NELEMS(obp_ctl_config_verbs);

void
obp_ctl_reply_errs(struct obp_ctl_conn *c, const char *prefix,
                   const struct obp_errs *list)
{
    const char *p = list->text;
    const char *end = p != NULL ? p + list->len : NULL;

    while (p != NULL && p < end) {
        size_t n = strcspn(p, "\n");

        if (n > 0)
            obp_ctl_reply(c, false, "%s: %.*s", prefix, (int)n, p);
        p += n + 1;
    }
}

bool
obp_ctl_refuse_if_stopping(struct obp_ctl_conn *c)
{
    if (obp_ctl_master(c)->stop.mode == OBP_STOP_NONE)
        return false;
    obp_ctl_reply(c, true, "failed: obproxy is stopping");
    return true;
}

/*
 * The values of the file alone (defaults, then the file), to tell which
 * ones CONFIG.runtime or the command line shadow; NULL without a file or
 * when it cannot be read now.
 */
static struct obp_conf *
file_conf(const struct obp_master *m)
{
    struct obp_errs  errs = { 0 };
    struct obp_conf *file;

    if (m->conf_path[0] == '\0')
        return NULL;
    file = obp_conf_build(m->conf_path, NULL, &errs);
    obp_errs_free(&errs);
    return file;
}

/* The file's value of <p> into <buf> when the file sets it: true. */
static bool
file_value(const struct obp_conf *file, const struct obp_param *p,
           char *buf, size_t len)
{
    return file != NULL && file->source[p - obp_params] == OBP_SRC_FILE
           && obp_param_show(file, p, buf, len) >= 0;
}

/* "source: runtime", and "file: VALUE" when the running value shadows it. */
static void
reply_source(struct obp_ctl_conn *c, const struct obp_param *p,
             const struct obp_conf *file)
{
    const struct obp_conf *conf = obp_ctl_master(c)->conf;
    uint8_t                src = conf->source[p - obp_params];
    char                   was[VALUE_MAX];

    obp_ctl_reply(c, false, "source: %s", obp_conf_source_name(src));
    if (src != OBP_SRC_FILE && file_value(file, p, was, sizeof(was)))
        obp_ctl_reply(c, false, "file: %s", was);
}

/* One parameter after a reload: "changed: ..." and "runtime: ...". */
static void
reply_change(struct obp_ctl_conn *c, const struct obp_conf *old,
             const struct obp_conf *file, const struct obp_param *p)
{
    const struct obp_conf *conf = obp_ctl_master(c)->conf;
    uint8_t                src = conf->source[p - obp_params];
    char                   now[VALUE_MAX], was[VALUE_MAX];

    if (obp_param_show(conf, p, now, sizeof(now)) < 0)
        return;
    if (!obp_param_equal(old, conf, p)
        && obp_param_show(old, p, was, sizeof(was)) >= 0)
        obp_ctl_reply(c, false, "changed: %s: %s -> %s (%s)", p->name, was,
                      now, obp_conf_source_name(src));
    if (src != OBP_SRC_RUNTIME)
        return;
    if (file_value(file, p, was, sizeof(was)))
        obp_ctl_reply(c, false, "runtime: %s = %s, over the file's %s "
                      "(config unset %s drops it)", p->name, now, was,
                      p->name);
    else
        obp_ctl_reply(c, false, "runtime: %s = %s (config unset %s drops "
                      "it)", p->name, now, p->name);
}

static void
verb_reload(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_errs    errs = { 0 }, notes = { 0 };
    struct obp_conf   *old, *file;
    int                rc;

    if (arg[0] != '\0') {
        obp_ctl_reply(c, true, "failed: usage: reload");
        return;
    }
    if (obp_ctl_refuse_if_stopping(c))
        return;
    old = obp_conf_dup(m->conf);
    if (old == NULL) {
        obp_ctl_reply(c, true, "failed: out of memory");
        return;
    }
    obp_log(OBP_LOG_INFO, 0, 0, "'reload' from obproxyctl, reloading "
            "configuration");
    rc = obp_reload(m, NULL, &errs, &notes);
    obp_ctl_reply_errs(c, "error", &errs);
    obp_ctl_reply_errs(c, "restart", &notes);
    if (rc == OBP_OK) {
        file = file_conf(m);
        for (size_t i = 0; i < obp_nparams; i++)
            reply_change(c, old, file, &obp_params[i]);
        obp_conf_free(file);
        obp_ctl_reply(c, true, "ok: configuration reloaded");
    } else {
        obp_ctl_reply(c, true, "failed: configuration refused, the running "
                      "one stays");
    }
    obp_conf_free(old);
    obp_errs_free(&errs);
    obp_errs_free(&notes);
}

static const char *
mode_name(const struct obp_param *p)
{
    return p->flags & OBP_P_READONLY ? "readonly"
           : p->flags & OBP_P_RESTART ? "restart" : "reload";
}

static void
config_get(struct obp_ctl_conn *c, const struct obp_param *p)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_state   st = { 0 };
    struct obp_errs    errs = { 0 };
    struct obp_conf   *file;
    char              *now = malloc(VALUE_MAX);
    const char        *saved;

    if (now == NULL || obp_param_show(m->conf, p, now, VALUE_MAX) < 0) {
        obp_ctl_reply(c, true, "failed: %s: cannot format its value",
                      p->name);
        free(now);
        return;
    }
    file = file_conf(m);
    obp_ctl_reply(c, false, "name: %s", p->name);
    obp_ctl_reply(c, false, "value: %s", now);
    reply_source(c, p, file);
    obp_conf_free(file);
    obp_ctl_reply(c, false, "default: %s", p->dflt);
    obp_ctl_reply(c, false, "mode: %s", mode_name(p));
    if (obp_state_read(m, &st, &errs) == OBP_OK
        && (saved = obp_state_get(&st, p->name)) != NULL) {
        obp_ctl_reply(c, false, "saved: %s", saved);
        if (strcmp(saved, now) != 0 && (p->flags & OBP_P_RESTART))
            obp_ctl_reply(c, false, "restart: %s takes effect at the next "
                          "start", saved);
    }
    obp_ctl_reply(c, true, "ok");
    obp_state_free(&st);
    obp_errs_free(&errs);
    free(now);
}

static bool
on_command_line(const struct obp_master *m, const char *key)
{
    for (size_t i = 0; i < m->cl.overrides.n; i++) {
        if (strcmp(m->cl.overrides.items[i].key, key) == 0)
            return true;
    }
    return false;
}

/* The reason <value> cannot be set, into <why>; false when it can. */
static bool
refused(const struct obp_master *m, const struct obp_param *p,
        const char *value, char *why, size_t len)
{
    struct obp_conf *probe;
    char             err[256];
    bool             bad;

    if (p->flags & OBP_P_READONLY) {
        snprintf(why, len, "%s is read-only", p->name);
        return true;
    }
    if (on_command_line(m, p->name)) {
        snprintf(why, len, "%s is set on obproxy's command line, which wins "
                 "over config set", p->name);
        return true;
    }
    probe = obp_conf_dup(m->conf);
    if (probe == NULL) {
        snprintf(why, len, "out of memory");
        return true;
    }
    bad = obp_param_set(probe, p, value, err, sizeof(err)) != OBP_OK;
    if (bad)
        snprintf(why, len, "%s: %s", p->name, err);
    obp_conf_free(probe);
    return bad;
}

/* What a set or an unset did, for the last line of the reply. */
static const char *
done_phrase(bool unset)
{
    return unset ? "unset, removed from" : "set, saved in";
}

/* A restart parameter: the whole generation is checked, then saved. */
static int
save_for_restart(struct obp_ctl_conn *c, const struct obp_state *st,
                 const struct obp_param *p, bool unset,
                 struct obp_errs *errs)
{
    struct obp_conf *next = obp_state_build(obp_ctl_master(c), st, errs);
    char             was[VALUE_MAX];

    if (next == NULL)
        return OBP_ERROR;
    obp_conf_free(next);
    if (obp_state_write(st, errs) != OBP_OK)
        return OBP_ERROR;
    if (obp_param_show(obp_ctl_master(c)->conf, p, was, sizeof(was)) < 0)
        was[0] = '\0';
    obp_ctl_reply(c, false, "restart: %s needs a restart, %s stays until "
                  "then", p->name, was);
    obp_ctl_reply(c, true, "ok: %s %s %s, needs a restart", p->name,
                  done_phrase(unset), st->path);
    return OBP_OK;
}

static int
apply_now(struct obp_ctl_conn *c, const struct obp_state *st,
          const struct obp_param *p, bool unset, struct obp_errs *errs)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_errs    notes = { 0 };
    struct obp_conf   *file;
    char               now[VALUE_MAX];
    int                rc = obp_reload(m, st, errs, &notes);

    obp_ctl_reply_errs(c, "restart", &notes);
    obp_errs_free(&notes);
    if (rc != OBP_OK)
        return OBP_ERROR;
    if (unset && obp_param_show(m->conf, p, now, sizeof(now)) >= 0)
        obp_ctl_reply(c, false, "value: %s", now);
    file = file_conf(m);
    reply_source(c, p, file);
    obp_conf_free(file);
    if (obp_state_write(st, errs) != OBP_OK) {
        obp_ctl_reply_errs(c, "error", errs);
        obp_ctl_reply(c, true, "failed: %s applied but not saved: a restart "
                      "loses it", p->name);
        obp_errs_free(errs);
        return OBP_OK;
    }
    obp_ctl_reply(c, true, "ok: %s %s %s", p->name, done_phrase(unset),
                  st->path);
    return OBP_OK;
}

/*
 * Sets <p> to <value> in the state file, or removes it (<value> NULL),
 * and applies the result: now, or at the next start.
 */
static void
config_change(struct obp_ctl_conn *c, const struct obp_param *p,
              const char *value)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_state   st = { 0 };
    struct obp_errs    errs = { 0 };
    bool               unset = value == NULL;
    int                rc;

    if (obp_ctl_refuse_if_stopping(c))
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "'config %s %s' from obproxyctl",
            unset ? "unset" : "set", p->name);
    rc = obp_state_read(m, &st, &errs);
    if (rc == OBP_OK && unset && !obp_state_del(&st, p->name)) {
        obp_ctl_reply(c, true, "failed: %s has no value set by config set "
                      "(%s)", p->name, st.path);
        goto done;
    }
    if (rc == OBP_OK && !unset
        && obp_state_put(&st, p->name, value) != OBP_OK) {
        obp_errs_add(&errs, "out of memory");
        rc = OBP_ERROR;
    }
    obp_ctl_reply(c, false, "name: %s", p->name);
    if (!unset)
        obp_ctl_reply(c, false, "value: %s", value);
    if (rc == OBP_OK)
        rc = p->flags & OBP_P_RESTART
             ? save_for_restart(c, &st, p, unset, &errs)
             : apply_now(c, &st, p, unset, &errs);
    if (rc != OBP_OK) {
        obp_ctl_reply_errs(c, "error", &errs);
        obp_ctl_reply(c, true, "failed: %s not %s, the running "
                      "configuration stays", p->name, unset ? "unset" : "set");
    }
done:
    obp_state_free(&st);
    obp_errs_free(&errs);
}

static void
config_set(struct obp_ctl_conn *c, const struct obp_param *p,
           const char *value)
{
    char why[512];

    if (refused(obp_ctl_master(c), p, value, why, sizeof(why))) {
        obp_ctl_reply(c, true, "failed: %s", why);
        return;
    }
    config_change(c, p, value);
}

static void
verb_config(struct obp_ctl_conn *c, const char *arg)
{
    size_t                  n = strcspn(arg, " \t");
    const char             *rest = arg + n + strspn(arg + n, " \t");
    size_t                  klen = strcspn(rest, " \t");
    const char             *value = rest + klen + strspn(rest + klen, " \t");
    char                    key[KEY_MAX];
    const struct obp_param *p;
    bool                    get = n == 3 && strncmp(arg, "get", 3) == 0;
    bool                    set = n == 3 && strncmp(arg, "set", 3) == 0;
    bool                    unset = n == 5 && strncmp(arg, "unset", 5) == 0;

    if (n == 5 && strncmp(arg, "level", 5) == 0) {
        obp_ctl_config_level(c, rest);
        return;
    }
    if ((!get && !set && !unset) || klen == 0 || klen >= sizeof(key)
        || (!set && *value != '\0')) {
        obp_ctl_reply(c, true, "failed: usage: config get KEY | config set "
                      "KEY VALUE | config unset KEY");
        return;
    }
    snprintf(key, sizeof(key), "%.*s", (int)klen, rest);
    p = obp_param_find(key);
    if (p == NULL)
        obp_ctl_reply(c, true, "failed: unknown parameter '%s'", key);
    else if (get)
        config_get(c, p);
    else if (set)
        config_set(c, p, value);
    else
        config_change(c, p, NULL);
}
