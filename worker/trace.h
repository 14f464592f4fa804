/*
 * What a client session's relayed commands did, for SHOW PROXYTRACE and
 * SHOW PROXYSESSION STAT (adm_detail.c): the last command's server and
 * how long its response took, the attempts a retry (retry.h) left
 * behind, and counters over the session's life.
 * response.c notes a command as it goes to its server session, with a
 * response to come, and when that response ended.  It lives in the
 * session: only the worker holding the session can show it.
 */
#ifndef OBP_WORKER_TRACE_H
#define OBP_WORKER_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define OBP_TRACE_TRIES 4   /* failed attempts of one command kept */

/* An attempt of the last command whose server failed it (retry.h). */
struct obp_trace_try {
    char    addr[OBP_ADDR_STRLEN];
    int64_t cost_us;        /* from sending to the failure */
};

struct obp_trace {
    char     addr[OBP_ADDR_STRLEN]; /* the last command's server, "" before
                                       the first */
    int64_t  sent_us;       /* when it went, obp_now_us() */
    int64_t  cost_us;       /* until its response ended, -1 while it runs */
    unsigned running:1;     /* its response has not ended yet */
    unsigned in_trx:1;      /* a transaction was open when it went */
    unsigned failed:1;      /* its response was an ERR */
    unsigned trx_ended:1;   /* its response ended a transaction */
    uint64_t requests;      /* commands relayed to a server */
    uint64_t responses;     /* their responses that ended */
    uint64_t errors;        /* of them, ERRs */
    uint64_t transactions;  /* transactions they ended */
    struct obp_trace_try tries[OBP_TRACE_TRIES];   /* the last command's
                                                      failed attempts */
    uint8_t  ntries;
};

/*
 * A command goes to server <addr>, inside a transaction (<in_trx>); a
 * <retry> of the last one keeps the attempt that failed.
 */
void obp_trace_sent(struct obp_trace *t, const struct obp_addr *addr,
                    bool in_trx, bool retry);

/*
 * Its response ended: with an ERR (<failed>), a transaction open after
 * it (<in_trx>) or not.
 */
void obp_trace_ended(struct obp_trace *t, bool failed, bool in_trx);

#endif
