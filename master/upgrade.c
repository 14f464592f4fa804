/*
 * Hot upgrade, the old master's side (upgrade.h): fork and exec of the
 * new binary with what it inherits, then READY -> drain, or a failure
 * -> rollback, and commit at the end of hot_upgrade_rollback_timeout.
 * The channel to the other master is read here for both sides.
 */
#include "master.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define UP_KILL_EXTRA_S 5.0     /* a rolled back master ignoring QUIT */
#define UP_CHAN_BATCH   8

static void
oldbin_path(const struct obp_master *m, char *out, size_t cap)
{
    snprintf(out, cap, "%s.oldbin", m->pid_path);
}

void
obp_upgrade_set_last(struct obp_master *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->up.last, sizeof(m->up.last), fmt, ap);
    va_end(ap);
}

bool
obp_upgrade_inherited(const struct obp_master *m)
{
    return m->up.state == OBP_UP_INHERITED || m->up.state == OBP_UP_WATCHED;
}

bool
obp_upgrade_holds_slots(const struct obp_master *m)
{
    return m->up.state == OBP_UP_HANDED;
}

static void
chan_close(struct obp_master *m)
{
    if (m->up.chan_fd == -1)
        return;
    if (m->loop != NULL)
        ev_io_stop(m->loop, &m->up.chan_io);
    close(m->up.chan_fd);
    m->up.chan_fd = -1;
}

void
obp_upgrade_send(struct obp_master *m, uint32_t cmd, const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;

    if (m->up.chan_fd == -1)
        return;
    if (obp_chan_send(m->up.chan_fd, cmd, text, len) != OBP_OK)
        obp_log(OBP_LOG_WARN, 0, errno, "hot upgrade: cannot tell the "
                "other master (pid %ld)", (long)m->up.peer);
}

static void
arm(struct obp_master *m, double seconds)
{
    ev_timer_stop(m->loop, &m->up.timer);
    ev_timer_set(&m->up.timer, seconds, 0.);
    ev_timer_start(m->loop, &m->up.timer);
}

static double
exit_timeout_s(const struct obp_master *m)
{
    return (double)m->conf->hot_upgrade_exit_timeout / 1e6;
}

/* The control socket's name leads to the new master, not to us. */
static bool
ctl_lost(const struct obp_master *m)
{
    struct stat st;

    return m->ctl.fd == -1 || stat(m->sock_path, &st) == -1
           || st.st_dev != m->ctl.dev || st.st_ino != m->ctl.ino;
}

/*
 * Once the rolled back master has exited.  It removes the socket file at
 * exit if the name still leads to its inode, and a socket bound before
 * could get the inode number it just freed; it may also have written the
 * pid file after take_back() and removed it.
 */
static void
reclaim(struct obp_master *m)
{
    struct obp_errs errs = { 0 };

    if (ctl_lost(m)) {
        obp_ctl_close(m, false);
        (void)obp_ctl_open(m, &errs);
    }
    (void)obp_pidfile_write(m->pid_path, m->pid, &errs);
    if (errs.count > 0)
        obp_log(OBP_LOG_ERROR, 0, 0, "hot upgrade rollback: %s", errs.text);
    obp_errs_free(&errs);
}

/* We serve again: pid file, workers in every slot, control socket. */
static void
take_back(struct obp_master *m)
{
    struct obp_errs errs = { 0 };
    char            oldbin[PATH_MAX + 8];

    if (obp_pidfile_write(m->pid_path, m->pid, &errs) == OBP_OK) {
        oldbin_path(m, oldbin, sizeof(oldbin));
        obp_pidfile_remove(oldbin, m->pid);
    } else {
        obp_log(OBP_LOG_ERROR, 0, 0, "hot upgrade rollback: %s", errs.text);
    }
    obp_errs_free(&errs);
    obp_proc_send_all(m, OBP_CHAN_RESUME, NULL, 0, false);
    obp_monproc_send(m, OBP_CHAN_RESUME, NULL, 0, false);
    obp_proc_spawn_all(m);
    obp_monproc_spawn(m);
    if (m->up.peer == 0)
        reclaim(m);
}

/* The old generation serves on; the new master is told to stop. */
static void
roll_back(struct obp_master *m, const char *why)
{
    obp_log(OBP_LOG_ERROR, 0, 0, "hot upgrade failed: %s; rolling back, "
            "pid %ld serves on", why, (long)m->pid);
    obp_upgrade_set_last(m, "failed: %s; rolled back", why);
    obp_ctl_answer(m, "failed: %s; rolled back", why);
    chan_close(m);
    m->up.state = OBP_UP_NONE;
    if (m->up.peer != 0) {
        if (kill(m->up.peer, SIGQUIT) == -1 && errno != ESRCH)
            obp_log(OBP_LOG_WARN, 0, errno, "cannot stop the new master "
                    "(pid %ld)", (long)m->up.peer);
        arm(m, exit_timeout_s(m) + UP_KILL_EXTRA_S);
    } else {
        ev_timer_stop(m->loop, &m->up.timer);
    }
    take_back(m);
}

/* The new generation serves: ours stops accepting and drains. */
static void
handed(struct obp_master *m, const char *version)
{
    struct obp_errs errs = { 0 };
    char            oldbin[PATH_MAX + 8];
    uint8_t         drain[4];
    struct obp_wr   wr;
    double          window = (double)m->conf->hot_upgrade_rollback_timeout
                             / 1e6;

    m->up.state = OBP_UP_HANDED;
    obp_strlcpy(m->up.peer_version, version, sizeof(m->up.peer_version));
    /* the workers hand their idle sessions to the new one's (handoff.h) */
    obp_wr_init(&wr, drain, sizeof(drain));
    obp_wr_u32(&wr, (uint32_t)m->up.peer);
    oldbin_path(m, oldbin, sizeof(oldbin));
    if (obp_pidfile_write(oldbin, m->pid, &errs) != OBP_OK)
        obp_log(OBP_LOG_WARN, 0, 0, "hot upgrade: %s", errs.text);
    obp_errs_free(&errs);
    obp_proc_cancel_respawns(m);
    obp_monproc_cancel_respawn(m);
    obp_proc_send_all(m, OBP_CHAN_DRAIN, drain, sizeof(drain), false);
    obp_monproc_send(m, OBP_CHAN_DRAIN, NULL, 0, false);
    obp_upgrade_set_last(m, "in progress: pid %ld (version %s) serves, "
                         "pid %ld drains", (long)m->up.peer, version,
                         (long)m->pid);
    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: pid %ld (version %s) "
            "serves; the old workers drain; rollback possible for %.1f s",
            (long)m->up.peer, version, window);
    obp_ctl_answer(m, "ok: pid %ld (version %s) serves, pid %ld drains",
                   (long)m->up.peer, version, (long)m->pid);
    arm(m, window);
}

static void
committed(struct obp_master *m, const char *from)
{
    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade committed (%s): pid %ld "
            "(version %s) serves, the old generation exits", from,
            (long)m->up.peer, m->up.peer_version);
    obp_upgrade_set_last(m, "committed (%s)", from);
    ev_timer_stop(m->loop, &m->up.timer);
    m->up.state = OBP_UP_NONE;
    m->up.peer = 0;     /* the new master lives on: never signal it */
    /* the channel stays open: its end of file tells the new master */
    obp_stop_begin(m, OBP_STOP_GRACEFUL);
}

/*
 * The other master stops (<mode>, "fast" or "graceful") and tells us:
 * this generation stops too, neither rolled back nor committed.  An old
 * generation's sessions held for the new one drain instead.
 */
void
obp_upgrade_stop_with(struct obp_master *m, const char *mode)
{
    bool               old = m->up.forked;
    enum obp_stop_mode want = strcmp(mode, "fast") == 0 ? OBP_STOP_FAST
                                                        : OBP_STOP_GRACEFUL;

    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: the %s master (pid %ld) "
            "stops (%s): this generation stops too", old ? "new" : "old",
            (long)m->up.peer, mode);
    obp_upgrade_set_last(m, "stopped with the %s generation",
                         old ? "new" : "old");
    ev_timer_stop(m->loop, &m->up.timer);
    m->up.state = OBP_UP_NONE;
    if (old)
        obp_proc_send_all(m, OBP_CHAN_DRAIN, NULL, 0, false);
    if (m->stop.mode < want)
        obp_stop_begin(m, want);
}

void
obp_upgrade_stop(struct obp_master *m, bool fast)
{
    struct obp_upgrade *up = &m->up;
    bool                starting = up->state == OBP_UP_STARTING;

    /* only the generation that serves takes the other one with it */
    if ((!starting && up->state != OBP_UP_WATCHED && !up->stop_sent)
        || up->peer == 0 || up->chan_fd == -1)
        return;
    if (!up->stop_sent)
        obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: the %s generation (pid "
                "%ld) stops too", starting ? "new" : "old", (long)up->peer);
    obp_upgrade_send(m, OBP_CHAN_UP_STOP, fast ? "fast" : "graceful");
    up->stop_sent = true;
    if (!starting)
        return;
    /* its exit is no failure to roll back from */
    ev_timer_stop(m->loop, &up->timer);
    up->state = OBP_UP_NONE;
    obp_upgrade_set_last(m, "stopped before the new master served");
    obp_ctl_answer(m, "failed: obproxy is stopping");
}

bool
obp_upgrade_stop_waits(const struct obp_master *m)
{
    return m->up.stop_sent && m->up.peer != 0;
}

static void
old_msg(struct obp_master *m, uint32_t cmd, const char *text)
{
    char why[OBP_UPGRADE_WHY_MAX + 64];

    switch (cmd) {
    case OBP_CHAN_UP_READY:
        if (m->up.state == OBP_UP_STARTING)
            handed(m, text);
        break;
    case OBP_CHAN_UP_FAILED:
        snprintf(why, sizeof(why), "the new master (pid %ld): %s",
                 (long)m->up.peer, text);
        roll_back(m, why);
        break;
    case OBP_CHAN_UP_COMMIT:
        if (m->up.state == OBP_UP_HANDED)
            committed(m, "obproxyctl commit");
        break;
    case OBP_CHAN_UP_ROLLBACK:
        roll_back(m, "rolled back by hand (obproxyctl rollback)");
        break;
    case OBP_CHAN_UP_STOP:
        if (m->up.state == OBP_UP_STARTING || m->up.state == OBP_UP_HANDED)
            obp_upgrade_stop_with(m, text);
        break;
    default:
        obp_log(OBP_LOG_WARN, 0, 0, "hot upgrade: unknown message %u from "
                "pid %ld", cmd, (long)m->up.peer);
        break;
    }
}

static void
chan_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_master *m = w->data;
    char               text[OBP_UPGRADE_WHY_MAX + 1];
    uint32_t           cmd;
    ssize_t            n;
    bool               old = m->up.forked;

    for (int i = 0; i < UP_CHAN_BATCH && m->up.chan_fd != -1; i++) {
        n = obp_chan_recv(m->up.chan_fd, &cmd, text, sizeof(text) - 1);
        if (n == OBP_AGAIN)
            return;
        if (n < 0) {
            /* old: the new master's exit comes next (child_cb) */
            chan_close(m);
            if (!old)
                obp_upgrade_new_msg(m, 0, NULL);
            return;
        }
        text[n] = '\0';
        if (old)
            old_msg(m, cmd, text);
        else
            obp_upgrade_new_msg(m, cmd, text);
    }
}

void
obp_upgrade_chan_start(struct obp_master *m)
{
    ev_io_init(&m->up.chan_io, chan_cb, m->up.chan_fd, EV_READ);
    m->up.chan_io.data = m;
    ev_io_start(m->loop, &m->up.chan_io);
}

static void
describe_exit(int status, char *out, size_t cap)
{
    if (WIFSIGNALED(status))
        snprintf(out, cap, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, cap, "exited with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : status);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    struct obp_master *m = w->data;
    char               how[96], why[OBP_UPGRADE_WHY_MAX];
    bool               serving;

    ev_child_stop(loop, w);
    describe_exit(w->rstatus, how, sizeof(how));
    m->up.peer = 0;
    /* what it said before exiting (FAILED: why) comes first */
    if (m->up.chan_fd != -1)
        chan_cb(loop, &m->up.chan_io, EV_READ);
    serving = m->up.state == OBP_UP_HANDED;
    if (m->up.state == OBP_UP_STARTING || serving) {
        snprintf(why, sizeof(why), "the new master (pid %d) %s%s", w->rpid,
                 how, serving ? "" : " before serving");
        roll_back(m, why);
        return;
    }
    ev_timer_stop(loop, &m->up.timer);
    obp_log(OBP_LOG_INFO, 0, 0, "the new master (pid %d) %s", w->rpid,
            how);
    if (m->stop.mode == OBP_STOP_NONE)
        reclaim(m);
    obp_stop_check(m);      /* a stop may have waited for it */
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_master *m = w->data;
    char               why[96];

    if (m->up.state == OBP_UP_STARTING) {
        snprintf(why, sizeof(why), "the new master did not serve within "
                 "%.1f s", (double)m->conf->hot_upgrade_rollback_timeout
                           / 1e6);
        roll_back(m, why);
    } else if (m->up.state == OBP_UP_HANDED) {
        committed(m, "hot_upgrade_rollback_timeout passed");
    } else if (m->up.peer != 0) {
        obp_log(OBP_LOG_WARN, 0, 0, "the rolled back master (pid %ld) is "
                "still running, killing it", (long)m->up.peer);
        if (kill(m->up.peer, SIGKILL) == -1 && errno != ESRCH)
            obp_log(OBP_LOG_WARN, 0, errno, "kill %ld", (long)m->up.peer);
    }
}

/* The fds the new master inherits, named in OBPROXY_INHERITED_FD. */
static int
make_env(const struct obp_master *m, int chan, char *buf, size_t cap)
{
    const struct obp_listeners *ls = &m->listeners;
    size_t                      len = 0;
    int                         n;

    for (int s = 0; s < ls->nslots; s++) {
        for (int i = 0; i < ls->slots[s].n; i++) {
            n = snprintf(buf + len, cap - len, "%d:%d;", s,
                         ls->slots[s].fd[i]);
            if (n < 0 || (size_t)n >= cap - len)
                return OBP_ERROR;
            len += (size_t)n;
        }
    }
    n = snprintf(buf + len, cap - len, "shm:%d;chan:%d;pid:%ld;half:%d;"
                 "version:%s", m->shm.fd, chan, (long)m->pid, 1 - m->up.half,
                 OBP_VERSION_STRING);
    return n > 0 && (size_t)n < cap - len ? OBP_OK : OBP_ERROR;
}

static int
inheritable(int fd)
{
    int flags = fcntl(fd, F_GETFD);

    return flags == -1 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* The forked child: only the named fds survive the exec. */
static OBP_NORETURN void
exec_new(struct obp_master *m, const char *binary, int chan)
{
    const struct obp_listeners *ls = &m->listeners;
    char                        env[OBP_UPGRADE_ENV_MAX];
    sigset_t                    none;
    int                         bad = 0;

    bad |= inheritable(chan) | inheritable(m->shm.fd);
    for (int s = 0; s < ls->nslots; s++)
        for (int i = 0; i < ls->slots[s].n; i++)
            bad |= inheritable(ls->slots[s].fd[i]);
    if (bad != 0 || make_env(m, chan, env, sizeof(env)) != OBP_OK
        || setenv(OBP_UPGRADE_ENV, env, 1) == -1)
        _exit(126);
    /* libev may have blocked the signals it watches */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (m->cwd[0] != '\0' && chdir(m->cwd) == -1)
        _exit(126);
    execv(binary, m->argv);
    _exit(127);
}

static int
refuse(char *why, size_t cap, const char *fmt, long pid)
{
    snprintf(why, cap, fmt, pid);
    return OBP_ERROR;
}

/* A worker of the half the next generation would use, still alive. */
static pid_t
other_half_busy(const struct obp_master *m)
{
    unsigned base = (unsigned)(1 - m->up.half) * (unsigned)m->nslots;

    for (unsigned i = 0; i < (unsigned)m->nslots; i++) {
        struct obp_shm_worker *w = obp_shm_worker(&m->shm, base + i);
        pid_t                  pid = w != NULL ? atomic_load(&w->pid) : 0;

        if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM))
            return pid;
    }
    return 0;
}

static int
check_idle(const struct obp_master *m, char *why, size_t cap)
{
    if (m->stop.mode != OBP_STOP_NONE)
        return refuse(why, cap, "obproxy is stopping", 0);
    if (m->up.state == OBP_UP_STARTING || m->up.state == OBP_UP_HANDED)
        return refuse(why, cap, "an upgrade is under way (new master pid "
                      "%ld): commit or roll back first", (long)m->up.peer);
    if (obp_upgrade_inherited(m))
        return refuse(why, cap, "the old generation (pid %ld) still runs: "
                      "commit or roll back first", (long)m->up.peer);
    if (m->up.peer != 0)
        return refuse(why, cap, "the rolled back master (pid %ld) has not "
                      "exited yet", (long)m->up.peer);
    if (other_half_busy(m) != 0)
        return refuse(why, cap, "a worker of the previous generation (pid "
                      "%ld) still drains", (long)other_half_busy(m));
    return OBP_OK;
}

static void
started(struct obp_master *m, pid_t pid, int chan, const char *binary,
        const char *from)
{
    m->up.state = OBP_UP_STARTING;
    m->up.forked = true;
    m->up.peer = pid;
    m->up.peer_version[0] = '\0';
    m->up.chan_fd = chan;
    m->up.began_us = obp_wallclock_us();
    obp_upgrade_chan_start(m);
    ev_child_init(&m->up.child, child_cb, pid, 0);
    m->up.child.data = m;
    ev_child_start(m->loop, &m->up.child);
    arm(m, (double)m->conf->hot_upgrade_rollback_timeout / 1e6);
    obp_upgrade_set_last(m, "in progress: %s started as pid %ld", binary,
                         (long)pid);
    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade (%s): started %s as pid %ld",
            from, binary, (long)pid);
}

int
obp_upgrade_begin(struct obp_master *m, const char *binary, const char *from,
                  char *why, size_t cap)
{
    const char *path = binary != NULL && *binary != '\0' ? binary : m->exe;
    int         fds[2];
    pid_t       pid;

    if (check_idle(m, why, cap) != OBP_OK)
        return OBP_ERROR;
    if (access(path, X_OK) == -1) {
        snprintf(why, cap, "cannot execute %s: %s", path, strerror(errno));
        return OBP_ERROR;
    }
    if (obp_chan_pair(fds) != OBP_OK) {
        snprintf(why, cap, "socketpair: %s", strerror(errno));
        return OBP_ERROR;
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        exec_new(m, path, fds[1]);
    }
    close(fds[1]);
    if (pid == -1) {
        snprintf(why, cap, "fork: %s", strerror(errno));
        close(fds[0]);
        return OBP_ERROR;
    }
    started(m, pid, fds[0], path, from);
    return OBP_OK;
}

int
obp_upgrade_commit(struct obp_master *m, const char *from, char *why,
                   size_t cap)
{
    switch (m->up.state) {
    case OBP_UP_HANDED:
        committed(m, from);
        return OBP_OK;
    case OBP_UP_STARTING:
        return refuse(why, cap, "the new master (pid %ld) does not serve "
                      "yet", (long)m->up.peer);
    case OBP_UP_INHERITED:
    case OBP_UP_WATCHED:
        obp_upgrade_send(m, OBP_CHAN_UP_COMMIT, NULL);
        snprintf(why, cap, "the old generation (pid %ld) exits",
                 (long)m->up.peer);
        return OBP_OK;
    default:
        return refuse(why, cap, "no upgrade under way", 0);
    }
}

int
obp_upgrade_rollback(struct obp_master *m, const char *from, char *why,
                     size_t cap)
{
    char text[OBP_UPGRADE_WHY_MAX];

    switch (m->up.state) {
    case OBP_UP_STARTING:
    case OBP_UP_HANDED:
        snprintf(text, sizeof(text), "rolled back by hand (%s)", from);
        roll_back(m, text);
        snprintf(why, cap, "pid %ld serves", (long)m->pid);
        return OBP_OK;
    case OBP_UP_INHERITED:
    case OBP_UP_WATCHED:
        obp_upgrade_send(m, OBP_CHAN_UP_ROLLBACK, NULL);
        snprintf(why, cap, "the old generation (pid %ld) serves again, "
                 "this one stops", (long)m->up.peer);
        return OBP_OK;
    default:
        return refuse(why, cap, "no upgrade under way", 0);
    }
}

void
obp_upgrade_init(struct obp_master *m)
{
    ev_init(&m->up.timer, timer_cb);
    m->up.timer.data = m;
    ev_init(&m->up.chan_io, chan_cb);
    m->up.chan_io.data = m;
    ev_init(&m->up.child, child_cb);
    m->up.child.data = m;
    obp_upgrade_init_poll(m);
}

void
obp_upgrade_free(struct obp_master *m)
{
    char oldbin[PATH_MAX + 8];

    chan_close(m);
    if (m->loop != NULL) {
        ev_timer_stop(m->loop, &m->up.timer);
        ev_timer_stop(m->loop, &m->up.poll);
        ev_child_stop(m->loop, &m->up.child);
    }
    free(m->up.listen_fds);
    m->up.listen_fds = NULL;
    if (m->pid != 0) {
        oldbin_path(m, oldbin, sizeof(oldbin));
        obp_pidfile_remove(oldbin, m->pid);
    }
}
