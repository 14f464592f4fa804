/*
 * Reload (SIGHUP, obproxyctl reload and config set): build a whole new
 * generation from defaults, the file, the state file and the command
 * line.  Any error changes nothing.  Otherwise every
 * changed parameter is logged; those that need a restart keep their
 * running value; the master applies its own settings and every worker
 * gets the new text over its channel.  Called by signal.c and
 * ctl_config.c.
 */
#include "master.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 4200      /* the longest LIST value, formatted */

void
obp_reload_apply_master(const struct obp_conf *conf)
{
    obp_log_set_level(conf->syslog_level);
    obp_log_set_rotation(conf->max_log_file_size,
                         conf->max_syslog_file_count);
    obp_log_set_dir_limit(conf->log_dir_size_threshold);
}

/* Registers the servers of <list>, the value of parameter <name>. */
static void
register_list(struct obp_master *m, const char *name, const char *list)
{
    struct obp_addr *addr;
    char             err[160];
    int              n = 1, i;

    for (const char *p = list; *p != '\0'; p++)
        n += *p == ';' || *p == ',';
    addr = calloc((size_t)n, sizeof(*addr));
    if (addr == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "server table not filled");
        return;
    }
    n = obp_addr_parse_list(list, addr, n, err, sizeof(err));
    if (n < 0)
        obp_log(OBP_LOG_WARN, 0, 0, "%s: %s", name, err);
    for (i = 0; i < n; i++)
        if (obp_bl_register(&m->shm, &addr[i]) < 0)
            obp_log(OBP_LOG_WARN, 0, 0, "server table full: %s is never "
                    "blocked", addr[i].text);
    free(addr);
}

void
obp_reload_servers(struct obp_master *m)
{
    const struct obp_conf *c = m->conf;

    register_list(m, "rootservice_list",
                  c->rootservice_list != NULL ? c->rootservice_list : "");
    /* the router names servers by their index in the table */
    register_list(m, "target_db_server",
                  c->target_db_server != NULL ? c->target_db_server : "");
    for (size_t i = 0; i < c->levels.n; i++) {
        const struct obp_level_row *r = &c->levels.rows[i];

        if (r->table == OBP_LEVEL_PROXY_CONFIG
            && strcmp(r->name, "target_db_server") == 0)
            register_list(m, "a tenant's target_db_server", r->value);
    }
}

/*
 * Logs one changed parameter; a restart one gets its old value back and
 * a line in <notes>.
 */
static int
diff_one(const struct obp_conf *old, struct obp_conf *next,
         const struct obp_param *p, struct obp_errs *notes)
{
    char was[VALUE_MAX], now[VALUE_MAX], err[256];

    if (obp_param_show(old, p, was, sizeof(was)) < 0
        || obp_param_show(next, p, now, sizeof(now)) < 0) {
        obp_log(OBP_LOG_ERROR, 0, 0, "%s: cannot format its value", p->name);
        return OBP_ERROR;
    }
    if (!(p->flags & OBP_P_RESTART)) {
        obp_log(OBP_LOG_INFO, 0, 0, "%s: %s -> %s", p->name, was, now);
        return OBP_OK;
    }
    obp_log(OBP_LOG_WARN, 0, 0, "%s changed from %s to %s: needs a restart, "
            "keeping %s", p->name, was, now, was);
    next->source[p - obp_params] = old->source[p - obp_params];
    obp_errs_add(notes, "%s: %s needs a restart, %s stays until then",
                 p->name, now, was);
    if (obp_param_set(next, p, was, err, sizeof(err)) != OBP_OK) {
        obp_log(OBP_LOG_ERROR, 0, 0, "%s: cannot keep '%s': %s", p->name,
                was, err);
        return OBP_ERROR;
    }
    return OBP_OK;
}

static int
diff(const struct obp_conf *old, struct obp_conf *next,
     struct obp_errs *notes)
{
    for (size_t i = 0; i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];

        if (obp_param_equal(old, next, p))
            continue;
        if (diff_one(old, next, p, notes) != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

/* Logs every line of <errs> (lines end with '\n' or '\0'). */
static void
log_errs(const struct obp_errs *errs)
{
    const char *p = errs->text;
    const char *end = p != NULL ? p + errs->len : NULL;

    while (p != NULL && p < end) {
        size_t n = strcspn(p, "\n");

        if (n > 0)
            obp_log(OBP_LOG_ERROR, 0, 0, "%.*s", (int)n, p);
        p += n + 1;
    }
}

static void
push_to_workers(struct obp_master *m)
{
    char *buf = malloc(OBP_CHAN_MAX_PAYLOAD);
    int   len;

    if (buf == NULL) {
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot send the configuration to "
                "the workers");
        return;
    }
    len = obp_conf_serialize(m->conf, buf, OBP_CHAN_MAX_PAYLOAD);
    if (len < 0) {
        obp_log(OBP_LOG_ERROR, 0, 0, "the configuration does not fit in a "
                "channel message (%d bytes)", OBP_CHAN_MAX_PAYLOAD);
    } else {
        obp_proc_send_all(m, OBP_CHAN_CONF, buf, (size_t)len, false);
        obp_monproc_send(m, OBP_CHAN_CONF, buf, (size_t)len, false);
    }
    free(buf);
}

int
obp_reload(struct obp_master *m, const struct obp_state *st,
           struct obp_errs *errs, struct obp_errs *notes)
{
    unsigned         start = errs->count;
    struct obp_conf *next = obp_state_build(m, st, errs);

    if (next != NULL) {
        (void)obp_listen_check(next, errs);
        obp_transport_check(next, NULL, errs);    /* in the root now */
    }
    if (next == NULL || errs->count > start
        || diff(m->conf, next, notes) != OBP_OK) {
        log_errs(errs);
        obp_log(OBP_LOG_ERROR, 0, 0, "reload failed, the running "
                "configuration stays in force");
        if (errs->count == start)
            obp_errs_add(errs, "the new configuration cannot be applied");
        obp_conf_free(next);
        return OBP_ERROR;
    }
    obp_conf_free(m->conf);
    m->conf = next;
    obp_reload_apply_master(m->conf);
    obp_reload_servers(m);
    obp_routes_publish(m);
    push_to_workers(m);
    obp_log(OBP_LOG_INFO, 0, 0, "configuration reloaded");
    return OBP_OK;
}
