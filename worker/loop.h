/*
 * The worker process: its event loop, signals, the master's channel and
 * the two ways of stopping.  obp_worker_main() (shared/proc.h) is the
 * entry point; accept.c and session.c report back through the functions
 * below.
 */
#ifndef OBP_WORKER_LOOP_H
#define OBP_WORKER_LOOP_H

#include <ev.h>
#include <stdint.h>

#include "accept.h"
#include "acct.h"
#include "handoff.h"
#include "iobuf.h"
#include "pool.h"
#include "sessid.h"
#include "xport.h"

#define OBP_WORKER_NSIGNALS 4   /* TERM, INT, QUIT, USR1 */
#define OBP_WORKER_DRAIN_TICK 0.02  /* seconds between quiet checks */

struct obp_worker {
    struct ev_loop        *loop;        /* EV_DEFAULT */
    int                    slot;        /* worker slot, as in log lines */
    int                    half;        /* the generation's half (proc.h) */
    unsigned               shm_slot;    /* our stats slot in the segment */
    int32_t                pid;         /* getpid(), once */
    struct obp_conf       *conf;        /* current generation, owned */
    uint64_t               conf_gen;    /* counts the generations: a
                                           session resolves its level
                                           values again when it moves */
    struct obp_shm        *shm;         /* the master's mapping */
    struct obp_shm_worker *stats;       /* this slot: written only by us */
    struct obp_servers    *servers;     /* rootservice_list, parsed */
    struct obp_accept      acc;         /* listening sockets */
    int                    chan_fd;     /* worker's end of the channel */
    ev_io                  chan;        /* master -> worker messages */
    char                  *chan_buf;    /* one message's payload and NUL */
    unsigned               chan_errors; /* bad receives in a row */
    ev_signal              sigs[OBP_WORKER_NSIGNALS];
    ev_timer               drain;       /* bounds a graceful stop */
    ev_timer               drain_tick;  /* closes quiet sessions */
    ev_timer               log_tick;    /* folded lines' summaries, stat
                                           lines */
    int64_t                stat_period; /* the monitor_stat_dump_interval
                                           the stat lines count, 0 before
                                           the first tick */
    ev_timer               reg_timer;   /* looks at the kill words */
    unsigned               nslots;      /* slots the session ids name */
    struct obp_session    *sessions;    /* open sessions, newest first */
    unsigned               nsessions;
    unsigned               handed_in;   /* of them handed over to us */
    struct obp_sessid_gen  sessid;      /* client session ids */
    struct obp_iobuf_pool  pool;        /* packet buffers */
    struct obp_acct_cache  acct;        /* account rows by user */
    struct obp_srv_pool    spool;       /* parked server sessions */
    struct obp_xport_ctx   xctx;        /* TLS contexts, deflate stream */
    struct obp_handoff     handoff;     /* sessions across a hot upgrade */
    uint32_t               max_packet;  /* the servers' max_allowed_packet
                                           (lookup.c), 0 until known */
    uint32_t               wait_timeout;        /* the servers' globals, */
    uint32_t               interactive_timeout; /* seconds, 0 until known */
    struct obp_srv        *probe;       /* the start's service login that
                                           learns the servers' handshake */
    struct obp_srv        *quitting;    /* closing after COM_QUIT */
    ev_timer               quit_wait;   /* bounds them once stopped */
    unsigned               draining:1;  /* graceful stop under way */
    unsigned               resumable:1; /* draining for a hot upgrade */
    unsigned               holding:1;   /* hot upgrade: not accepting, the
                                           sessions wait for the commit */
    unsigned               stopped:1;   /* the loop was told to break */
    unsigned               exiting:1;   /* the loop is over */
};

/*
 * Closes every session and listener and breaks the loop, once the server
 * connections told COM_QUIT have ended (OBP_SRV_QUIT_WAIT at most).
 */
void obp_worker_fast_stop(struct obp_worker *w, const char *why);

/*
 * Stops accepting, marks the slot DRAINING and breaks the loop once the
 * last session ends or hot_upgrade_exit_timeout expires.  Meanwhile a
 * session ends at its next transaction boundary (session.h).
 */
void obp_worker_graceful_stop(struct obp_worker *w, const char *why);

/*
 * Hot upgrade (OBP_CHAN_DRAIN): stops accepting but keeps the listening
 * sockets open, so obp_worker_resume() can accept again.  With a new
 * generation to hand sessions to (handoff.h) the sessions stay until the
 * commit (a graceful stop, which hands them over); without one they
 * drain as in a graceful stop.
 */
void obp_worker_drain(struct obp_worker *w, const char *why);

/* Rollback (OBP_CHAN_RESUME): accepts again after obp_worker_drain(). */
void obp_worker_resume(struct obp_worker *w, const char *why);

/* session.c calls this after unlinking a session. */
void obp_worker_session_gone(struct obp_worker *w);

/* srvquit.c calls this when a server connection ended after COM_QUIT. */
void obp_worker_srv_gone(struct obp_worker *w);

/*
 * Reads what the master sent now, not at the next turn of the loop: an
 * admin's change takes effect here before it is answered.
 */
void obp_loop_chan_read(struct obp_worker *w);

#endif
