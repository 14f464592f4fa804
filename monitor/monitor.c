/*
 * The monitor process: obp_monitor_main() runs its own libev loop with
 * the signals, the master's channel, the /metrics server and the periodic
 * tasks, and frees everything once a stop has broken it (so
 * LeakSanitizer can check it, as the workers).  The master forks it after
 * the workers and respawns it when it dies (master/monproc.c).
 *
 * Periodic tasks: one row of the table below each, with its own timer
 * (its period a parameter's when the row names one).  Server detection
 * and replica state are one (detect.h); OceanBase metadata another
 * (obmeta.h), fed by the config server's list when rootservice_list is
 * empty (cfgsrv.h).  A task must not block (connections are watchers of this
 * loop).
 */
#include "monitor.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CHAN_MAX_ERRORS  8      /* failed receives in a row: channel gone */
#define STOP_POLL_S      0.1    /* graceful stop: are the answers out? */

/* The process name the tests and ps tell the monitor by. */
#define MONITOR_COMM     "obp_monitor"

struct mon_task {
    const char *name;
    double      interval_s;
    double    (*interval)(const struct obp_conf *conf);  /* or NULL */
    void      (*run)(struct obp_monitor *mon);
};

static void task_listen(struct obp_monitor *mon);

static const struct mon_task tasks[OBP_MONITOR_NTASKS] = {
    { "prometheus listener", 1.0, NULL, task_listen },
    { "server detection", 1.0, obp_detect_interval, obp_detect_run },
    { "oceanbase metadata", 0, obp_obmeta_interval, obp_obmeta_run },
    { "config server", 0.5, NULL, obp_cfgsrv_run },
};

static double
task_interval(const struct mon_task *t, const struct obp_conf *conf)
{
    return t->interval != NULL ? t->interval(conf) : t->interval_s;
}

static const struct {
    int         signo;
    const char *name;
} mon_signals[OBP_MONITOR_NSIGNALS] = {
    { SIGTERM, "SIGTERM" },
    { SIGINT,  "SIGINT" },
    { SIGQUIT, "SIGQUIT" },
    { SIGUSR1, "SIGUSR1" },
};

static int
serve_http(void *arg, const char *path, struct obp_mbuf *body,
           const char **ctype)
{
    if (strcmp(path, "/metrics") != 0)
        return 404;
    obp_metrics_render(arg, body);
    *ctype = OBP_METRICS_CTYPE;
    return 200;
}

/*
 * Listens on prometheus_listen_port while enable_prometheus says so and
 * the generation serves.  The port is not shared (no SO_REUSEPORT, so two
 * proxies cannot split the scrapes): in a hot upgrade the new monitor
 * binds it once the old one has let go (handed over), hence the retry.
 */
static void
task_listen(struct obp_monitor *mon)
{
    const struct obp_conf *c = mon->conf;
    const char            *ip = c->ip_listen_mode == 2
                                ? c->local_bound_ipv6_ip : c->local_bound_ip;

    if (!c->enable_prometheus || mon->handed || mon->stopping
        || obp_http_listening(&mon->http))
        return;
    if (obp_http_listen(&mon->http, ip, (int)c->prometheus_listen_port)
        == OBP_OK) {
        obp_log(OBP_LOG_INFO, 0, 0, "monitor: /metrics on %s port %lld", ip,
                (long long)c->prometheus_listen_port);
        mon->listen_errno = 0;
        return;
    }
    if (mon->listen_errno == errno)
        return;     /* said once; retried every second */
    mon->listen_errno = errno;
    obp_log(errno == EADDRINUSE ? OBP_LOG_INFO : OBP_LOG_WARN, 0, errno,
            "monitor: cannot listen on %s port %lld for /metrics, retrying",
            ip, (long long)c->prometheus_listen_port);
}

static void
task_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_monitor    *mon = w->data;
    const struct mon_task *t = &tasks[w - mon->tasks];

    t->run(mon);
    w->repeat = task_interval(t, mon->conf);    /* a reload may change it */
    ev_timer_again(loop, w);
}

static void
stop_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_monitor *mon = w->data;

    if (obp_http_busy(&mon->http) == 0)
        ev_break(loop, EVBREAK_ALL);
}

/* Graceful: the answers being written finish (each is bounded). */
static void
mon_stop(struct obp_monitor *mon, bool fast, const char *why)
{
    if (mon->stopping && !fast)
        return;
    mon->stopping = true;
    obp_log(OBP_LOG_INFO, 0, 0, "monitor exiting: %s stop (%s)",
            fast ? "fast" : "graceful", why);
    for (int i = 0; i < OBP_MONITOR_NTASKS; i++)
        ev_timer_stop(mon->loop, &mon->tasks[i]);
    ev_io_stop(mon->loop, &mon->chan);
    obp_http_unlisten(&mon->http);
    obp_detect_stop(mon);
    obp_obmeta_free(mon);
    obp_cfgsrv_free(mon);
    if (fast || obp_http_busy(&mon->http) == 0) {
        ev_break(mon->loop, EVBREAK_ALL);
        return;
    }
    ev_timer_init(&mon->stop_poll, stop_poll_cb, STOP_POLL_S, STOP_POLL_S);
    mon->stop_poll.data = mon;
    ev_timer_start(mon->loop, &mon->stop_poll);
}

static void
reopen_logs(const char *why)
{
    if (obp_log_reopen() == OBP_ERROR)
        obp_log(OBP_LOG_WARN, 0, errno, "monitor: reopening the logs (%s)",
                why);
    else
        obp_log(OBP_LOG_INFO, 0, 0, "monitor reopened its logs (%s)", why);
}

static void
apply_log_settings(const struct obp_conf *c)
{
    obp_log_set_level(c->syslog_level);
    obp_log_set_rotation(c->max_log_file_size, c->max_syslog_file_count);
}

/* OBP_CHAN_CONF: the whole configuration or nothing. */
static void
apply_conf(struct obp_monitor *mon, const char *text, size_t len)
{
    struct obp_errs  errs = { 0 };
    struct obp_conf *c = obp_conf_dup(mon->conf);

    if (c == NULL || obp_conf_deserialize(c, text, len, &errs) != OBP_OK
        || errs.count > 0) {
        obp_log(OBP_LOG_WARN, 0, c == NULL ? ENOMEM : 0, "monitor keeps its "
                "configuration: the master's could not be applied%s%s",
                errs.text != NULL ? ": " : "", errs.text != NULL
                ? errs.text : "");
        obp_errs_free(&errs);
        obp_conf_free(c);
        return;
    }
    obp_conf_free(mon->conf);
    mon->conf = c;
    apply_log_settings(c);
    obp_log(OBP_LOG_INFO, 0, 0, "monitor applied a new configuration");
}

/* The old generation's monitor lets the new one take the port. */
static void
hand_over(struct obp_monitor *mon, bool handed)
{
    mon->handed = handed;
    if (handed) {
        obp_http_unlisten(&mon->http);
        obp_detect_stop(mon);   /* two monitors would count twice */
    } else {
        task_listen(mon);
    }
}

static void
chan_command(struct obp_monitor *mon, uint32_t cmd, const char *buf,
             size_t len)
{
    switch (cmd) {
    case OBP_CHAN_TERM:
        mon_stop(mon, true, "master sent TERM");
        break;
    case OBP_CHAN_QUIT:
        mon_stop(mon, false, "master sent QUIT");
        break;
    case OBP_CHAN_REOPEN:
        reopen_logs("master sent REOPEN");
        break;
    case OBP_CHAN_CONF:
        apply_conf(mon, buf, len);
        break;
    case OBP_CHAN_DRAIN:
        hand_over(mon, true);
        break;
    case OBP_CHAN_RESUME:
        hand_over(mon, false);
        break;
    default:
        obp_log(OBP_LOG_WARN, 0, 0, "monitor: unknown channel command %u",
                cmd);
        break;
    }
}

static void
chan_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_monitor *mon = io->data;
    uint32_t            cmd;
    ssize_t             n;

    while (!mon->stopping) {
        n = obp_chan_recv(mon->chan_fd, &cmd, mon->chan_buf,
                          OBP_CHAN_MAX_PAYLOAD);
        if (n == OBP_AGAIN)
            return;
        if (n == OBP_DONE) {
            mon_stop(mon, false, "master gone");
            return;
        }
        if (n == OBP_ERROR) {
            obp_log(OBP_LOG_WARN, 0, errno, "monitor: bad message on the "
                    "master's channel");
            if (++mon->chan_errors >= CHAN_MAX_ERRORS)
                mon_stop(mon, false, "master's channel broken");
            continue;
        }
        mon->chan_errors = 0;
        mon->chan_buf[n] = '\0';
        chan_command(mon, cmd, mon->chan_buf, (size_t)n);
    }
}

static void
signal_cb(struct ev_loop *loop, ev_signal *sw, int revents)
{
    struct obp_monitor *mon = sw->data;
    const char         *name = mon_signals[sw - mon->sigs].name;

    if (sw->signum == SIGUSR1)
        reopen_logs(name);
    else
        mon_stop(mon, sw->signum != SIGQUIT, name);
}

/* HUP goes to the master, which reloads and sends us the result. */
static void
ignore_signals(void)
{
    if (signal(SIGHUP, SIG_IGN) == SIG_ERR
        || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        obp_log(OBP_LOG_WARN, 0, errno, "monitor: ignoring SIGHUP and "
                "SIGPIPE");
}

static void
start_watchers(struct obp_monitor *mon)
{
    for (int i = 0; i < OBP_MONITOR_NSIGNALS; i++) {
        ev_signal_init(&mon->sigs[i], signal_cb, mon_signals[i].signo);
        mon->sigs[i].data = mon;
        ev_signal_start(mon->loop, &mon->sigs[i]);
    }
    ev_io_init(&mon->chan, chan_cb, mon->chan_fd, EV_READ);
    mon->chan.data = mon;
    ev_io_start(mon->loop, &mon->chan);
    for (int i = 0; i < OBP_MONITOR_NTASKS; i++) {
        ev_timer_init(&mon->tasks[i], task_cb, 0.,
                      task_interval(&tasks[i], mon->conf));
        mon->tasks[i].data = mon;
        ev_timer_start(mon->loop, &mon->tasks[i]);
    }
}

static void
cleanup(struct obp_monitor *mon)
{
    obp_http_close_all(&mon->http);
    obp_detect_free(mon);
    obp_obmeta_free(mon);
    obp_cfgsrv_free(mon);
    ev_timer_stop(mon->loop, &mon->stop_poll);
    for (int i = 0; i < OBP_MONITOR_NTASKS; i++)
        ev_timer_stop(mon->loop, &mon->tasks[i]);
    for (int i = 0; i < OBP_MONITOR_NSIGNALS; i++)
        ev_signal_stop(mon->loop, &mon->sigs[i]);
    ev_io_stop(mon->loop, &mon->chan);
    close(mon->chan_fd);
    free(mon->chan_buf);
    obp_conf_free(mon->conf);
    ev_loop_destroy(mon->loop);
    obp_log_close();
}

int
obp_monitor_main(struct obp_monitor_args *args)
{
    static struct obp_monitor mon;

    (void)prctl(PR_SET_NAME, MONITOR_COMM, 0, 0, 0);
    mon.loop = EV_DEFAULT;
    mon.conf = args->conf;
    mon.shm = args->shm;
    mon.half = args->half;
    mon.restarts = args->restarts;
    mon.chan_fd = args->chan_fd;
    mon.chan_buf = malloc(OBP_CHAN_MAX_PAYLOAD + 1);
    obp_http_init(&mon.http, mon.loop, serve_http, &mon);
    obp_obmeta_init(&mon);
    obp_cfgsrv_init(&mon);
    if (mon.chan_buf == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "monitor cannot start");
        cleanup(&mon);
        return 1;
    }
    ignore_signals();
    apply_log_settings(mon.conf);
    start_watchers(&mon);
    obp_log(OBP_LOG_INFO, 0, 0, "monitor running");
    ev_run(mon.loop, 0);
    cleanup(&mon);
    return 0;
}
