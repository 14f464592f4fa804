/*
 * The monitor process, the master's side (monproc.h).  Its code lives in
 * monitor/ like the workers' in worker/: this file only forks, watches
 * and talks to it, with the workers' back-off and exit log lines
 * (process.c).
 */
#include "master.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void child_cb(struct ev_loop *loop, ev_child *w, int revents);
static void respawn_cb(struct ev_loop *loop, ev_timer *w, int revents);

void
obp_monproc_init(struct obp_master *m)
{
    struct obp_monproc *mp = &m->mon;

    mp->chan_fd = -1;
    ev_child_init(&mp->child, child_cb, 0, 0);
    mp->child.data = m;
    ev_timer_init(&mp->respawn, respawn_cb, 0., 0.);
    mp->respawn.data = m;
}

static OBP_NORETURN void
run_child(struct obp_master *m, int fds[2])
{
    struct obp_monitor_args args = { 0 };

    obp_log_set_role(OBP_LOG_ROLE_MONITOR);
    close(fds[0]);
    obp_proc_in_child(m);
    obp_listen_close(&m->listeners);    /* never client traffic */
    args.half = m->up.half;
    args.chan_fd = fds[1];
    args.restarts = m->mon.restarts;
    args.shm = &m->shm;
    args.conf = obp_conf_dup(m->conf);
    if (args.conf == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "cannot start the monitor");
        exit(1);
    }
    exit(obp_monitor_main(&args));
}

static int
spawn(struct obp_master *m)
{
    struct obp_monproc *mp = &m->mon;
    int                 fds[2];
    pid_t               pid;

    if (obp_chan_pair(fds) != OBP_OK) {
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot create the monitor's "
                "channel");
        return OBP_ERROR;
    }
    fflush(NULL);   /* a child must not write the master's stdio buffers */
    pid = fork();
    if (pid == -1) {
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot fork the monitor");
        close(fds[0]);
        close(fds[1]);
        return OBP_ERROR;
    }
    if (pid == 0)
        run_child(m, fds);
    close(fds[1]);
    mp->pid = pid;
    mp->chan_fd = fds[0];
    mp->started_us = obp_now_us();
    ev_child_set(&mp->child, pid, 0);
    ev_child_start(m->loop, &mp->child);
    obp_log(OBP_LOG_INFO, 0, 0, "monitor started: pid %ld", (long)pid);
    return OBP_OK;
}

static void
schedule_respawn(struct obp_master *m, int64_t ran_us)
{
    struct obp_monproc *mp = &m->mon;

    mp->backoff_us = obp_proc_backoff(mp->backoff_us, ran_us);
    mp->restarts++;
    obp_log(OBP_LOG_INFO, 0, 0, "respawning the monitor in %lld ms",
            (long long)(mp->backoff_us / 1000));
    if (mp->backoff_us > 0) {
        ev_timer_set(&mp->respawn, (double)mp->backoff_us / 1e6, 0.);
        ev_timer_start(m->loop, &mp->respawn);
    } else if (spawn(m) != OBP_OK) {
        schedule_respawn(m, 0);     /* now with a delay: no recursion */
    }
}

void
obp_monproc_spawn(struct obp_master *m)
{
    if (m->mon.pid == 0 && spawn(m) != OBP_OK)
        schedule_respawn(m, 0);
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_master *m = w->data;

    if (m->stop.mode != OBP_STOP_NONE || m->mon.pid != 0)
        return;
    if (spawn(m) != OBP_OK)
        schedule_respawn(m, 0);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    struct obp_master  *m = w->data;
    struct obp_monproc *mp = &m->mon;

    ev_child_stop(loop, w);
    obp_proc_log_exit(m, "monitor", mp->pid, w->rstatus);
    close(mp->chan_fd);
    mp->chan_fd = -1;
    mp->pid = 0;
    if (m->stop.mode != OBP_STOP_NONE)
        obp_stop_check(m);
    else if (!obp_upgrade_holds_slots(m))
        schedule_respawn(m, obp_now_us() - mp->started_us);
}

bool
obp_monproc_live(const struct obp_master *m)
{
    return m->mon.pid != 0;
}

void
obp_monproc_send(struct obp_master *m, uint32_t cmd, const void *payload,
                 size_t len, bool term_on_fail)
{
    struct obp_monproc *mp = &m->mon;
    int                 rc;

    if (mp->pid == 0)
        return;
    rc = obp_chan_send(mp->chan_fd, cmd, payload, len);
    /* it closed its end: exiting, its exit is on the way (child_cb) */
    if (rc == OBP_OK
        || (rc == OBP_ERROR && (errno == EPIPE || errno == ECONNRESET)))
        return;
    obp_log(OBP_LOG_WARN, 0, rc == OBP_AGAIN ? 0 : errno, "cannot send "
            "command %u to the monitor (pid %ld)%s", cmd, (long)mp->pid,
            rc == OBP_AGAIN ? ": its channel is full" : "");
    if (term_on_fail)
        obp_monproc_kill(m, SIGTERM, OBP_LOG_WARN);
}

void
obp_monproc_kill(struct obp_master *m, int signo, int level)
{
    pid_t pid = m->mon.pid;

    if (pid == 0)
        return;
    obp_log(level, 0, 0, "sending %s to the monitor (pid %ld)",
            signo == SIGKILL ? "SIGKILL" : "SIGTERM", (long)pid);
    if (kill(pid, signo) == -1 && errno != ESRCH)
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot signal the monitor "
                "(pid %ld)", (long)pid);
}

void
obp_monproc_cancel_respawn(struct obp_master *m)
{
    ev_timer_stop(m->loop, &m->mon.respawn);
}

void
obp_monproc_status(struct obp_master *m, struct obp_ctl_conn *c)
{
    const struct obp_monproc *mp = &m->mon;
    const char *state = mp->pid != 0 ? "running"
                        : ev_is_active(&mp->respawn) ? "respawning"
                        : "stopped";

    if (mp->pid != 0 && m->stop.mode != OBP_STOP_NONE)
        state = "stopping";
    obp_ctl_reply(c, false, "monitor: pid %ld, state %s, restarts %llu",
                  (long)mp->pid, state, (unsigned long long)mp->restarts);
}

void
obp_monproc_drop(struct obp_master *m)
{
    struct obp_monproc *mp = &m->mon;

    ev_child_stop(m->loop, &mp->child);
    ev_timer_stop(m->loop, &mp->respawn);
    if (mp->chan_fd != -1)
        close(mp->chan_fd);
    mp->chan_fd = -1;
}
