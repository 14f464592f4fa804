/*
 * Stopping the master: fast (TERM, INT, "stop fast") or graceful (QUIT,
 * "stop"), bounded by timers so a stuck worker is killed.  Called by
 * signal.c when an action runs and by process.c after each reap.
 */
#ifndef OBP_MASTER_STOP_H
#define OBP_MASTER_STOP_H

#include <ev.h>
#include <stdbool.h>

struct obp_master;

enum obp_stop_mode {
    OBP_STOP_NONE = 0,
    OBP_STOP_GRACEFUL,
    OBP_STOP_FAST
};

struct obp_stop {
    enum obp_stop_mode mode;
    bool               killed;      /* SIGKILL sent, waiting for reaps */
    bool               peer_waited; /* the other generation's deadline set */
    ev_timer           timer;
};

/* Prepares the timer; once the loop exists. */
void obp_stop_init(struct obp_master *m);

/* Starts (or escalates to) <mode>; the caller has logged why. */
void obp_stop_begin(struct obp_master *m, enum obp_stop_mode mode);

/* Ends the loop once no worker is left; called after every reap. */
void obp_stop_check(struct obp_master *m);

/* Stops the timer (at exit, and in a worker child). */
void obp_stop_cancel(struct obp_master *m);

#endif
