/*
 * The worker process: obp_worker_main() sets up EV_DEFAULT with the
 * signals, the master's channel and the listeners, runs it, and frees
 * everything once a fast or graceful stop has broken it.  The master
 * forks and calls obp_worker_main() in the child (shared/proc.h).
 */
#include "worker.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* After this many failed receives in a row the channel counts as gone. */
#define CHAN_MAX_ERRORS  8
/* Messages handled per readable event, so the loop keeps turning. */
#define CHAN_BATCH       16

static const struct {
    int         signo;
    const char *name;
} worker_signals[OBP_WORKER_NSIGNALS] = {
    { SIGTERM, "SIGTERM" },
    { SIGINT,  "SIGINT" },
    { SIGQUIT, "SIGQUIT" },
    { SIGUSR1, "SIGUSR1" },
};

static void
set_state(struct obp_worker *w, enum obp_worker_state state)
{
    atomic_store_explicit(&w->stats->state, (uint32_t)state,
                          memory_order_release);
}

/* Server connections that said COM_QUIT get a moment to end cleanly. */
static void
finish(struct obp_worker *w)
{
    w->stopped = 1;
    ev_timer_stop(w->loop, &w->drain);
    ev_timer_stop(w->loop, &w->drain_tick);
    if (w->quitting != NULL) {
        ev_timer_set(&w->quit_wait, OBP_SRV_QUIT_WAIT, 0.);
        ev_timer_start(w->loop, &w->quit_wait);
        return;
    }
    ev_break(w->loop, EVBREAK_ALL);
}

void
obp_worker_srv_gone(struct obp_worker *w)
{
    if (w->quitting != NULL || !ev_is_active(&w->quit_wait))
        return;
    ev_timer_stop(w->loop, &w->quit_wait);
    ev_break(w->loop, EVBREAK_ALL);
}

static void
quit_wait_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    ev_break(loop, EVBREAK_ALL);
}

void
obp_worker_fast_stop(struct obp_worker *w, const char *why)
{
    unsigned n;

    if (w->stopped)
        return;
    /* set first, so closing the sessions does not count as drained */
    w->stopped = 1;
    obp_accept_close(&w->acc);
    n = obp_session_close_all(w, "fast stop");
    obp_pool_close_all(w, "fast stop");
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d exiting: fast stop (%s), "
            "%u sessions closed", w->slot, why, n);
    finish(w);
}

/* Both drains: sessions end at their next boundary, or at the limit. */
static void
begin_drain(struct obp_worker *w, const char *what, const char *why)
{
    ev_tstamp limit = (ev_tstamp)w->conf->hot_upgrade_exit_timeout / 1e6;
    unsigned  n;

    w->draining = 1;
    set_state(w, OBP_WORKER_DRAINING);
    obp_pool_close_all(w, what);
    n = obp_session_close_idle(w, what);
    if (w->stopped)
        return;     /* the last session's close ended the drain */
    if (w->nsessions == 0) {
        obp_log(OBP_LOG_INFO, 0, 0, "worker %d exiting: %s (%s), %u idle "
                "sessions closed, none left", w->slot, what, why, n);
        finish(w);
        return;
    }
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d draining (%s: %s): %u idle "
            "sessions closed, %u open, each ends at its next transaction "
            "boundary, waiting up to %.3f s", w->slot, what, why, n,
            w->nsessions, limit);
    ev_timer_set(&w->drain, limit, 0.);
    ev_timer_start(w->loop, &w->drain);
    ev_timer_start(w->loop, &w->drain_tick);
}

static void
drain_tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_worker *w = t->data;

    (void)obp_session_close_idle(w, "drained: quiet at a transaction "
                                 "boundary");
}

void
obp_worker_graceful_stop(struct obp_worker *w, const char *why)
{
    bool handing = w->holding;

    if (w->stopped || w->draining)
        return;
    obp_accept_close(&w->acc);
    w->holding = 0;
    begin_drain(w, handing ? "hot upgrade committed" : "graceful stop", why);
}

void
obp_worker_drain(struct obp_worker *w, const char *why)
{
    if (w->stopped || w->draining || w->holding)
        return;
    /* the sockets stay open: closing them could reset queued clients */
    obp_accept_stop(&w->acc);
    w->resumable = 1;
    if (w->handoff.peer == 0) {
        begin_drain(w, "hot upgrade", why);
        return;
    }
    /*
     * The sessions are handed over once the upgrade is committed (QUIT);
     * until then they stay here, so a new generation that fails in its
     * rollback window takes no client with it.
     */
    w->holding = 1;
    set_state(w, OBP_WORKER_DRAINING);
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d stopped accepting (%s); its %u "
            "sessions stay until the upgrade is committed", w->slot, why,
            w->nsessions);
}

void
obp_worker_resume(struct obp_worker *w, const char *why)
{
    if (w->stopped || !w->resumable || !(w->draining || w->holding))
        return;
    w->draining = 0;
    w->holding = 0;
    w->resumable = 0;
    ev_timer_stop(w->loop, &w->drain);
    ev_timer_stop(w->loop, &w->drain_tick);
    obp_accept_resume(&w->acc);
    set_state(w, OBP_WORKER_RUNNING);
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d accepting again (%s), %u "
            "sessions open", w->slot, why, w->nsessions);
}

void
obp_worker_session_gone(struct obp_worker *w)
{
    if (!w->draining || w->stopped || w->nsessions > 0)
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d exiting: %s, every session "
            "ended", w->slot, w->resumable ? "hot upgrade" : "graceful stop");
    finish(w);
}

/*
 * A quiet worker writes the summary of folded lines within a second, and
 * its obproxy_stat.log lines when the wall clock enters another
 * monitor_stat_dump_interval (every worker at the same moments).
 */
static void
log_tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_worker *w = t->data;
    int64_t            period = obp_wallclock_us()
                                / w->conf->monitor_stat_dump_interval;

    obp_log_tick();
    if (period != w->stat_period) {
        if (w->stat_period != 0)
            obp_reqstat_dump(w);
        w->stat_period = period;
    }
}

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_worker *w = t->data;
    unsigned           n;

    w->stopped = 1;
    n = obp_session_close_all(w, "drain timed out");
    obp_log(OBP_LOG_WARN, 0, 0, "worker %d exiting: %s timed out after "
            "%.3f s, %u sessions cut", w->slot,
            w->resumable ? "hot upgrade drain" : "graceful stop",
            (ev_tstamp)w->conf->hot_upgrade_exit_timeout / 1e6, n);
    finish(w);
}

static void
reopen_logs(struct obp_worker *w, const char *why)
{
    if (obp_log_reopen() == OBP_ERROR)
        obp_log(OBP_LOG_WARN, 0, errno, "worker %d: reopening the logs (%s)",
                w->slot, why);
    else
        obp_log(OBP_LOG_INFO, 0, 0, "worker %d reopened its logs (%s)",
                w->slot, why);
}

static void
apply_log_settings(const struct obp_conf *c)
{
    obp_log_set_level(c->syslog_level);
    obp_log_set_rotation(c->max_log_file_size, c->max_syslog_file_count);
    obp_log_set_dir_limit(c->log_dir_size_threshold);
}

static void
log_conf_errors(struct obp_worker *w, const struct obp_errs *errs)
{
    const char *p = errs->text != NULL ? errs->text : "";
    const char *nl;

    obp_log(OBP_LOG_WARN, 0, 0, "worker %d keeps its configuration: the "
            "master's could not be applied", w->slot);
    for (unsigned i = 0; *p != '\0' && i < errs->count; i++) {
        nl = strchr(p, '\n');
        obp_log(OBP_LOG_WARN, 0, 0, "  %.*s",
                (int)(nl != NULL ? nl - p : (ptrdiff_t)strlen(p)), p);
        p = nl != NULL ? nl + 1 : p + strlen(p);
    }
}

/* OBP_CHAN_CONF: a whole new generation or nothing. */
static void
apply_conf(struct obp_worker *w, const char *text, size_t len)
{
    struct obp_errs     errs = { 0 };
    struct obp_conf    *c = obp_conf_dup(w->conf);
    struct obp_servers *l = w->servers;

    if (c == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "worker %d: new configuration "
                "ignored", w->slot);
        return;
    }
    if (obp_conf_deserialize(c, text, len, &errs) != OBP_OK
        || errs.count > 0) {
        log_conf_errors(w, &errs);
        goto failed;
    }
    if (strcmp(l->text, c->rootservice_list != NULL ? c->rootservice_list
                                                    : "") != 0) {
        l = obp_servers_parse(c->rootservice_list, w->shm);
        if (l == NULL) {
            obp_log(OBP_LOG_ERROR, 0, ENOMEM, "worker %d: new "
                    "configuration ignored", w->slot);
            goto failed;
        }
        obp_servers_release(w->servers);
        w->servers = l;
    }
    /* parked server sessions must not outlive their transport */
    if (obp_xport_ctx_server_changed(w->conf, c))
        obp_pool_close_all(w, "server transport settings changed");
    obp_conf_free(w->conf);
    w->conf = c;
    w->conf_gen++;
    apply_log_settings(c);
    obp_xport_ctx_apply(&w->xctx, c, w->slot);
    obp_accept_sockopt(&w->acc);
    obp_errs_free(&errs);
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d applied a new configuration",
            w->slot);
    return;

failed:
    obp_errs_free(&errs);
    obp_conf_free(c);
}

/* DRAIN's payload: the next generation's master pid (u32), or none. */
static pid_t
drain_peer(const char *buf, size_t len)
{
    struct obp_rd rd;

    obp_rd_init(&rd, (const uint8_t *)buf, len);
    return len == 4 ? (pid_t)obp_rd_u32(&rd) : 0;
}

static void
chan_command(struct obp_worker *w, uint32_t cmd, const char *buf,
             size_t len)
{
    switch (cmd) {
    case OBP_CHAN_TERM:
        obp_worker_fast_stop(w, "master sent TERM");
        break;
    case OBP_CHAN_QUIT:
        obp_worker_graceful_stop(w, "master sent QUIT");
        break;
    case OBP_CHAN_REOPEN:
        reopen_logs(w, "master sent REOPEN");
        break;
    case OBP_CHAN_CONF:
        apply_conf(w, buf, len);
        break;
    case OBP_CHAN_STOP_ACCEPT:
        obp_accept_stop(&w->acc);
        obp_log(OBP_LOG_INFO, 0, 0, "worker %d stopped accepting", w->slot);
        break;
    case OBP_CHAN_DRAIN:
        obp_handoff_peer(w, drain_peer(buf, len));
        obp_worker_drain(w, "the next generation serves");
        break;
    case OBP_CHAN_RESUME:
        obp_handoff_peer(w, 0);
        obp_worker_resume(w, "upgrade rolled back");
        break;
    default:
        obp_log(OBP_LOG_WARN, 0, 0, "worker %d: unknown channel command %u",
                w->slot, cmd);
        break;
    }
}

static void
chan_gone(struct obp_worker *w, const char *why)
{
    ev_io_stop(w->loop, &w->chan);
    obp_worker_graceful_stop(w, why);
}

static void
chan_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_worker *w = io->data;
    uint32_t           cmd;
    ssize_t            n;

    for (int i = 0; i < CHAN_BATCH && !w->stopped; i++) {
        n = obp_chan_recv(w->chan_fd, &cmd, w->chan_buf,
                          OBP_CHAN_MAX_PAYLOAD);
        if (n == OBP_AGAIN)
            return;
        if (n == OBP_DONE) {
            chan_gone(w, "master gone");
            return;
        }
        if (n == OBP_ERROR) {
            obp_log(OBP_LOG_WARN, 0, errno, "worker %d: bad message on the "
                    "master's channel", w->slot);
            if (++w->chan_errors >= CHAN_MAX_ERRORS) {
                chan_gone(w, "master's channel broken");
                return;
            }
            continue;
        }
        w->chan_errors = 0;
        w->chan_buf[n] = '\0';
        chan_command(w, cmd, w->chan_buf, (size_t)n);
    }
}

void
obp_loop_chan_read(struct obp_worker *w)
{
    chan_cb(w->loop, &w->chan, 0);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *sw, int revents)
{
    struct obp_worker *w = sw->data;
    const char        *name = worker_signals[sw - w->sigs].name;

    switch (sw->signum) {
    case SIGTERM:
    case SIGINT:
        obp_worker_fast_stop(w, name);
        break;
    case SIGQUIT:
        obp_worker_graceful_stop(w, name);
        break;
    default:
        reopen_logs(w, name);
        break;
    }
}

/* HUP goes to the master, which reloads and sends us the result. */
static int
ignore_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    if (sigemptyset(&sa.sa_mask) == -1 || sigaction(SIGHUP, &sa, NULL) == -1
        || sigaction(SIGPIPE, &sa, NULL) == -1)
        return OBP_ERROR;
    return OBP_OK;
}

/* A slot's gauges may be left over from a killed predecessor: restart. */
static void
reset_gauges(struct obp_worker *w)
{
    for (int i = 0; i < OBP_STAT_COUNT; i++) {
        if (obp_stat_descs[i].kind == OBP_STAT_GAUGE)
            atomic_store_explicit(&w->stats->stat[i], 0,
                                  memory_order_relaxed);
    }
}

static int
worker_init(struct obp_worker *w, struct obp_worker_args *args)
{
    int nslots;

    w->loop = EV_DEFAULT;
    obp_handoff_init(&w->handoff);
    w->slot = args->slot;
    w->half = args->half;
    /* the master lays the segment out with two halves (master/upgrade.h) */
    w->shm_slot = (unsigned)args->half * (args->shm->hdr->nworkers / 2)
                  + (unsigned)args->slot;
    w->pid = (int32_t)getpid();
    w->conf = args->conf;
    w->conf_gen = 1;
    w->shm = args->shm;
    w->chan_fd = args->chan_fd;
    ev_timer_init(&w->drain, drain_timeout_cb, 0., 0.);
    w->drain.data = w;
    ev_timer_init(&w->quit_wait, quit_wait_cb, 0., 0.);
    ev_timer_init(&w->drain_tick, drain_tick_cb, OBP_WORKER_DRAIN_TICK,
                  OBP_WORKER_DRAIN_TICK);
    w->drain_tick.data = w;
    ev_timer_init(&w->log_tick, log_tick_cb, 1., 1.);
    w->log_tick.data = w;
    w->stats = obp_shm_worker(args->shm, w->shm_slot);
    w->servers = obp_servers_parse(w->conf->rootservice_list, w->shm);
    w->chan_buf = malloc(OBP_CHAN_MAX_PAYLOAD + 1);
    if (w->stats == NULL || w->servers == NULL || w->chan_buf == NULL) {
        obp_log(OBP_LOG_ERROR, 0, w->stats == NULL ? EINVAL : ENOMEM,
                "worker %d cannot start", w->slot);
        return OBP_ERROR;
    }
    if (ignore_signals() == OBP_ERROR)
        obp_log(OBP_LOG_WARN, 0, errno, "worker %d: ignoring SIGHUP and "
                "SIGPIPE", w->slot);
    apply_log_settings(w->conf);
    obp_warnlog_start();
    obp_xport_ctx_apply(&w->xctx, w->conf, w->slot);
    reset_gauges(w);
    for (int i = 0; i < OBP_WORKER_NSIGNALS; i++) {
        ev_signal_init(&w->sigs[i], signal_cb, worker_signals[i].signo);
        w->sigs[i].data = w;
        ev_signal_start(w->loop, &w->sigs[i]);
    }
    if (w->chan_fd >= 0) {
        ev_io_init(&w->chan, chan_cb, w->chan_fd, EV_READ);
        w->chan.data = w;
        ev_io_start(w->loop, &w->chan);
    }
    /* a slot past the count (CPUs changed since the fork) still fits */
    nslots = obp_conf_worker_count(w->conf);
    if (nslots <= w->slot)
        nslots = w->slot + 1;
    if (obp_sessid_init(&w->sessid, (unsigned)w->conf->proxy_id,
                        (unsigned)w->half,
                        (unsigned)w->slot, (unsigned)nslots) != OBP_OK) {
        obp_log(OBP_LOG_ERROR, 0, EINVAL, "worker %d: client session ids "
                "for proxy_id %lld", w->slot, (long long)w->conf->proxy_id);
        return OBP_ERROR;
    }
    w->nslots = (unsigned)nslots;
    obp_reg_start(w);
    obp_handoff_listen(w);
    obp_accept_init(&w->acc, w, args->listen_fd, args->nlisten);
    ev_timer_start(w->loop, &w->log_tick);
    set_state(w, OBP_WORKER_RUNNING);
    return OBP_OK;
}

static void
worker_cleanup(struct obp_worker *w)
{
    w->stopped = 1;
    w->exiting = 1;
    obp_accept_close(&w->acc);
    obp_session_close_all(w, "worker exit");
    obp_pool_close_all(w, "worker exit");
    obp_srv_quit_all(w);
    ev_timer_stop(w->loop, &w->quit_wait);
    obp_acct_cache_free(w);
    obp_srv_free(w->probe);
    obp_iobuf_pool_free(&w->pool);
    obp_xport_ctx_free(&w->xctx);
    ev_timer_stop(w->loop, &w->drain);
    ev_timer_stop(w->loop, &w->drain_tick);
    ev_timer_stop(w->loop, &w->log_tick);
    obp_reg_stop(w);
    obp_handoff_stop(w);
    ev_io_stop(w->loop, &w->chan);
    for (int i = 0; i < OBP_WORKER_NSIGNALS; i++)
        ev_signal_stop(w->loop, &w->sigs[i]);
    if (w->chan_fd >= 0 && close(w->chan_fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "worker %d: closing the channel",
                w->slot);
    obp_servers_release(w->servers);
    free(w->chan_buf);
    obp_conf_free(w->conf);
}

int
obp_worker_main(struct obp_worker_args *args)
{
    struct obp_worker w;
    int               rc;

    memset(&w, 0, sizeof(w));
    rc = worker_init(&w, args);
    /* the conf is ours from here on, whatever happens */
    args->conf = NULL;
    if (rc == OBP_OK) {
        obp_log(OBP_LOG_INFO, 0, 0, "worker %d started (pid %d)", w.slot,
                (int)getpid());
        if (obp_log_start_writer() != OBP_OK)
            obp_log(OBP_LOG_WARN, 0, errno, "worker %d: no writer thread, "
                    "the request logs are written by the loop", w.slot);
        obp_lookup_probe(&w);
        ev_run(w.loop, 0);
    }
    worker_cleanup(&w);
    obp_log_stop_writer();
    return rc == OBP_OK ? 0 : 1;
}
