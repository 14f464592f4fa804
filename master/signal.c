/*
 * The master's signals, as a table {signo, name, action}.  A watcher only
 * records the action and who asked; a prepare watcher runs the pending
 * actions in a fixed order (stops first) outside any handler, each with
 * one log line.  obproxyctl's "stop" goes through obp_signal_post() too.
 */
#include "master.h"

#include <signal.h>

struct sig_row {
    int             signo;
    const char     *name;
    enum obp_action action;
};

static const struct sig_row sig_table[] = {
    { SIGTERM,  "SIGTERM",  OBP_ACT_FAST_STOP },
    { SIGINT,   "SIGINT",   OBP_ACT_FAST_STOP },
    { SIGQUIT,  "SIGQUIT",  OBP_ACT_GRACEFUL_STOP },
    { SIGHUP,   "SIGHUP",   OBP_ACT_RELOAD },
    { SIGUSR1,  "SIGUSR1",  OBP_ACT_REOPEN },
    { SIGUSR2,  "SIGUSR2",  OBP_ACT_UPGRADE },
    { SIGWINCH, "SIGWINCH", OBP_ACT_UPGRADE_COMMIT },
};

_Static_assert(OBP_NELEMS(sig_table) <= OBP_SIGNAL_MAX,
               "raise OBP_SIGNAL_MAX");

typedef void (*action_fn)(struct obp_master *m, const char *from);

static void
stop_action(struct obp_master *m, const char *from, enum obp_stop_mode want)
{
    enum obp_stop_mode cur = m->stop.mode;

    if (cur == OBP_STOP_FAST) {
        obp_log(OBP_LOG_INFO, 0, 0, "received %s, already stopping fast",
                from);
        return;
    }
    if (cur == OBP_STOP_GRACEFUL) {
        obp_log(OBP_LOG_INFO, 0, 0, "received %s while stopping gracefully, "
                "stopping fast", from);
        want = OBP_STOP_FAST;
    } else {
        obp_log(OBP_LOG_INFO, 0, 0, "received %s, stopping %s", from,
                want == OBP_STOP_FAST ? "fast" : "gracefully");
    }
    obp_stop_begin(m, want);
}

static void
act_fast_stop(struct obp_master *m, const char *from)
{
    stop_action(m, from, OBP_STOP_FAST);
}

static void
act_graceful_stop(struct obp_master *m, const char *from)
{
    stop_action(m, from, OBP_STOP_GRACEFUL);
}

static void
act_reload(struct obp_master *m, const char *from)
{
    struct obp_errs errs = { 0 }, notes = { 0 };

    if (m->stop.mode != OBP_STOP_NONE) {
        obp_log(OBP_LOG_INFO, 0, 0, "received %s while stopping, ignored",
                from);
        return;
    }
    /* the new master owns the shared routes now */
    if (obp_upgrade_holds_slots(m)) {
        obp_log(OBP_LOG_INFO, 0, 0, "received %s while the old generation "
                "drains, ignored", from);
        return;
    }
    obp_log(OBP_LOG_INFO, 0, 0, "received %s, reloading configuration",
            from);
    (void)obp_reload(m, NULL, &errs, &notes);
    obp_errs_free(&errs);
    obp_errs_free(&notes);
}

int
obp_signal_reopen(struct obp_master *m, const char *from)
{
    int rc;

    obp_log(OBP_LOG_INFO, 0, 0, "received %s, reopening log files", from);
    rc = obp_log_reopen();
    if (rc != OBP_OK)
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot reopen the log files in %s",
                m->log_dir);
    obp_proc_send_all(m, OBP_CHAN_REOPEN, NULL, 0, false);
    obp_monproc_send(m, OBP_CHAN_REOPEN, NULL, 0, false);
    return rc;
}

static void
act_reopen(struct obp_master *m, const char *from)
{
    (void)obp_signal_reopen(m, from);
}

static void
act_upgrade(struct obp_master *m, const char *from)
{
    char why[OBP_UPGRADE_WHY_MAX];

    obp_log(OBP_LOG_INFO, 0, 0, "received %s, hot upgrade", from);
    if (obp_upgrade_begin(m, NULL, from, why, sizeof(why)) != OBP_OK)
        obp_log(OBP_LOG_ERROR, 0, 0, "hot upgrade refused: %s", why);
}

static void
act_commit(struct obp_master *m, const char *from)
{
    char why[OBP_UPGRADE_WHY_MAX];

    obp_log(OBP_LOG_INFO, 0, 0, "received %s, committing the hot upgrade",
            from);
    if (obp_upgrade_commit(m, from, why, sizeof(why)) != OBP_OK)
        obp_log(OBP_LOG_WARN, 0, 0, "nothing to commit: %s", why);
}

/* In this order: a stop makes a reload pointless. */
static const action_fn actions[OBP_ACT_COUNT] = {
    [OBP_ACT_FAST_STOP] = act_fast_stop,
    [OBP_ACT_GRACEFUL_STOP] = act_graceful_stop,
    [OBP_ACT_RELOAD] = act_reload,
    [OBP_ACT_REOPEN] = act_reopen,
    [OBP_ACT_UPGRADE] = act_upgrade,
    [OBP_ACT_UPGRADE_COMMIT] = act_commit,
};

static void
run_pending(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct obp_master *m = w->data;

    for (int a = 0; a < OBP_ACT_COUNT; a++) {
        const char *from = m->sig.pending[a];

        if (from == NULL)
            continue;
        m->sig.pending[a] = NULL;
        actions[a](m, from);
    }
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    const struct sig_row *row = NULL;

    for (size_t i = 0; i < OBP_NELEMS(sig_table); i++) {
        if (sig_table[i].signo == w->signum)
            row = &sig_table[i];
    }
    if (row != NULL)
        obp_signal_post(w->data, row->action, row->name);
}

void
obp_signal_init(struct obp_master *m)
{
    struct obp_signals *sig = &m->sig;

    for (size_t i = 0; i < OBP_NELEMS(sig_table); i++) {
        ev_signal *w = &sig->watch[i];

        ev_signal_init(w, signal_cb, sig_table[i].signo);
        w->data = m;
        ev_signal_start(m->loop, w);
    }
    sig->nwatch = (int)OBP_NELEMS(sig_table);
    ev_prepare_init(&sig->run, run_pending);
    sig->run.data = m;
    ev_prepare_start(m->loop, &sig->run);
}

void
obp_signal_post(struct obp_master *m, enum obp_action action,
                const char *from)
{
    m->sig.pending[action] = from;
}

void
obp_signal_stop(struct obp_master *m)
{
    struct obp_signals *sig = &m->sig;

    if (m->loop == NULL || sig->nwatch == 0)
        return;
    for (int i = 0; i < sig->nwatch; i++)
        ev_signal_stop(m->loop, &sig->watch[i]);
    sig->nwatch = 0;
    ev_prepare_stop(m->loop, &sig->run);
}
