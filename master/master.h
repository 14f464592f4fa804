/*
 * Umbrella header of the master (the obproxy supervisor): the shared
 * library, libev and every master module, then struct obp_master, the one
 * context every master function receives.  main.c owns the only instance.
 * Nothing here is visible to worker/.
 */
#ifndef OBP_MASTER_MASTER_H
#define OBP_MASTER_MASTER_H

#include "obp.h"

#include <ev.h>
#include <limits.h>

#include "cmdline.h"
#include "pidfile.h"
#include "listen.h"
#include "process.h"
#include "monproc.h"
#include "stop.h"
#include "signal.h"
#include "state.h"
#include "reload.h"
#include "ctl.h"
#include "routes.h"
#include "upgrade.h"

struct obp_master {
    struct obp_cmdline   cl;
    char                 root[PATH_MAX];
    char                 conf_path[PATH_MAX];   /* absolute, "" for none */
    char                 pid_path[PATH_MAX];
    char                 sock_path[PATH_MAX];
    char                 log_dir[PATH_MAX];
    char                 run_dir[PATH_MAX];
    struct obp_conf     *conf;                  /* the running generation */
    struct obp_listeners listeners;
    struct obp_shm       shm;
    struct obp_slot     *slots;                 /* one per worker */
    int                  nslots;
    struct obp_monproc   mon;                   /* the monitor process */
    struct obp_signals   sig;
    struct obp_stop      stop;
    struct obp_ctl       ctl;
    struct obp_routes    routes;
    struct obp_upgrade   up;
    unsigned             shm_base;              /* our first worker slot
                                                   in the segment */
    char               **argv;                  /* as started, for exec */
    char                 exe[PATH_MAX];         /* our binary's path */
    char                 cwd[PATH_MAX];         /* where we were started */
    struct ev_loop      *loop;                  /* default loop, or NULL */
    pid_t                pid;
    int64_t              start_us;              /* monotonic */
    int                  ready_fd;              /* daemon start pipe, -1 */
    bool                 pidfile_written;
};

/* "(defaults)" when the master runs without a configuration file. */
static inline const char *
obp_master_conf_name(const struct obp_master *m)
{
    return m->conf_path[0] != '\0' ? m->conf_path : "(defaults)";
}

#endif
