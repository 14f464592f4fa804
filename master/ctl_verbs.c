/*
 * The control socket's verbs, as a table {verb, handler, help}: status,
 * stop [fast] and help.  Each handler writes its reply lines through
 * obp_ctl_reply(), the last one starting with "ok" or "failed".  Called
 * by ctl.c with one request line.
 */
#include "master.h"

#include <inttypes.h>
#include <string.h>

#define VERB_MAX 32

struct verb {
    const char *name;
    void      (*run)(struct obp_ctl_conn *c, const char *arg);
    const char *help;
};

static void verb_status(struct obp_ctl_conn *c, const char *arg);
static void verb_stop(struct obp_ctl_conn *c, const char *arg);
static void verb_help(struct obp_ctl_conn *c, const char *arg);

static const struct verb verbs[] = {
    { "status", verb_status,
      "status       the master, its workers and their counters" },
    { "stop", verb_stop,
      "stop [fast]  stop gracefully (or fast); the connection ends when "
      "obproxy has exited" },
    { "upgrade", obp_ctl_verb_upgrade, "upgrade [BINARY]  hot upgrade" },
    { "rollback", obp_ctl_verb_rollback, "rollback     undo a hot upgrade" },
    { "commit", obp_ctl_verb_commit, "commit       end the old generation" },
    { "help", verb_help,
      "help         this list" },
};

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
verb_status(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    uint64_t           sums[OBP_STAT_COUNT];
    char               line[OBP_ADDR_STRLEN + 48];

    obp_ctl_reply(c, false, "pid: %ld", (long)m->pid);
    obp_ctl_reply(c, false, "version: %s", OBP_VERSION_STRING);
    obp_ctl_reply(c, false, "uptime: %llds",
                  (long long)((obp_now_us() - m->start_us) / 1000000));
    obp_ctl_reply(c, false, "config: %s", obp_master_conf_name(m));
    obp_ctl_reply(c, false, "listen: %s", m->listeners.text);
    obp_upgrade_status(m, c);
    obp_ctl_reply(c, false, "workers: %d", m->nslots);
    for (int i = 0; i < m->nslots; i++) {
        struct obp_shm_worker *w = obp_proc_shm(m, i);

        obp_ctl_reply(c, false, "worker %d: pid %ld, state %s, restarts %"
                      PRIu64, i, (long)m->slots[i].pid, worker_state(m, i),
                      (uint64_t)atomic_load(&w->restarts));
    }
    for (int i = 0; obp_bl_describe(&m->shm, i, obp_now_us(), line,
                                    sizeof(line)) == OBP_OK; i++)
        obp_ctl_reply(c, false, "server %d: %s", i, line);
    obp_shm_stats_sum(&m->shm, sums);
    for (int i = 0; i < OBP_STAT_COUNT; i++)
        obp_ctl_reply(c, false, "%s: %" PRIu64, obp_stat_descs[i].name,
                      sums[i]);
    obp_ctl_reply(c, true, "ok");
}

static void
verb_stop(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    bool               fast;

    if (arg[0] == '\0') {
        fast = false;
    } else if (strcmp(arg, "fast") == 0 || strcmp(arg, "--fast") == 0) {
        fast = true;
    } else {
        obp_ctl_reply(c, true, "failed: usage: stop [fast]");
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
verb_help(struct obp_ctl_conn *c, const char *arg)
{
    for (size_t i = 0; i < OBP_NELEMS(verbs); i++)
        obp_ctl_reply(c, false, "%s", verbs[i].help);
    obp_ctl_reply(c, true, "ok");
}

void
obp_ctl_dispatch(struct obp_ctl_conn *c, const char *line)
{
    size_t      n = strcspn(line, " \t");
    const char *arg = line + n;

    if (n == 0) {
        obp_ctl_reply(c, true, "failed: empty command, try help");
        return;
    }
    while (*arg == ' ' || *arg == '\t')
        arg++;
    for (size_t i = 0; i < OBP_NELEMS(verbs); i++) {
        if (strlen(verbs[i].name) == n
            && strncmp(verbs[i].name, line, n) == 0) {
            obp_log(OBP_LOG_DEBUG, 0, 0, "control request: %s", line);
            verbs[i].run(c, arg);
            return;
        }
    }
    obp_ctl_reply(c, true, "failed: unknown command '%.*s', try help",
                  (int)(n < VERB_MAX ? n : VERB_MAX), line);
}
