/*
 * A minimal HTTP/1.1 client for the monitor's loop: one GET at a time,
 * "Connection: close", plain http (url.h).  Bounded: the whole exchange
 * (connect, request, answer) within the caller's timeout, the answer
 * read as shared/httpresp.h says (size bounded, chunked decoded).
 * The host name is resolved with the system's resolver (an address
 * needs none).
 */
#ifndef OBP_MONITOR_HTTPC_H
#define OBP_MONITOR_HTTPC_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "obp.h"

/*
 * The end of a GET: <resp> the answer (any status), or NULL with <why>
 * ("connection refused", "timed out after 5s", ...).
 */
typedef void (*obp_httpc_fn)(void *arg, const struct obp_httpresp *resp,
                             const char *why);

struct obp_httpc {
    struct ev_loop *loop;
    ev_io           io;
    ev_timer        timer;
    int             fd;             /* -1 when idle */
    char           *buf;            /* request, then answer */
    size_t          len;
    size_t          sent;
    size_t          reqlen;
    bool            reading;
    double          timeout;
    obp_httpc_fn    done;
    void           *arg;
    char            why[160];       /* an early failure, told from the loop */
};

void obp_httpc_init(struct obp_httpc *c, struct ev_loop *loop);

/*
 * Starts GET <url> (url.h's form) bounded by <timeout> seconds; <done>
 * is called once, later, from the loop (also for an early failure).
 * OBP_ERROR only when a GET is under way already or out of memory.
 */
int obp_httpc_get(struct obp_httpc *c, const char *url, double timeout,
                  obp_httpc_fn done, void *arg);

/* A GET under way. */
bool obp_httpc_busy(const struct obp_httpc *c);

/* Ends a GET under way without calling its <done>. */
void obp_httpc_cancel(struct obp_httpc *c);

#endif
