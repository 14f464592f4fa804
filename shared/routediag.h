/*
 * Route diagnosis (ODP-REFERENCE 3.2, EXPLAIN ROUTE): the text that says
 * how the router (router.h) decided one statement, in ODP's layout.  A
 * leading newline, the statement, "Route Prompts" (per diagnosis point,
 * lines "[INFO] ..." or "[WARN] ..."), then "Route Plan", one line
 * "> POINT:{key:value, ...}" per point, indented two spaces per level
 * below 1.  route_diagnosis_level cuts the points: 1 SQL_PARSE,
 * ROUTE_INFO, LOCATION_CACHE_LOOKUP, ROUTE_POLICY, CONGESTION_CONTROL;
 * 2 adds TABLE_ENTRY_LOOKUP_DONE, PARTITION_ID_CALC_START/DONE and
 * PARTITION_ENTRY_LOOKUP_DONE; 3 adds FETCH_TABLE_RELATED_DATA,
 * EXPR_PARSE, RESOLVE_EXPR and CALC_PARTITION_ID, 4 RESOLVE_TOKEN: the
 * key columns, values and partition as the router resolved them
 * (out->key, router.h), not parsed again.  Pure formatting over the
 * router's input and output: no allocation, usable from unit tests.
 */
#ifndef OBP_SHARED_ROUTEDIAG_H
#define OBP_SHARED_ROUTEDIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "router.h"

#define OBP_RDIAG_TEXT_MAX 8192     /* a plan's text, at most */

struct obp_rdiag {
    const struct obp_router_in  *in;    /* what the router was given */
    const struct obp_router_out *out;   /* and decided (ignored when
                                           sticky) */
    int         level;          /* route_diagnosis_level, 1..4 */
    bool        sticky;         /* the session's transaction (or a state
                                   the proxy cannot move) keeps it on
                                   its current server */
    bool        trans;          /* sticky by a transaction */
    const char *last;           /* that server's "ip:port", or NULL */
};

/*
 * Writes the diagnosis of <d> into <buf> (<cap> bytes, NUL-terminated).
 * OBP_OK, or OBP_ERROR when it did not fit (what fits is kept).
 */
int obp_rdiag_text(const struct obp_rdiag *d, char *buf, size_t cap);

#endif
