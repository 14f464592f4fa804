/*
 * Worker slots.  A slot holds one worker process: spawned with its own
 * channel and listening sockets, watched by an ev_child watcher, and
 * respawned when it dies (at once if it ran for a while, otherwise after
 * a back-off that doubles up to 10 s, so a crash loop cannot spin).  The
 * forked child drops everything of the master and runs obp_worker_main().
 */
#include "master.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESPAWN_HEALTHY_US  INT64_C(10000000)   /* ran this long: no delay */
#define RESPAWN_FIRST_US    INT64_C(100000)
#define RESPAWN_MAX_US      INT64_C(10000000)

static const char *const chan_names[] = {
    [OBP_CHAN_QUIT] = "QUIT",         [OBP_CHAN_TERM] = "TERM",
    [OBP_CHAN_REOPEN] = "REOPEN",     [OBP_CHAN_CONF] = "CONF",
    [OBP_CHAN_STOP_ACCEPT] = "STOP_ACCEPT",
    [OBP_CHAN_DRAIN] = "DRAIN",       [OBP_CHAN_RESUME] = "RESUME",
};

static void child_cb(struct ev_loop *loop, ev_child *w, int revents);
static void respawn_cb(struct ev_loop *loop, ev_timer *w, int revents);

int
obp_proc_init(struct obp_master *m)
{
    m->slots = calloc((size_t)m->nslots, sizeof(*m->slots));
    if (m->slots == NULL)
        return OBP_ERROR;
    for (int i = 0; i < m->nslots; i++) {
        struct obp_slot *s = &m->slots[i];

        s->index = i;
        s->chan_fd = -1;
        ev_child_init(&s->child, child_cb, 0, 0);
        s->child.data = m;
        ev_timer_init(&s->respawn, respawn_cb, 0., 0.);
        s->respawn.data = m;
    }
    return OBP_OK;
}

/* In the child: forget every other slot, without touching the workers. */
static void
drop_slots(struct obp_master *m)
{
    for (int i = 0; i < m->nslots; i++) {
        struct obp_slot *s = &m->slots[i];

        ev_child_stop(m->loop, &s->child);
        ev_timer_stop(m->loop, &s->respawn);
        if (s->chan_fd != -1) {
            close(s->chan_fd);
            s->chan_fd = -1;
        }
    }
}

void
obp_proc_in_child(struct obp_master *m)
{
    obp_signal_stop(m);
    obp_stop_cancel(m);
    obp_routes_stop(m);
    obp_ctl_close(m, true);
    obp_upgrade_close_in_child(m);
    drop_slots(m);
    obp_monproc_drop(m);
    ev_loop_fork(m->loop);
    if (m->ready_fd != -1)
        close(m->ready_fd);
    m->ready_fd = -1;
}

/* The forked child: keeps its slot's sockets and channel end only. */
static OBP_NORETURN void
run_child(struct obp_master *m, struct obp_slot *self, int fds[2])
{
    struct obp_listen_slot *ls = &m->listeners.slots[self->index];
    struct obp_worker_args  args = { 0 };

    obp_log_set_role(self->index);
    close(fds[0]);
    obp_proc_in_child(m);
    obp_listen_close_except(&m->listeners, self->index);
    args.slot = self->index;
    args.half = m->up.half;
    args.nlisten = ls->n;
    for (int i = 0; i < ls->n; i++)
        args.listen_fd[i] = ls->fd[i];
    args.chan_fd = fds[1];
    args.shm = &m->shm;
    args.conf = obp_conf_dup(m->conf);
    if (args.conf == NULL) {
        obp_log(OBP_LOG_ERROR, 0, 0, "out of memory starting the worker");
        exit(1);
    }
    exit(obp_worker_main(&args));
}

struct obp_shm_worker *
obp_proc_shm(const struct obp_master *m, int slot)
{
    return obp_shm_worker(&m->shm, m->shm_base + (unsigned)slot);
}

/*
 * STARTING before the fork: the child says RUNNING once it accepts
 * (upgrade_new.c waits for that), maybe before fork() returns here.
 */
static void
mark_state(struct obp_master *m, struct obp_slot *s,
           enum obp_worker_state state)
{
    atomic_store(&obp_proc_shm(m, s->index)->state, (uint32_t)state);
}

static void
mark_started(struct obp_master *m, struct obp_slot *s)
{
    struct obp_shm_worker *w = obp_proc_shm(m, s->index);

    atomic_store(&w->pid, (int32_t)s->pid);
    atomic_store(&w->started_us, (uint64_t)obp_wallclock_us());
}

static int
spawn(struct obp_master *m, struct obp_slot *s)
{
    int   fds[2];
    pid_t pid;

    if (obp_chan_pair(fds) != OBP_OK) {
        obp_log(OBP_LOG_ERROR, 0, errno,
                "cannot create the channel of worker %d", s->index);
        return OBP_ERROR;
    }
    fflush(NULL);   /* a child must not write the master's stdio buffers */
    mark_state(m, s, OBP_WORKER_STARTING);
    pid = fork();
    if (pid == -1) {
        int err = errno;

        mark_state(m, s, OBP_WORKER_EMPTY);
        close(fds[0]);
        close(fds[1]);
        obp_log(OBP_LOG_ERROR, 0, err, "cannot fork worker %d", s->index);
        return OBP_ERROR;
    }
    if (pid == 0)
        run_child(m, s, fds);
    close(fds[1]);
    s->pid = pid;
    s->chan_fd = fds[0];
    s->started_us = obp_now_us();
    mark_started(m, s);
    ev_child_set(&s->child, pid, 0);
    ev_child_start(m->loop, &s->child);
    obp_log(OBP_LOG_INFO, 0, 0, "worker %d started: pid %ld", s->index,
            (long)pid);
    return OBP_OK;
}

int64_t
obp_proc_backoff(int64_t backoff_us, int64_t ran_us)
{
    if (ran_us >= RESPAWN_HEALTHY_US)
        return 0;
    if (backoff_us == 0)
        return RESPAWN_FIRST_US;
    if (backoff_us < RESPAWN_MAX_US / 2)
        return backoff_us * 2;
    return RESPAWN_MAX_US;
}

/* Respawns <s> now or later, by how long its last process ran. */
static void
schedule_respawn(struct obp_master *m, struct obp_slot *s, int64_t ran_us)
{
    struct obp_shm_worker *w = obp_proc_shm(m, s->index);

    s->backoff_us = obp_proc_backoff(s->backoff_us, ran_us);
    atomic_fetch_add(&w->restarts, 1);
    obp_log(OBP_LOG_INFO, 0, 0, "respawning worker %d in %lld ms",
            s->index, (long long)(s->backoff_us / 1000));
    if (s->backoff_us > 0) {
        ev_timer_set(&s->respawn, (double)s->backoff_us / 1e6, 0.);
        ev_timer_start(m->loop, &s->respawn);
    } else if (spawn(m, s) != OBP_OK) {
        schedule_respawn(m, s, 0);  /* now with a delay: no recursion */
    }
}

void
obp_proc_spawn_all(struct obp_master *m)
{
    for (int i = 0; i < m->nslots; i++) {
        if (m->slots[i].pid == 0 && spawn(m, &m->slots[i]) != OBP_OK)
            schedule_respawn(m, &m->slots[i], 0);
    }
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_master *m = w->data;
    struct obp_slot   *s = (struct obp_slot *)
        ((char *)w - offsetof(struct obp_slot, respawn));

    if (m->stop.mode != OBP_STOP_NONE || s->pid != 0)
        return;
    if (spawn(m, s) != OBP_OK)
        schedule_respawn(m, s, 0);
}

void
obp_proc_log_exit(const struct obp_master *m, const char *what, pid_t pid,
                  int status)
{
    bool stopping = m->stop.mode != OBP_STOP_NONE
                    || obp_upgrade_holds_slots(m);

    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);

        obp_log(stopping ? OBP_LOG_WARN : OBP_LOG_ERROR, 0, 0,
                "%s (pid %ld) was killed by signal %d (%s)", what,
                (long)pid, sig, strsignal(sig));
    } else {
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : status;

        obp_log(stopping && code == 0 ? OBP_LOG_INFO : OBP_LOG_WARN, 0, 0,
                "%s (pid %ld) exited with status %d", what, (long)pid,
                code);
    }
}

/* Empties the slot, in the segment too; gauges of a dead worker are 0. */
static void
clear_slot(struct obp_master *m, struct obp_slot *s)
{
    struct obp_shm_worker  *w = obp_proc_shm(m, s->index);
    struct obp_shm_sqlstat *st = obp_shm_sqlstat(&m->shm, m->shm_base
                                                 + (unsigned)s->index);

    if (s->chan_fd != -1)
        close(s->chan_fd);
    s->chan_fd = -1;
    s->pid = 0;
    atomic_store(&w->pid, 0);
    atomic_store(&w->state, (uint32_t)OBP_WORKER_EMPTY);
    obp_route_reader_gone(&m->shm, m->shm_base + (unsigned)s->index);
    for (int i = 0; i < OBP_STAT_COUNT; i++) {
        if (obp_stat_descs[i].kind == OBP_STAT_GAUGE)
            atomic_store_explicit(&w->stat[i], 0, memory_order_relaxed);
    }
    for (int i = 0; i < OBP_SHM_SRV_COUNTED; i++) {
        atomic_store_explicit(&w->srv_open[i], 0, memory_order_relaxed);
        atomic_store_explicit(&w->srv_parked[i], 0, memory_order_relaxed);
    }
    if (st != NULL)
        obp_sqlstat_gauges_clear(st->row, OBP_SQLSTAT_ROWS);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    struct obp_master *m = w->data;
    struct obp_slot   *s = (struct obp_slot *)
        ((char *)w - offsetof(struct obp_slot, child));
    int64_t            ran_us = obp_now_us() - s->started_us;
    char               what[32];

    ev_child_stop(loop, w);
    snprintf(what, sizeof(what), "worker %d", s->index);
    obp_proc_log_exit(m, what, s->pid, w->rstatus);
    obp_upgrade_worker_died(m, s, w->rstatus);
    clear_slot(m, s);
    if (m->stop.mode != OBP_STOP_NONE)
        obp_stop_check(m);
    else if (!obp_upgrade_holds_slots(m))
        schedule_respawn(m, s, ran_us);
}

int
obp_proc_live(const struct obp_master *m)
{
    int n = 0;

    for (int i = 0; i < m->nslots; i++)
        n += m->slots[i].pid != 0;
    return n;
}

static void
kill_one(const struct obp_slot *s, int signo, int level)
{
    obp_log(level, 0, 0, "sending %s to worker %d (pid %ld)",
            signo == SIGKILL ? "SIGKILL" : "SIGTERM", s->index, (long)s->pid);
    if (kill(s->pid, signo) == -1 && errno != ESRCH)
        obp_log(OBP_LOG_ERROR, 0, errno, "cannot signal worker %d (pid %ld)",
                s->index, (long)s->pid);
}

int
obp_proc_send_all(struct obp_master *m, uint32_t cmd, const void *payload,
                  size_t len, bool term_on_fail)
{
    const char *name = cmd < OBP_NELEMS(chan_names) ? chan_names[cmd] : "?";
    int         failures = 0;

    for (int i = 0; i < m->nslots; i++) {
        struct obp_slot *s = &m->slots[i];
        int              rc;

        if (s->pid == 0)
            continue;
        rc = obp_chan_send(s->chan_fd, cmd, payload, len);
        if (rc == OBP_OK)
            continue;
        /* it closed its end: exiting, its exit is on the way (child_cb) */
        if (rc == OBP_ERROR && (errno == EPIPE || errno == ECONNRESET)) {
            obp_log(OBP_LOG_DEBUG, 0, errno, "%s not sent to worker %d "
                    "(pid %ld): it is exiting", name, s->index, (long)s->pid);
            continue;
        }
        failures++;
        if (rc == OBP_AGAIN)
            obp_log(OBP_LOG_WARN, 0, 0, "cannot send %s to worker %d "
                    "(pid %ld): its channel is full", name, s->index,
                    (long)s->pid);
        else
            obp_log(OBP_LOG_WARN, 0, errno, "cannot send %s to worker %d "
                    "(pid %ld)", name, s->index, (long)s->pid);
        if (term_on_fail)
            kill_one(s, SIGTERM, OBP_LOG_WARN);
    }
    return failures;
}

void
obp_proc_kill_all(struct obp_master *m, int signo, int level)
{
    for (int i = 0; i < m->nslots; i++) {
        if (m->slots[i].pid != 0)
            kill_one(&m->slots[i], signo, level);
    }
}

void
obp_proc_cancel_respawns(struct obp_master *m)
{
    for (int i = 0; i < m->nslots; i++)
        ev_timer_stop(m->loop, &m->slots[i].respawn);
}

void
obp_proc_free(struct obp_master *m)
{
    if (m->slots == NULL)
        return;
    if (m->loop != NULL)
        drop_slots(m);
    free(m->slots);
    m->slots = NULL;
}
