/*
 * The routing decision for one statement (ODP-REFERENCE 6.7, 7): which
 * servers should run it, best first.  Pure logic over the route cache,
 * the classifier and the partition calculation; the worker's sroute.c
 * keeps transactions and dependent statements where they are.  This
 * first version follows a statement's leading target_db_server comment
 * only; everything else has no route (kind NONE).
 */
#ifndef OBP_SHARED_ROUTER_H
#define OBP_SHARED_ROUTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "route.h"
#include "sqlclass.h"
struct obp_shm; struct obp_conf;
enum obp_router_kind {
    OBP_RT_NONE,        /* no route info (no table, unknown table, SELECT 1, SET...):
                           the caller reuses its current server session
                           (enable_cached_server) or calls again with want_tenant */
    OBP_RT_FORCED,      /* target_db_server (leading comment, then the parameter) */
    OBP_RT_LEADER,      /* write or strong read: the computed partition's leader */
    OBP_RT_WEAK,        /* weak read: replicas ordered by LDC + proxy_route_policy */
    OBP_RT_TENANT,      /* table known but no usable key, or want_tenant: the
                           tenant's servers, primary zone first (6.7) */
    OBP_RT_ERROR        /* no server may take it: err says why (e.g. the leader of
                           the partition a write needs is blocked) */
};

#define OBP_ROUTER_MAX_CAND 16

struct obp_router_in {
    const struct obp_shm        *shm;      /* route cache + server table (blocklist) */
    unsigned                     slot;     /* the worker's route_gen slot */
    const struct obp_conf       *conf;     /* proxy_idc_name, proxy_route_policy,
                                              target_db_server, enable_read_write_split,
                                              enable_primary_zone, enable_cached_server... */
    struct obp_route_name        cluster;  /* the session's */
    struct obp_route_name        tenant;
    struct obp_route_name        db;       /* current schema, may be empty */
    const char                  *sql;      /* the statement text (COM_QUERY, or a prepared
                                              statement's text for COM_STMT_EXECUTE) */
    size_t                       sql_len;
    unsigned                     sql_flags;/* OBP_SQL_BACKSLASH when the server's
                                              NO_BACKSLASH_ESCAPES is off */
    const struct obp_part_value *params;   /* COM_STMT_EXECUTE: placeholder values by
                                              index (psparam.h), else NULL */
    uint32_t                     nparams;
    int                          session_weak;  /* the session asked for weak reads
                                              (ob_read_consistency=2 / obproxy_read_consistency):
                                              1 weak, 0 strong/unset */
    const char                  *session_idc;   /* proxy_session_ldc, or NULL */
    const char                  *session_policy;/* session proxy_route_policy, or NULL */
    bool                         in_trans;      /* the session is in a transaction or has
                                              autocommit off (read/write split and weak
                                              reads: forced strong) */
    bool                         want_tenant;   /* route with the tenant's servers even
                                              when there is no route info */
    int64_t                      now_us;
};

struct obp_router_out {
    enum obp_router_kind kind;
    unsigned             n;                 /* candidates, best first */
    uint16_t             server[OBP_ROUTER_MAX_CAND]; /* server-table indexes; blocked
                                              servers left out unless all are (then all, in
                                              order, so one is tried anyway), except a
                                              write's leader: kind ERROR */
    bool                 write;             /* the statement writes (needs the leader) */
    bool                 weak;              /* routed as a weak read */
    uint64_t             generation;        /* route set used, 0: none */
    int64_t              table_id;          /* the table entry's, 0: none */
    int32_t              leaf;              /* leaf partition index, -1: none */
    enum obp_sql_kind    sql_kind;          /* what the classifier said */
    unsigned             sql_flags;         /* OBP_SQL_F_* of the statement */
    char                 err[160];          /* kind ERROR: the client's message */
};

/* Decides; never fails (worst case kind NONE).  No allocation. */
void obp_router_route(const struct obp_router_in *in, struct obp_router_out *out);


#endif
