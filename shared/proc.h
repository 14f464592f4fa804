/*
 * The boundary between the master and its children.  The master forks and
 * the child calls obp_worker_main(), implemented in worker/, or
 * obp_monitor_main(), implemented in monitor/; this header is the only
 * thing the sides share about each other.
 */
#ifndef OBP_SHARED_PROC_H
#define OBP_SHARED_PROC_H

#include <stdint.h>

struct obp_conf;
struct obp_shm;

#define OBP_MAX_LISTEN_PER_SLOT 2   /* IPv4 and IPv6 */

struct obp_worker_args {
    int              slot;          /* 0 .. nworkers-1 */
    int              half;          /* 0 or 1: the segment's half this
                                       generation uses (alternates across
                                       hot upgrades; the session ids'
                                       upgrade bit) */
    int              listen_fd[OBP_MAX_LISTEN_PER_SLOT];
    int              nlisten;
    int              chan_fd;       /* worker's end of the channel */
    struct obp_shm  *shm;           /* mapped by the master, inherited */
    struct obp_conf *conf;          /* the worker's copy, freed by it */
};

/* Runs a worker until it is told to stop; returns the exit status. */
int obp_worker_main(struct obp_worker_args *args);

/* The monitor process (monitor/monitor.h). */
struct obp_monitor_args {
    int              half;          /* this generation's half of the
                                       segment's worker slots */
    int              chan_fd;       /* the monitor's end of the channel */
    uint64_t         restarts;      /* respawns of the monitor so far */
    struct obp_shm  *shm;           /* mapped by the master, inherited */
    struct obp_conf *conf;          /* the monitor's copy, freed by it */
};

/* Runs the monitor until it is told to stop; returns the exit status. */
int obp_monitor_main(struct obp_monitor_args *args);

#endif
