/*
 * The control socket's verbs, as a table {verb, handler, help}: status,
 * workers, stats, stop [fast], reopen-logs and help (reload and config
 * are in ctl_config.c).  Each handler writes its reply lines through
 * obp_ctl_reply(), the last one starting with "ok" or "failed"; the
 * others are "key: value" lines obproxyctl --json turns into members.
 * Called by ctl.c with one request line.
 */
#include "master.h"

#include <inttypes.h>
#include <string.h>

#define VERB_MAX 32

static void verb_status(struct obp_ctl_conn *c, const char *arg);
static void verb_workers(struct obp_ctl_conn *c, const char *arg);
static void verb_stats(struct obp_ctl_conn *c, const char *arg);
static void verb_stop(struct obp_ctl_conn *c, const char *arg);
static void verb_reopen(struct obp_ctl_conn *c, const char *arg);
static void verb_help(struct obp_ctl_conn *c, const char *arg);

static const struct obp_ctl_verb verbs[] = {
    { "status", verb_status,
      "status       the master, its generation, workers, monitor, servers "
      "and counters" },
    { "workers", verb_workers,
      "workers      each worker's pid, state and restarts" },
    { "stats", verb_stats,
      "stats        the counters summed over the workers" },
    { "stop", verb_stop,
      "stop [fast]  stop gracefully (or fast); the connection ends when "
      "obproxy has exited" },
    { "reopen-logs", verb_reopen,
      "reopen-logs  reopen the log files (as USR1)" },
    { "upgrade", obp_ctl_verb_upgrade, "upgrade [BINARY]  hot upgrade" },
    { "rollback", obp_ctl_verb_rollback, "rollback     undo a hot upgrade" },
    { "commit", obp_ctl_verb_commit, "commit       end the old generation" },
    { "help", verb_help,
      "help         this list" },
};

static const struct {
    const struct obp_ctl_verb *verbs;
    const size_t              *n;
} tables[] = {
    { verbs, NULL },
    { obp_ctl_config_verbs, &obp_ctl_config_nverbs },
};

static size_t
table_size(size_t t)
{
    return tables[t].n != NULL ? *tables[t].n : OBP_NELEMS(verbs);
}

static const char *
worker_state(const struct obp_master *m, int slot)
{
    struct obp_shm_worker *w = obp_proc_shm(m, slot);

    if (m->slots[slot].pid == 0)
        return "empty";
    switch (atomic_load(&w->state)) {
    case OBP_WORKER_RUNNING:
        return "running";
    case OBP_WORKER_DRAINING:
        return "draining";
    case OBP_WORKER_STARTING:
        return "starting";
    default:
        return "empty";
    }
}

static void
reply_workers(struct obp_ctl_conn *c, const struct obp_master *m)
{
    obp_ctl_reply(c, false, "workers: %d", m->nslots);
    for (int i = 0; i < m->nslots; i++) {
        struct obp_shm_worker *w = obp_proc_shm(m, i);

        obp_ctl_reply(c, false, "worker %d: pid %ld, state %s, restarts %"
                      PRIu64, i, (long)m->slots[i].pid, worker_state(m, i),
                      (uint64_t)atomic_load(&w->restarts));
    }
}

static void
reply_stats(struct obp_ctl_conn *c, const struct obp_master *m)
{
    uint64_t sums[OBP_STAT_COUNT];

    obp_shm_stats_sum(&m->shm, sums);
    for (int i = 0; i < OBP_STAT_COUNT; i++)
        obp_ctl_reply(c, false, "%s: %" PRIu64, obp_stat_descs[i].name,
                      sums[i]);
}

static const char *
master_state(const struct obp_master *m)
{
    switch (m->stop.mode) {
    case OBP_STOP_GRACEFUL:
        return "stopping gracefully";
    case OBP_STOP_FAST:
        return "stopping fast";
    default:
        return "running";
    }
}

static void
verb_status(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    uint64_t           sums[OBP_STAT_COUNT];
    char               line[OBP_ADDR_STRLEN + 448];

    obp_shm_stats_sum(&m->shm, sums);
    obp_ctl_reply(c, false, "pid: %ld", (long)m->pid);
    obp_ctl_reply(c, false, "version: %s", OBP_VERSION_STRING);
    obp_ctl_reply(c, false, "state: %s", master_state(m));
    obp_ctl_reply(c, false, "generation: %" PRIu64,
                  (uint64_t)atomic_load(&m->shm.hdr->generation));
    obp_ctl_reply(c, false, "uptime: %llds",
                  (long long)((obp_now_us() - m->start_us) / 1000000));
    obp_ctl_reply(c, false, "config: %s", obp_master_conf_name(m));
    obp_ctl_reply(c, false, "listen: %s", m->listeners.text);
    obp_upgrade_status(m, c);
    obp_ctl_reply(c, false, "connections: %" PRIu64,
                  sums[OBP_STAT_client_active]);
    reply_workers(c, m);
    obp_monproc_status(m, c);
    for (int i = 0; obp_bl_describe(&m->shm, i, obp_now_us(), line,
                                    sizeof(line)) == OBP_OK; i++)
        obp_ctl_reply(c, false, "server %d: %s", i, line);
    reply_stats(c, m);
    obp_ctl_reply(c, true, "ok");
}

static void
verb_workers(struct obp_ctl_conn *c, const char *arg)
{
    reply_workers(c, obp_ctl_master(c));
    obp_ctl_reply(c, true, "ok");
}

static void
verb_stats(struct obp_ctl_conn *c, const char *arg)
{
    reply_stats(c, obp_ctl_master(c));
    obp_ctl_reply(c, true, "ok");
}

static void
verb_stop(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    bool               fast;

    if (arg[0] == '\0' || strcmp(arg, "graceful") == 0
        || strcmp(arg, "--graceful") == 0) {
        fast = false;
    } else if (strcmp(arg, "fast") == 0 || strcmp(arg, "--fast") == 0) {
        fast = true;
    } else {
        obp_ctl_reply(c, true, "failed: usage: stop [graceful|fast]");
        return;
    }
    obp_ctl_reply(c, true, "ok: stopping (%s)", fast ? "fast" : "graceful");
    obp_ctl_keep_open(c);
    if (fast)
        obp_signal_post(m, OBP_ACT_FAST_STOP, "'stop fast' from obproxyctl");
    else
        obp_signal_post(m, OBP_ACT_GRACEFUL_STOP, "'stop' from obproxyctl");
}

static void
verb_reopen(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);

    if (obp_signal_reopen(m, "'reopen-logs' from obproxyctl") != OBP_OK)
        obp_ctl_reply(c, true, "failed: cannot reopen the log files in %s: "
                      "%s", m->log_dir, strerror(errno));
    else
        obp_ctl_reply(c, true, "ok: log files reopened");
}

static void
verb_help(struct obp_ctl_conn *c, const char *arg)
{
    for (size_t t = 0; t < OBP_NELEMS(tables); t++)
        for (size_t i = 0; i < table_size(t); i++)
            obp_ctl_reply(c, false, "%s", tables[t].verbs[i].help);
    obp_ctl_reply(c, true, "ok");
}

static const struct obp_ctl_verb *
find_verb(const char *line, size_t n)
{
    for (size_t t = 0; t < OBP_NELEMS(tables); t++) {
        for (size_t i = 0; i < table_size(t); i++) {
            const struct obp_ctl_verb *v = &tables[t].verbs[i];

            if (strlen(v->name) == n && strncmp(v->name, line, n) == 0)
                return v;
        }
    }
    return NULL;
}

void
obp_ctl_dispatch(struct obp_ctl_conn *c, const char *line)
{
    size_t                     n = strcspn(line, " \t");
    const char                *arg = line + n;
    const struct obp_ctl_verb *v;

    if (n == 0) {
        obp_ctl_reply(c, true, "failed: empty command, try help");
        return;
    }
    while (*arg == ' ' || *arg == '\t')
        arg++;
    v = find_verb(line, n);
    if (v == NULL) {
        obp_ctl_reply(c, true, "failed: unknown command '%.*s', try help",
                      (int)(n < VERB_MAX ? n : VERB_MAX), line);
        return;
    }
    obp_log(OBP_LOG_DEBUG, 0, 0, "control request: %.*s", (int)n, line);
    v->run(c, arg);
}
