/*
 * A worker's request to its master's control socket: the same one-line
 * verbs obproxyctl sends (master/ctl.h), so a change made by admin SQL
 * is checked, applied to every worker and saved by the very code that
 * serves "obproxyctl config set".  The socket is run/obproxy.sock under
 * the root, the working directory of every obproxy process.  Nothing
 * blocks: a watcher reads the reply lines until the last one ("ok..."
 * or "failed...") or the end, within a timeout.
 *
 * Ownership: the caller allocates the call and frees it after <done>,
 * which runs once and never from inside obp_ctlcall_start(); or it
 * cancels it first (obp_ctlcall_cancel) and then frees it.
 */
#ifndef OBP_WORKER_CTLCALL_H
#define OBP_WORKER_CTLCALL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctlarg.h"

#define OBP_CTLCALL_LINE_MAX  OBP_CTL_LINE_MAX
#define OBP_CTLCALL_REPLY_MAX 8192

struct obp_ctlcall;
struct obp_worker;

/* <ok>: the last line said "ok"; <reply> holds every line read. */
typedef void (*obp_ctlcall_done)(struct obp_ctlcall *c, bool ok);

struct obp_ctlcall {
    struct obp_worker *w;
    int                fd;
    ev_io              io;
    ev_timer           timer;
    obp_ctlcall_done   done;
    void              *owner;
    char               out[OBP_CTLCALL_LINE_MAX + 1];
    size_t             outlen;
    size_t             sent;
    char               reply[OBP_CTLCALL_REPLY_MAX + 1];
    size_t             replylen;
};

/*
 * Sends <line> (no newline; at most OBP_CTLCALL_LINE_MAX bytes).
 * OBP_ERROR when the socket cannot be reached: reply says why.
 */
int obp_ctlcall_start(struct obp_ctlcall *c, struct obp_worker *w,
                      const char *line, double timeout,
                      obp_ctlcall_done done, void *owner);

/* Stops a call under way without calling <done>. */
void obp_ctlcall_cancel(struct obp_ctlcall *c);

/*
 * The reply's last line ("failed: ..."), without its newline, or "" if
 * none was read; it lives in the call.
 */
const char *obp_ctlcall_last(struct obp_ctlcall *c);

#endif
