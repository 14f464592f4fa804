/*
 * Stopping, called by signal.c, process.c and monproc.c.  Fast: listeners
 * closed, OBP_CHAN_TERM to every worker and the monitor, SIGKILL after
 * delay_exit_time.  Graceful: listeners closed, OBP_CHAN_QUIT, SIGKILL
 * after hot_upgrade_exit_timeout + 5 s.  Inside a hot upgrade's window the
 * other generation stops too (upgrade.h).  The loop ends when no worker
 * and no monitor is left and the other master told to stop has exited,
 * or 2 s after the SIGKILL.
 */
#include "master.h"

#include <signal.h>

#define GRACEFUL_EXTRA_S  5.0   /* beyond hot_upgrade_exit_timeout */
#define REAP_WAIT_S       2.0   /* after SIGKILL */

static void arm(struct obp_master *m, double seconds);

/* The workers and the monitor still running. */
static int
live(const struct obp_master *m)
{
    return obp_proc_live(m) + (obp_monproc_live(m) ? 1 : 0);
}

/*
 * Our workers are gone, the other generation of a hot upgrade is not: it
 * gets as long as its own graceful stop may take, then we exit anyway.
 */
static void
peer_deadline(struct obp_master *m)
{
    double wait = (double)m->conf->hot_upgrade_exit_timeout / 1e6
                  + GRACEFUL_EXTRA_S + REAP_WAIT_S;

    if (!m->stop.peer_waited) {
        m->stop.peer_waited = true;
        obp_log(OBP_LOG_INFO, 0, 0, "every worker has exited; waiting up "
                "to %.1f s for the other master (pid %ld)", wait,
                (long)m->up.peer);
        arm(m, wait);
        return;
    }
    obp_log(OBP_LOG_WARN, 0, 0, "the other master (pid %ld) still runs, "
            "exiting anyway", (long)m->up.peer);
    ev_break(m->loop, EVBREAK_ALL);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_master *m = w->data;

    if (live(m) == 0) {
        peer_deadline(m);
        return;
    }
    if (!m->stop.killed) {
        obp_log(OBP_LOG_WARN, 0, 0, "%d worker(s)%s still running at the "
                "stop deadline, killing them", obp_proc_live(m),
                obp_monproc_live(m) ? " and the monitor" : "");
        obp_proc_kill_all(m, SIGKILL, OBP_LOG_WARN);
        obp_monproc_kill(m, SIGKILL, OBP_LOG_WARN);
        m->stop.killed = true;
        ev_timer_set(w, REAP_WAIT_S, 0.);
        ev_timer_start(loop, w);
        return;
    }
    obp_log(OBP_LOG_ERROR, 0, 0, "%d process(es) not reaped %.0f s after "
            "SIGKILL, exiting anyway", live(m), REAP_WAIT_S);
    ev_break(loop, EVBREAK_ALL);
}

static void
arm(struct obp_master *m, double seconds)
{
    ev_timer_stop(m->loop, &m->stop.timer);
    ev_timer_set(&m->stop.timer, seconds, 0.);
    ev_timer_start(m->loop, &m->stop.timer);
}

static void
mark_draining(struct obp_master *m)
{
    for (int i = 0; i < m->nslots; i++) {
        struct obp_shm_worker *w = obp_proc_shm(m, i);

        if (m->slots[i].pid != 0)
            atomic_store(&w->state, (uint32_t)OBP_WORKER_DRAINING);
    }
}

void
obp_stop_init(struct obp_master *m)
{
    ev_timer_init(&m->stop.timer, timer_cb, 0., 0.);
    m->stop.timer.data = m;
}

void
obp_stop_begin(struct obp_master *m, enum obp_stop_mode mode)
{
    m->stop.mode = mode;
    obp_proc_cancel_respawns(m);
    obp_monproc_cancel_respawn(m);
    obp_listen_close(&m->listeners);
    obp_upgrade_stop(m, mode == OBP_STOP_FAST);
    if (m->stop.killed)
        return;     /* everything is already on its way out */
    if (mode == OBP_STOP_FAST) {
        obp_proc_send_all(m, OBP_CHAN_TERM, NULL, 0, true);
        obp_monproc_send(m, OBP_CHAN_TERM, NULL, 0, true);
        arm(m, (double)m->conf->delay_exit_time / 1e6);
    } else {
        obp_proc_send_all(m, OBP_CHAN_QUIT, NULL, 0, true);
        obp_monproc_send(m, OBP_CHAN_QUIT, NULL, 0, true);
        mark_draining(m);
        arm(m, (double)m->conf->hot_upgrade_exit_timeout / 1e6
               + GRACEFUL_EXTRA_S);
    }
    obp_stop_check(m);
}

void
obp_stop_check(struct obp_master *m)
{
    if (m->stop.mode == OBP_STOP_NONE || live(m) > 0
        || obp_upgrade_stop_waits(m))
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "every worker and the monitor have exited");
    ev_timer_stop(m->loop, &m->stop.timer);
    ev_break(m->loop, EVBREAK_ALL);
}

void
obp_stop_cancel(struct obp_master *m)
{
    if (m->loop != NULL)
        ev_timer_stop(m->loop, &m->stop.timer);
}
