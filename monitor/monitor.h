/*
 * Umbrella header of the monitor (libobpmonitor): the shared library,
 * libev and every monitor module, then struct obp_monitor.  The monitor
 * is one process beside the workers, forked by the master: it never
 * touches client traffic; it does the background work a worker must not
 * block on (/metrics; server detection, read_only and replica lag;
 * OceanBase metadata), each a periodic task of monitor.c's table.  It
 * meets the master only in shared/proc.h and the channel.
 */
#ifndef OBP_MONITOR_MONITOR_H
#define OBP_MONITOR_MONITOR_H

#include "obp.h"

#include <ev.h>

#include "mbuf.h"
#include "http.h"
#include "metrics.h"
#include "probe.h"
#include "detect.h"
#include "obmeta.h"
#include "httpc.h"
#include "cfgsrv.h"

#define OBP_MONITOR_NSIGNALS 4
#define OBP_MONITOR_NTASKS   4

struct obp_monitor {
    struct ev_loop  *loop;
    struct obp_conf *conf;
    struct obp_shm  *shm;
    int              half;          /* our generation's worker slots */
    uint64_t         restarts;      /* the master's count, at our fork */
    int              chan_fd;
    char            *chan_buf;      /* OBP_CHAN_MAX_PAYLOAD + 1 */
    unsigned         chan_errors;   /* failed receives in a row */
    ev_io            chan;
    ev_signal        sigs[OBP_MONITOR_NSIGNALS];
    ev_timer         tasks[OBP_MONITOR_NTASKS];
    ev_timer         stop_poll;     /* graceful stop: answers finishing */
    int              listen_errno;  /* the last failure logged, or 0 */
    bool             handed;        /* the next generation serves */
    bool             stopping;
    struct obp_http  http;
    struct obp_detect detect;
    struct obp_obmeta obmeta;
    struct obp_cfgsrv cfgsrv;
};

#endif
