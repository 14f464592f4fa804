/*
 * The monitor process, the master's side (the child runs
 * obp_monitor_main(), monitor/).  Spawned after the workers, respawned
 * with the workers' back-off when it dies, told what the workers are told
 * (stop, configuration, reopen logs; DRAIN and RESUME around a hot
 * upgrade, so the old generation's monitor lets the new one take the
 * /metrics port), stopped with the master, shown by obproxyctl status.
 * Each generation has its own: the old one exits with its master.
 */
#ifndef OBP_MASTER_MONPROC_H
#define OBP_MASTER_MONPROC_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct obp_master;
struct obp_ctl_conn;

struct obp_monproc {
    pid_t    pid;           /* 0 when there is none */
    int      chan_fd;       /* the master's end, -1 when none */
    int64_t  started_us;    /* monotonic */
    int64_t  backoff_us;    /* delay before the next respawn */
    uint64_t restarts;
    ev_child child;
    ev_timer respawn;
};

void obp_monproc_init(struct obp_master *m);

/* Forks the monitor; a failed fork is retried later. */
void obp_monproc_spawn(struct obp_master *m);

bool obp_monproc_live(const struct obp_master *m);

/* Sends <cmd>; with <term_on_fail>, SIGTERM when it cannot be told. */
void obp_monproc_send(struct obp_master *m, uint32_t cmd,
                      const void *payload, size_t len, bool term_on_fail);

void obp_monproc_kill(struct obp_master *m, int signo, int level);

void obp_monproc_cancel_respawn(struct obp_master *m);

/* The "monitor: pid N, state S, restarts R" line of obproxyctl status. */
void obp_monproc_status(struct obp_master *m, struct obp_ctl_conn *c);

/* Stops the watchers, closes the channel; the monitor is not told. */
void obp_monproc_drop(struct obp_master *m);

#endif
