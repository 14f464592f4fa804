/*
 * Hot upgrade, both sides of it.
 *
 * The old master (USR2, or obproxyctl upgrade [BINARY]) forks and execs
 * the binary, handing over every listening socket, the shared segment
 * and one end of a SOCK_SEQPACKET pair by inheritance: the environment
 * variable OBPROXY_INHERITED_FD names them, and only they lose close-on-exec.
 * The new master (started with that variable) keeps the segment when its
 * layout matches and creates a fresh one otherwise, forks its workers on
 * the same sockets, and once every one of them accepts it writes the pid
 * file, binds the control socket and says READY on the pair.  The old
 * master then renames itself obproxy.pid.oldbin, tells its workers to
 * drain (OBP_CHAN_DRAIN: the sockets stay open, so no queued client is
 * reset) and watches the new one for hot_upgrade_rollback_timeout: if it
 * exits, says FAILED (checks, a worker crashed) or is rolled back by
 * hand, the old workers accept again (the drained ones are respawned)
 * and the new master is told to stop gracefully.  At the end of the
 * window, on obproxyctl commit or on WINCH, the old master stops.
 *
 * A stop inside the window stops every generation: the master that
 * serves (the new one, or the old one while the new one does not serve
 * yet) tells the other one to stop too and exits only after it, so
 * obproxyctl stop returns once both are gone.  A stop sent to an old
 * master that has handed over ends that generation alone, as a commit.
 *
 * The segment has two halves of worker slots; the generations alternate
 * between them (and the session ids' upgrade bit with them), so both can
 * run at once on one segment.
 */
#ifndef OBP_MASTER_UPGRADE_H
#define OBP_MASTER_UPGRADE_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct obp_master;
struct obp_errs;
struct obp_slot;
struct obp_ctl_conn;

/* ODP's name; here "0:5;0:6;1:7;1:8;shm:9;chan:10;pid:123;half:1;..." */
#define OBP_UPGRADE_ENV     "OBPROXY_INHERITED_FD"
#define OBP_UPGRADE_ENV_MAX (256 + OBP_SHM_MAX_WORKERS * 2 * 16)
#define OBP_UPGRADE_WHY_MAX 256

enum obp_up_state {
    OBP_UP_NONE = 0,
    OBP_UP_STARTING,    /* old: the new master does not serve yet */
    OBP_UP_HANDED,      /* old: the new one serves, ours drain */
    OBP_UP_INHERITED,   /* new: forked by the old master, not serving */
    OBP_UP_WATCHED      /* new: serving, the old master still runs */
};

struct obp_upgrade {
    enum obp_up_state state;
    int               half;         /* our half of the segment's slots */
    pid_t             peer;         /* the other master, or 0 */
    char              peer_version[32];
    int               chan_fd;      /* to the other master, -1 */
    ev_io             chan_io;
    ev_child          child;        /* old: the new master */
    ev_timer          timer;        /* ready deadline, rollback window */
    ev_timer          poll;         /* new: are the workers accepting? */
    int64_t           began_us;     /* wall clock of the last upgrade */
    bool              forked;       /* the channel leads to a new master
                                       we forked (we are the old one) */
    bool              stop_sent;    /* told the other master to stop: our
                                       stop waits for its exit */
    char              last[OBP_UPGRADE_WHY_MAX + 64]; /* its outcome */
    /* inherited by a new master, until launch() takes them */
    int               shm_fd;
    int              *listen_fds;   /* malloc'd, slots * per */
    int               nfds;
    int               nslots;
    int               per_slot;
    int               in_slot;      /* while parsing: fds of the last slot */
};

/*
 * In main() before anything else: reads OBPROXY_INHERITED_FD if set (then
 * this process is the new master) and removes it from the environment.
 * OBP_ERROR (with the reason in <errs>) when it is malformed.
 */
int obp_upgrade_env(struct obp_master *m, struct obp_errs *errs);

/* This master was started by a hot upgrade (OBPROXY_INHERITED_FD). */
bool obp_upgrade_inherited(const struct obp_master *m);

/* Before the loop runs: the watchers (either side). */
void obp_upgrade_init(struct obp_master *m);

/* New master: the inherited listening sockets into m->listeners. */
int obp_upgrade_listeners(struct obp_master *m, struct obp_errs *errs);

/*
 * The shared segment: the inherited one when it fits this binary and
 * configuration, else a fresh one (and the reason logged).
 */
int obp_upgrade_shm(struct obp_master *m, struct obp_errs *errs);

/* After the workers are forked: starts waiting for them (new master). */
void obp_upgrade_launched(struct obp_master *m);

/* A new master that cannot start tells the old one why before exiting. */
void obp_upgrade_start_failed(struct obp_master *m,
                              const struct obp_errs *errs);

/* Old master: starts an upgrade to <binary> (NULL: our own path). */
int obp_upgrade_begin(struct obp_master *m, const char *binary,
                      const char *from, char *why, size_t cap);

/* Either master: ends the old generation now. */
int obp_upgrade_commit(struct obp_master *m, const char *from, char *why,
                       size_t cap);

/* Either master, while both run: the old generation serves again. */
int obp_upgrade_rollback(struct obp_master *m, const char *from, char *why,
                         size_t cap);

/* stop.c: a stop begins (or turns fast); the other generation follows. */
void obp_upgrade_stop(struct obp_master *m, bool fast);

/* stop.c: the other master, told to stop, has not exited yet. */
bool obp_upgrade_stop_waits(const struct obp_master *m);

/* process.c: whether an emptied slot must stay empty (old, HANDED). */
bool obp_upgrade_holds_slots(const struct obp_master *m);

/* process.c: a worker died; a new master in its window reports it. */
void obp_upgrade_worker_died(struct obp_master *m, const struct obp_slot *s,
                             int status);

/* In a worker child: closes what belongs to the masters only. */
void obp_upgrade_close_in_child(struct obp_master *m);

/* Status lines (generations, versions, the last outcome). */
void obp_upgrade_status(struct obp_master *m, struct obp_ctl_conn *c);

/* At exit. */
void obp_upgrade_free(struct obp_master *m);

/* Between upgrade.c (old side) and upgrade_new.c (new side) only. */
void obp_upgrade_chan_start(struct obp_master *m);
void obp_upgrade_init_poll(struct obp_master *m);
void obp_upgrade_send(struct obp_master *m, uint32_t cmd, const char *text);
void obp_upgrade_new_msg(struct obp_master *m, uint32_t cmd,
                         const char *text);
void obp_upgrade_set_last(struct obp_master *m, const char *fmt, ...)
    OBP_PRINTF(2, 3);
void obp_upgrade_stop_with(struct obp_master *m, const char *mode);

#endif
