/*
 * Hot upgrade, the new master's side (upgrade.h): what it inherits
 * (OBPROXY_INHERITED_FD), the segment kept or made afresh, READY once every
 * worker accepts, FAILED when a worker crashes while the old generation
 * still runs, and the status lines of both sides.
 */
#include "master.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UP_POLL_S   0.01    /* how often the workers' states are read */
#define UP_ENV_MAX  OBP_UPGRADE_ENV_MAX

/* Ours alone from now on: a later upgrade names them again. */
static int
keep_fd(long fd)
{
    if (fd < 0 || fd > INT32_MAX
        || fcntl((int)fd, F_SETFD, FD_CLOEXEC) == -1)
        return OBP_ERROR;
    return OBP_OK;
}

/*
 * One "slot:fd" item.  The slots come in order, each with as many fds
 * as the first one (one per address family).
 */
static int
add_listen(struct obp_upgrade *up, long slot, long fd)
{
    int max = OBP_SHM_MAX_WORKERS * OBP_MAX_LISTEN_PER_SLOT;

    if (up->listen_fds == NULL)
        up->listen_fds = calloc((size_t)max, sizeof(int));
    if (up->listen_fds == NULL || up->nfds >= max || keep_fd(fd) != OBP_OK)
        return OBP_ERROR;
    if (slot == up->nslots) {                   /* the next slot */
        if (up->nslots == 1)
            up->per_slot = up->in_slot;
        if (up->nslots > 0 && up->in_slot != up->per_slot)
            return OBP_ERROR;
        up->nslots++;
        up->in_slot = 0;
    } else if (slot != up->nslots - 1) {
        return OBP_ERROR;
    }
    up->listen_fds[up->nfds++] = (int)fd;
    up->in_slot++;
    return OBP_OK;
}

static int
parse_item(struct obp_upgrade *up, const char *key, const char *val)
{
    char *end;
    long  v = strtol(val, &end, 10);

    if (strcmp(key, "version") == 0) {
        obp_strlcpy(up->peer_version, val, sizeof(up->peer_version));
        return OBP_OK;
    }
    if (end == val || *end != '\0')
        return OBP_ERROR;
    if (strcmp(key, "pid") == 0 && v > 0 && v <= INT32_MAX)
        up->peer = (pid_t)v;
    else if (strcmp(key, "half") == 0 && (v == 0 || v == 1))
        up->half = (int)v;
    else if (strcmp(key, "shm") == 0 && keep_fd(v) == OBP_OK)
        up->shm_fd = (int)v;
    else if (strcmp(key, "chan") == 0 && keep_fd(v) == OBP_OK)
        up->chan_fd = (int)v;
    else if (key[0] >= '0' && key[0] <= '9')
        return add_listen(up, strtol(key, NULL, 10), v);
    else
        return OBP_ERROR;
    return OBP_OK;
}

/* "0:5;0:6;1:7;1:8;shm:9;chan:10;pid:123;half:1;version:0.1.0" */
static int
parse_env(struct obp_upgrade *up, const char *env)
{
    char  buf[UP_ENV_MAX];
    char *save = NULL, *item, *colon;

    if (obp_strlcpy(buf, env, sizeof(buf)) >= sizeof(buf))
        return OBP_ERROR;
    for (item = strtok_r(buf, ";", &save); item != NULL;
         item = strtok_r(NULL, ";", &save)) {
        colon = strchr(item, ':');
        if (colon == NULL)
            return OBP_ERROR;
        *colon = '\0';
        if (parse_item(up, item, colon + 1) != OBP_OK)
            return OBP_ERROR;
    }
    if (up->nslots == 1)
        up->per_slot = up->in_slot;
    if (up->nslots == 0 || up->in_slot != up->per_slot
        || up->per_slot > OBP_MAX_LISTEN_PER_SLOT || up->peer == 0
        || up->shm_fd == -1)
        return OBP_ERROR;
    return OBP_OK;
}

int
obp_upgrade_env(struct obp_master *m, struct obp_errs *errs)
{
    const char *env = getenv(OBP_UPGRADE_ENV);

    m->up.chan_fd = -1;
    m->up.shm_fd = -1;
    if (env == NULL)
        return OBP_OK;
    m->up.state = OBP_UP_INHERITED;
    if (parse_env(&m->up, env) != OBP_OK) {
        obp_errs_add(errs, "%s is malformed: '%.200s'", OBP_UPGRADE_ENV,
                     env);
        return OBP_ERROR;
    }
    unsetenv(OBP_UPGRADE_ENV);
    return OBP_OK;
}

int
obp_upgrade_listeners(struct obp_master *m, struct obp_errs *errs)
{
    struct obp_upgrade *up = &m->up;
    int                 want = obp_conf_worker_count(m->conf);

    if (want != up->nslots)
        obp_log(OBP_LOG_WARN, 0, 0, "hot upgrade: keeping the %d worker "
                "slots of the listening sockets (the configuration asks "
                "for %d: that needs a restart)", up->nslots, want);
    m->nslots = up->nslots;
    return obp_listen_adopt(&m->listeners, m->conf, up->nslots, up->per_slot,
                            up->listen_fds, errs);
}

/* The inherited segment when it fits: OBP_OK, else why not in <why>. */
static int
attach(struct obp_master *m, uint32_t nworkers, uint64_t route_bytes,
       const char **why)
{
    struct obp_shm_hdr want;

    *why = "another layout version or a damaged header";
    if (obp_shm_attach(&m->shm, m->up.shm_fd) != OBP_OK)
        return OBP_ERROR;
    *why = "another worker count or route cache size";
    if (obp_shm_layout(&want, nworkers, route_bytes) != OBP_OK
        || want.total_size != m->shm.size
        || m->shm.hdr->nworkers != nworkers) {
        obp_shm_detach(&m->shm);
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_upgrade_shm(struct obp_master *m, struct obp_errs *errs)
{
    /* two halves of worker slots: the generations alternate (upgrade.h) */
    uint32_t    nworkers = 2 * (uint32_t)m->nslots;
    uint64_t    route_bytes = (uint64_t)m->conf->routing_cache_mem_limited;
    const char *why = NULL;

    if (m->up.shm_fd != -1) {
        if (attach(m, nworkers, route_bytes, &why) == OBP_OK) {
            uint64_t gen = atomic_fetch_add(&m->shm.hdr->generation, 1) + 1;

            obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: keeping the shared "
                    "segment (route cache, server table, stats), "
                    "generation %llu", (unsigned long long)gen);
            m->up.shm_fd = -1;
            m->shm_base = (unsigned)m->up.half * (unsigned)m->nslots;
            return OBP_OK;
        }
        close(m->up.shm_fd);
        m->up.shm_fd = -1;
        obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: a fresh shared segment: "
                "the inherited one has %s", why);
    }
    m->shm_base = (unsigned)m->up.half * (unsigned)m->nslots;
    if (obp_shm_create(&m->shm, nworkers, route_bytes) != OBP_OK) {
        obp_errs_add(errs, "cannot create the shared segment: %s",
                     strerror(errno));
        return OBP_ERROR;
    }
    return OBP_OK;
}

static bool
all_accepting(const struct obp_master *m)
{
    for (int i = 0; i < m->nslots; i++) {
        struct obp_shm_worker *w = obp_proc_shm(m, i);

        if (m->slots[i].pid == 0 || w == NULL
            || atomic_load(&w->pid) != (int32_t)m->slots[i].pid
            || atomic_load(&w->state) != OBP_WORKER_RUNNING)
            return false;
    }
    return true;
}

/* Every worker accepts: take the pid file and the control socket. */
static void
serving(struct obp_master *m)
{
    struct obp_errs errs = { 0 };

    ev_timer_stop(m->loop, &m->up.poll);
    if (obp_pidfile_write(m->pid_path, m->pid, &errs) != OBP_OK
        || obp_ctl_open(m, &errs) != OBP_OK) {
        obp_upgrade_send(m, OBP_CHAN_UP_FAILED, errs.text);
        obp_errs_free(&errs);
        return;
    }
    m->pidfile_written = true;
    m->up.state = OBP_UP_WATCHED;
    obp_upgrade_send(m, OBP_CHAN_UP_READY, OBP_VERSION_STRING);
    obp_upgrade_set_last(m, "in progress: serving, the old generation "
                         "(pid %ld, version %s) drains", (long)m->up.peer,
                         m->up.peer_version);
    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: serving; the old master "
            "(pid %ld, version %s) drains", (long)m->up.peer,
            m->up.peer_version);
}

static void
poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_master *m = w->data;

    if (m->up.state == OBP_UP_INHERITED && m->stop.mode == OBP_STOP_NONE
        && all_accepting(m))
        serving(m);
}

void
obp_upgrade_init_poll(struct obp_master *m)
{
    ev_timer_init(&m->up.poll, poll_cb, UP_POLL_S, UP_POLL_S);
    m->up.poll.data = m;
}

void
obp_upgrade_launched(struct obp_master *m)
{
    if (m->up.state != OBP_UP_INHERITED)
        return;
    if (m->up.chan_fd != -1)
        obp_upgrade_chan_start(m);
    ev_timer_start(m->loop, &m->up.poll);
}

void
obp_upgrade_new_msg(struct obp_master *m, uint32_t cmd, const char *text)
{
    if (text != NULL && cmd == OBP_CHAN_UP_STOP) {
        obp_upgrade_stop_with(m, text);
        return;
    }
    if (text != NULL) {
        obp_log(OBP_LOG_WARN, 0, 0, "hot upgrade: unexpected message %u "
                "from the old master", cmd);
        return;
    }
    /* end of file: the old master has exited, or rolled back */
    obp_log(OBP_LOG_INFO, 0, 0, "hot upgrade: the old master (pid %ld) "
            "closed the channel", (long)m->up.peer);
    obp_upgrade_set_last(m, "done: upgraded from version %s (pid %ld)",
                         m->up.peer_version, (long)m->up.peer);
    m->up.peer = 0;
    if (m->up.state == OBP_UP_WATCHED)
        m->up.state = OBP_UP_NONE;
    obp_stop_check(m);      /* a stop may have waited for it */
}

void
obp_upgrade_start_failed(struct obp_master *m, const struct obp_errs *errs)
{
    char line[OBP_UPGRADE_WHY_MAX];

    if (m->up.chan_fd == -1)
        return;
    snprintf(line, sizeof(line), "%.*s",
             errs->text != NULL ? (int)strcspn(errs->text, "\n") : 0,
             errs->text != NULL ? errs->text : "");
    obp_upgrade_send(m, OBP_CHAN_UP_FAILED,
                     line[0] != '\0' ? line : "it could not start");
}

void
obp_upgrade_worker_died(struct obp_master *m, const struct obp_slot *s,
                        int status)
{
    char why[OBP_UPGRADE_WHY_MAX];

    if (!obp_upgrade_inherited(m) || m->stop.mode != OBP_STOP_NONE
        || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return;
    if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "its worker %d (pid %ld) was killed by "
                 "signal %d (%s)", s->index, (long)s->pid, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof(why), "its worker %d (pid %ld) exited with "
                 "status %d", s->index, (long)s->pid, WEXITSTATUS(status));
    obp_upgrade_send(m, OBP_CHAN_UP_FAILED, why);
}

void
obp_upgrade_close_in_child(struct obp_master *m)
{
    if (m->up.chan_fd != -1)
        close(m->up.chan_fd);
    m->up.chan_fd = -1;
    ev_timer_stop(m->loop, &m->up.timer);
    ev_timer_stop(m->loop, &m->up.poll);
    ev_io_stop(m->loop, &m->up.chan_io);
    ev_child_stop(m->loop, &m->up.child);
}

void
obp_upgrade_status(struct obp_master *m, struct obp_ctl_conn *c)
{
    const struct obp_upgrade *up = &m->up;
    bool old = up->state == OBP_UP_STARTING || up->state == OBP_UP_HANDED;
    bool both = up->peer != 0 && up->state != OBP_UP_NONE;

    obp_ctl_reply(c, false, "generations: %d", both ? 2 : 1);
    if (both && old)
        obp_ctl_reply(c, false, "generation new: pid %ld, version %s, %s",
                      (long)up->peer, up->peer_version[0] != '\0'
                      ? up->peer_version : "(not known yet)",
                      up->state == OBP_UP_HANDED ? "serving" : "starting");
    obp_ctl_reply(c, false, "generation %s: pid %ld, version %s, %s",
                  both ? (old ? "old" : "new") : "current", (long)m->pid,
                  OBP_VERSION_STRING,
                  up->state == OBP_UP_HANDED ? "draining"
                  : up->state == OBP_UP_INHERITED ? "starting" : "serving");
    if (both && !old)
        obp_ctl_reply(c, false, "generation old: pid %ld, version %s, "
                      "draining", (long)up->peer, up->peer_version);
    if (up->last[0] != '\0')
        obp_ctl_reply(c, false, "upgrade: %s", up->last);
}
