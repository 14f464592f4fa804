/*
 * One text query of the proxy's own on a logged-in server connection
 * (COM_QUERY, then a text result set read packet by packet): what the
 * account lookups of acct.c run through the service account.  Rows are
 * handed to the caller as they arrive; nothing is kept here.
 */
#ifndef OBP_WORKER_MQUERY_H
#define OBP_WORKER_MQUERY_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#define OBP_MQUERY_MAX_COLS 8

struct obp_mquery;
struct obp_srv;

/* One row: <ncols> values, NULL for SQL NULL.  OBP_ERROR stops. */
typedef int (*obp_mquery_row_cb)(struct obp_mquery *q,
                                 const uint8_t *const *val,
                                 const size_t *len, unsigned ncols);
/* rc OBP_OK: every row was read; else q->err says why. */
typedef void (*obp_mquery_done_cb)(struct obp_mquery *q, int rc);

struct obp_mquery {
    struct obp_srv     *srv;        /* borrowed from the owner */
    void               *owner;
    obp_mquery_row_cb   row;
    obp_mquery_done_cb  done;
    ev_timer            timer;      /* bounds the whole query */
    int                 phase;      /* position in the result */
    uint64_t            ncols;
    uint64_t            left;       /* column definitions to skip */
    unsigned            server_err:1;   /* the server answered ERR */
    uint16_t            err_code;       /* its code and SQLSTATE */
    char                err_state[6];
    char                err[400];
};

/*
 * Sends <sql> on <srv> (logged in without DEPRECATE_EOF) and reads the
 * result within <timeout> seconds.  <done> is called once, never from
 * inside this call.  OBP_ERROR when the query could not be queued.
 */
int obp_mquery_start(struct obp_mquery *q, struct obp_srv *srv,
                     const char *sql, double timeout, obp_mquery_row_cb row,
                     obp_mquery_done_cb done, void *owner);

/* Stops the timer (the owner frees the srv itself). */
void obp_mquery_stop(struct obp_mquery *q);

#endif
