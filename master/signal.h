/*
 * The master's signals: a table {signo, name, action}.  The libev watchers
 * only record the action; one prepare watcher runs what is pending, in a
 * fixed order, outside any handler.  ctl.c posts actions the same way.
 */
#ifndef OBP_MASTER_SIGNAL_H
#define OBP_MASTER_SIGNAL_H

#include <ev.h>

struct obp_master;

enum obp_action {
    OBP_ACT_FAST_STOP = 0,
    OBP_ACT_GRACEFUL_STOP,
    OBP_ACT_RELOAD,
    OBP_ACT_REOPEN,
    OBP_ACT_UPGRADE,
    OBP_ACT_UPGRADE_COMMIT,
    OBP_ACT_COUNT
};

#define OBP_SIGNAL_MAX 8

struct obp_signals {
    ev_signal   watch[OBP_SIGNAL_MAX];
    int         nwatch;
    ev_prepare  run;
    const char *pending[OBP_ACT_COUNT];   /* who asked, NULL if nobody */
};

/* Starts the watchers on the default loop. */
void obp_signal_init(struct obp_master *m);

/* Queues <action>; <from> names the sender in the log ("SIGHUP"). */
void obp_signal_post(struct obp_master *m, enum obp_action action,
                     const char *from);

/*
 * Reopens the master's log files and tells every worker to (USR1, and
 * obproxyctl reopen-logs); OBP_ERROR with errno when the master's fail.
 */
int obp_signal_reopen(struct obp_master *m, const char *from);

/* Stops every watcher (at exit, and in a worker child). */
void obp_signal_stop(struct obp_master *m);

#endif
