/*
 * The control socket's configuration verbs: reload (as HUP, but the reply
 * says whether the new configuration runs and why not), config get KEY
 * and config set KEY VALUE.  A set is checked like a reload and applied
 * by one; the value is then saved in the state file (state.h) so a
 * restart keeps it.  A parameter that needs a restart is only saved,
 * and the reply says so; a read-only one, or one the command line sets
 * (it would win anyway), is refused.  Called by ctl_verbs.c's dispatch.
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
      "config get KEY | config set KEY VALUE  show or change a parameter" },
};

const size_t obp_ctl_config_nverbs = OBP_NELEMS(obp_ctl_config_verbs);

/* One reply line per line of <list>, after <prefix>. */
static void
reply_list(struct obp_ctl_conn *c, const char *prefix,
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

static bool
refuse_if_stopping(struct obp_ctl_conn *c)
{
    if (obp_ctl_master(c)->stop.mode == OBP_STOP_NONE)
        return false;
    obp_ctl_reply(c, true, "failed: obproxy is stopping");
    return true;
}

static void
verb_reload(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_errs errs = { 0 }, notes = { 0 };
    int             rc;

    if (arg[0] != '\0') {
        obp_ctl_reply(c, true, "failed: usage: reload");
        return;
    }
    if (refuse_if_stopping(c))
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "'reload' from obproxyctl, reloading "
            "configuration");
    rc = obp_reload(obp_ctl_master(c), NULL, &errs, &notes);
    reply_list(c, "error", &errs);
    reply_list(c, "restart", &notes);
    if (rc == OBP_OK)
        obp_ctl_reply(c, true, "ok: configuration reloaded");
    else
        obp_ctl_reply(c, true, "failed: configuration refused, the running "
                      "one stays");
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
    char              *now = malloc(VALUE_MAX);
    const char        *saved;

    if (now == NULL || obp_param_format(m->conf, p, now, VALUE_MAX) < 0) {
        obp_ctl_reply(c, true, "failed: %s: cannot format its value",
                      p->name);
        free(now);
        return;
    }
    obp_ctl_reply(c, false, "name: %s", p->name);
    obp_ctl_reply(c, false, "value: %s", now);
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

/* A restart parameter: the whole generation is checked, then saved. */
static int
save_for_restart(struct obp_ctl_conn *c, const struct obp_state *st,
                 const struct obp_param *p, struct obp_errs *errs)
{
    struct obp_conf *next = obp_state_build(obp_ctl_master(c), st, errs);
    char             was[VALUE_MAX];

    if (next == NULL)
        return OBP_ERROR;
    obp_conf_free(next);
    if (obp_state_write(st, errs) != OBP_OK)
        return OBP_ERROR;
    if (obp_param_format(obp_ctl_master(c)->conf, p, was, sizeof(was)) < 0)
        was[0] = '\0';
    obp_ctl_reply(c, false, "restart: %s needs a restart, %s stays until "
                  "then", p->name, was);
    obp_ctl_reply(c, true, "ok: %s saved in %s, needs a restart", p->name,
                  st->path);
    return OBP_OK;
}

static int
apply_now(struct obp_ctl_conn *c, const struct obp_state *st,
          const struct obp_param *p, struct obp_errs *errs)
{
    struct obp_errs notes = { 0 };
    int             rc = obp_reload(obp_ctl_master(c), st, errs, &notes);

    reply_list(c, "restart", &notes);
    obp_errs_free(&notes);
    if (rc != OBP_OK)
        return OBP_ERROR;
    if (obp_state_write(st, errs) != OBP_OK) {
        reply_list(c, "error", errs);
        obp_ctl_reply(c, true, "failed: %s applied but not saved: a restart "
                      "loses it", p->name);
        obp_errs_free(errs);
        return OBP_OK;
    }
    obp_ctl_reply(c, true, "ok: %s set, saved in %s", p->name, st->path);
    return OBP_OK;
}

static void
config_set(struct obp_ctl_conn *c, const struct obp_param *p,
           const char *value)
{
    struct obp_master *m = obp_ctl_master(c);
    struct obp_state   st = { 0 };
    struct obp_errs    errs = { 0 };
    char               why[512];
    int                rc;

    if (refused(m, p, value, why, sizeof(why))) {
        obp_ctl_reply(c, true, "failed: %s", why);
        return;
    }
    if (refuse_if_stopping(c))
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "'config set %s' from obproxyctl", p->name);
    rc = obp_state_read(m, &st, &errs);
    if (rc == OBP_OK && obp_state_put(&st, p->name, value) != OBP_OK) {
        obp_errs_add(&errs, "out of memory");
        rc = OBP_ERROR;
    }
    obp_ctl_reply(c, false, "name: %s", p->name);
    obp_ctl_reply(c, false, "value: %s", value);
    if (rc == OBP_OK)
        rc = p->flags & OBP_P_RESTART ? save_for_restart(c, &st, p, &errs)
                                      : apply_now(c, &st, p, &errs);
    if (rc != OBP_OK) {
        reply_list(c, "error", &errs);
        obp_ctl_reply(c, true, "failed: %s not set, the running "
                      "configuration stays", p->name);
    }
    obp_state_free(&st);
    obp_errs_free(&errs);
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

    if ((!get && !set) || klen == 0 || klen >= sizeof(key)
        || (get && *value != '\0')) {
        obp_ctl_reply(c, true, "failed: usage: config get KEY | config set "
                      "KEY VALUE");
        return;
    }
    snprintf(key, sizeof(key), "%.*s", (int)klen, rest);
    p = obp_param_find(key);
    if (p == NULL)
        obp_ctl_reply(c, true, "failed: unknown parameter '%s'", key);
    else if (get)
        config_get(c, p);
    else
        config_set(c, p, value);
}
