/*
 * Statement and session statistics per tenant in the shared segment, what
 * /metrics shows as ODP's odp_sql_request_total, odp_sql_cost_total,
 * odp_transaction_total, odp_current_session and
 * odp_new_client_connections and as obproxy's latency histogram.
 *
 * Tenants are named once, in the segment's tenant table: the first worker
 * that meets a (cluster, tenant) claims a free entry with a compare and
 * swap, writes the names, then marks it ready; nothing is ever freed, so
 * a session keeps the index it found.  Past OBP_SQLSTAT_TENANTS the rest
 * share one more row, shown as tenant "_other".  Each worker slot has one
 * row per tenant, written by that worker only with relaxed atomics (a
 * reader sums the slots): a statement costs a few additions, no lock and
 * no allocation.  The session gauges go up and down in the slot of the
 * worker holding the session (a wrapping unsigned value, read summed and
 * signed); the master zeroes a dead worker's (obp_sqlstat_gauges_clear),
 * as its sessions died with it.
 */
#ifndef OBP_SHARED_SQLSTAT_H
#define OBP_SHARED_SQLSTAT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sqltype.h"

#define OBP_SQLSTAT_TENANTS  32
#define OBP_SQLSTAT_ROWS     (OBP_SQLSTAT_TENANTS + 1)  /* + "_other" */
#define OBP_SQLSTAT_OTHER    OBP_SQLSTAT_TENANTS
#define OBP_SQLSTAT_NAME_MAX 64
#define OBP_SQLSTAT_BUCKETS  15     /* latency buckets, the last +Inf */

/* odp_sql_request_total's labels, an index into a type's counters. */
#define OBP_SQLSTAT_FAIL     0x4    /* sqlResult="fail" */
#define OBP_SQLSTAT_SLOW     0x2    /* slowQuery="true" */
#define OBP_SQLSTAT_HIT      0x1    /* partitionHit="true" */
#define OBP_SQLSTAT_LABELS   8

/* odp_sql_cost_total's timeType. */
enum obp_sqlstat_time {
    OBP_SQLSTAT_PREPARE,    /* request read -> sent to the server */
    OBP_SQLSTAT_SERVER,     /* sent -> the response's first bytes */
    OBP_SQLSTAT_TOTAL,      /* request read -> the response ended */
    OBP_SQLSTAT_TIMES
};

/* odp_current_session's sessionType. */
enum obp_sqlstat_sess {
    OBP_SQLSTAT_SESS_CLIENT, /* logged-in client sessions */
    OBP_SQLSTAT_SESS_SERVER, /* server connections of client sessions */
    OBP_SQLSTAT_SESS_TYPES
};

/* One entry of the tenant table: state 0 free, a pid while named, READY. */
#define OBP_SQLSTAT_READY UINT32_C(0xffffffff)

struct obp_shm_tenant {
    _Atomic uint32_t state;
    uint32_t         reserved;
    char             cluster[OBP_SQLSTAT_NAME_MAX];
    char             tenant[OBP_SQLSTAT_NAME_MAX];
    uint8_t          pad[56];
};

/* One tenant's counters in one worker slot. */
struct obp_sqlstat_row {
    _Atomic uint64_t requests[OBP_SQLTYPE_COUNT][OBP_SQLSTAT_LABELS];
    _Atomic uint64_t cost_us[OBP_SQLTYPE_COUNT][OBP_SQLSTAT_TIMES];
    _Atomic uint64_t buckets[OBP_SQLSTAT_BUCKETS];  /* not cumulative */
    _Atomic uint64_t total_us;
    _Atomic uint64_t transactions;
    _Atomic uint64_t sessions[OBP_SQLSTAT_SESS_TYPES];  /* gauges */
    _Atomic uint64_t logins[2];     /* counters: [0] refused, [1] in */
};

/* One finished statement. */
struct obp_sqlstat_req {
    enum obp_sqltype type;
    unsigned         labels;        /* OBP_SQLSTAT_FAIL | SLOW | HIT */
    int64_t          prepare_us;
    int64_t          server_us;
    int64_t          total_us;
    bool             transaction;   /* it ended a transaction */
};

/* Upper bounds of the latency buckets, in microseconds (the last: none). */
extern const int64_t obp_sqlstat_bound_us[OBP_SQLSTAT_BUCKETS - 1];

/*
 * The row index of (<cluster>, <tenant>): found, or claimed now by the
 * calling process <pid>, or OBP_SQLSTAT_OTHER when the table is full.
 */
unsigned obp_sqlstat_tenant(struct obp_shm_tenant *table,
                            const char *cluster, const char *tenant,
                            int32_t pid);

/* Counts <r> into <row> (the caller's own slot). */
void obp_sqlstat_add(struct obp_sqlstat_row *row,
                     const struct obp_sqlstat_req *r);

/* Gauge <type> of <row> (the caller's own slot) moves by <delta>. */
void obp_sqlstat_gauge(struct obp_sqlstat_row *row,
                       enum obp_sqlstat_sess type, int delta);

/* A login of <row>'s tenant succeeded (<ok>) or was refused. */
void obp_sqlstat_login(struct obp_sqlstat_row *row, bool ok);

/* Zeroes the gauges of <n> rows: their worker is gone. */
void obp_sqlstat_gauges_clear(struct obp_sqlstat_row *rows, unsigned n);

/* <out> += <in>, for a reader summing the slots. */
void obp_sqlstat_sum(struct obp_sqlstat_row *out,
                     const struct obp_sqlstat_row *in);

#endif
