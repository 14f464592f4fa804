/*
 * A statement waiting for its table's metadata (ODP-REFERENCE 5, the
 * OceanBase source of monitor/obmeta.h): a table the route cache does
 * not hold is asked for (shared/mreq.h), and the statement waits until
 * the monitor answered, at most short_async_task_timeout, then routes
 * with what the cache holds then (without a partition when the table is
 * still missing: the worker then holds no statement of that table for
 * server_state_refresh_interval, as the monitor reads it again no
 * sooner).  The wait is a timer polling the request every
 * OBP_MWAIT_POLL seconds; the pump comes back when it is over.  One wait
 * per command: sroute.c starts it, and the command's end
 * (obp_mwait_next) allows the next command one.
 *
 * A server that answers a statement routed by a table entry with
 * OB_NOT_MASTER (ODP-REFERENCE 5.9), or a leader the blocklist holds
 * for a statement that needs it, makes the entry dirty: marked so in the
 * route cache (SHOW PROXYROUTE) and the source asked to read the table
 * again once delay_update_entry_interval has passed.
 */
#ifndef OBP_WORKER_MWAIT_H
#define OBP_WORKER_MWAIT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "mreq.h"

#define OBP_MWAIT_POLL    0.002
#define OBP_OB_NOT_MASTER 4038      /* OceanBase's error, as servers send it */

struct obp_session;

struct obp_mwait {
    ev_timer               timer;
    struct obp_mreq_ticket ticket;
    int64_t                until_us;
    int64_t                table_id;    /* the command's table entry's */
    unsigned               leader:1;    /* sent to its partition's leader */
    unsigned               active:1;    /* the timer runs */
    unsigned               waited:1;    /* the command had its wait */
};

void obp_mwait_init(struct obp_session *s);

/*
 * The command's table is missing from the route cache, <key> naming it:
 * OBP_AGAIN while the command waits for it (asked now, or still under
 * way), OBP_OK when it may route as the cache stands.
 */
int obp_mwait_table(struct obp_session *s, const struct obp_route_key *key,
                    int64_t now_us);

struct obp_router_out;

/* The command was routed by <out> (its table entry, if any). */
void obp_mwait_routed(struct obp_session *s,
                      const struct obp_router_out *out);

/* The server answered the command with error <code>. */
void obp_mwait_failed(struct obp_session *s, unsigned code);

/* A server said the command's table entry is stale (reroute.h). */
void obp_mwait_stale(struct obp_session *s);

/*
 * The server the command was sent to as its partition's leader says it
 * does not lead it (ob_proxy_partition_hit "0", reroute.h).
 */
void obp_mwait_missed(struct obp_session *s);

/* The command is over: the next one may wait. */
void obp_mwait_next(struct obp_session *s);

/* The session closes. */
void obp_mwait_stop(struct obp_session *s);

#endif
