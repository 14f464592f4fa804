/*
 * The routing decision for one statement (ODP-REFERENCE 6.7 and 7): pure
 * logic over the route cache (route.h), the SQL classifier (sqlclass.h),
 * the partition calculation (part.h) and the blocklist (blocklist.h).  No
 * sockets, no event loop, no allocation; usable from unit tests.  The
 * worker keeps what depends on the session's history: transaction
 * stickiness, the held BEGIN, "dependent functions go to the last server",
 * and the counting.
 *
 * Rules, first match wins:
 *
 *  1. Forced target: a leading comment's target_db_server=, else the
 *     target_db_server parameter, the session's value of it (in->levels,
 *     as for every multi-level parameter below: enable_read_write_split,
 *     proxy_idc_name, proxy_route_policy).  "ip:port,ip:port;ip:port": ';'
 *     separates priority groups (in order), ',' members of one group
 *     (random order).  Members name servers of the segment's server table
 *     (obp_bl_find; the master registers the topology's, rootservice_list
 *     and target_db_server); unknown ones are skipped, and when none is
 *     known the kind is ERROR (the text names them).  Kind FORCED.
 *  2. No route info: a statement other than SELECT, INSERT, REPLACE,
 *     UPDATE, DELETE; no table; no database (neither the statement's nor
 *     the session's); a table not in the cache.  Kind NONE, or TENANT with
 *     want_tenant.
 *  3. The key: the table's partition-key values (WHERE col = v, col IN
 *     (...), INSERT rows; '?' from params; or ODP's simple route info, a
 *     leading comment table=t part_key=v, which names the table and the
 *     value of its one key column) give one leaf partition; IN
 *     lists and INSERT rows route only when every value lands in the same
 *     leaf.  A non-partitioned table has one leaf.  A value past every
 *     RANGE bound goes to the first leaf (ODP routes it there so the server
 *     reports the error).  No usable key, or a value in no partition (LIST
 *     without DEFAULT): with want_tenant, TENANT; else with
 *     enable_cached_server, NONE (the caller keeps its current server
 *     session, or calls again with want_tenant when it has none); else
 *     with enable_primary_zone, TENANT; else (both off, as ODP) the leader
 *     of a random leaf.
 *  Rules 4 and 5 choose among the replicas of the leaf rule 3 found.
 *  4. Weak read: a SELECT without FOR UPDATE/SHARE, outside a transaction
 *     (in_trans false), with the READ_CONSISTENCY(WEAK) hint, or without a
 *     READ_CONSISTENCY hint when session_weak is set or
 *     enable_read_write_split is on.  Kind WEAK: the leaf's replicas, then
 *     the tenant's servers that hold none ("T" in 7.3), in the order below;
 *     ERROR when FOLLOWER_ONLY leaves no server.
 *  5. Otherwise (writes, strong reads): kind LEADER.  A write gets the
 *     leaf's leader only: when it is blocked (or none is known) the kind
 *     is ERROR with a
 *     message naming the table and the server ("a write whose leader is
 *     dead gets a clear error").  A strong read gets the leader, then the
 *     full replicas outside read-only zones in LDC order, as ODP tries the
 *     leader first and then its policy (an OceanBase follower forwards a
 *     strong read to the leader); a blocked leader then moves out like any
 *     blocked server, and when every replica is blocked they are all given.
 *
 * Roles.  When the tenant's servers have roles (a MySQL/MariaDB primary
 * and replicas, topo.h: the tenant entry names the primary as leader),
 * rules 2 to 5 give way to them for every table: the replicas are those
 * of the table's leaf, or the tenant's for a table not declared, a
 * statement without route info and one without a usable key.  SET, USE and SHOW stay NONE (with
 * want_tenant: TENANT, the primary first, then the replicas).  A read the replicas may take (a weak read, rule 4, without
 * lock function, LAST_WRITE function, second statement or TEMPORARY,
 * not primary_reads, and with raw only the replicas that have applied
 * the session's last write)
 * is kind WEAK: one replica drawn by weight among those of the best LDC
 * rank, alone first (best is 1, so each statement draws again), then the
 * other replicas, weight-0 ones after, then the primary.  Anything else
 * is kind LEADER with the primary alone, or ERROR when it is not
 * writable.  obp_router_writable and obp_router_replica_ok
 * (router_int.h) are the one place that says what a server may take:
 * they join the monitor's findings (srvstate.h) to the roles, so a
 * replica with its SQL thread stopped or lagging past
 * ob_max_read_stale_time takes no reads and a primary read_only=1 no
 * writes.  In a set of role auto (replicas of role OBP_ROUTE_AUTO) the
 * primary is the one server the monitor reads read_only 0 from and the
 * replicas those it reads 1 from; with none, or two, a write is ERROR
 * naming the set (never both sides of a split brain).
 *
 * Order of weak reads.  The proxy's IDC is session_idc when set, else
 * proxy_idc_name; LDC is off (one class, random) when it is empty or no
 * server of the set stands in it.  Classes: A same IDC, B same region,
 * C others.  The policy is session_policy when set, else
 * proxy_route_policy (names matched without case):
 *   ""             MERGE_IDC_ORDER: A, B (leader and followers alike),
 *                  then T servers of A, B, then C, then T of C;
 *   FOLLOWER_FIRST followers of A, B; leaders of A, B; T of A, B;
 *                  followers of C; leader of C; T of C;
 *   UNMERGE_FOLLOWER_FIRST  as FOLLOWER_FIRST (no zone is ever merging);
 *   FOLLOWER_ONLY  as FOLLOWER_FIRST without the leader.
 * When the set has a read-only zone ODP ignores the policy and uses
 * READONLY_ZONE_FIRST: replicas in read-only zones before the others,
 * each A then B, then T, then C likewise.  Strong reads and writes never
 * go to a server of a read-only zone or a read-only replica.  Within one
 * rank the order is random.
 *
 * TENANT: the tenant's servers (route cache tenant entry): weak reads in
 * the weak order above (all as replicas), others outside read-only zones,
 * by primary-zone priority with enable_primary_zone (random within a
 * priority), else in random order.  No tenant entry: NONE.
 *
 * Blocked servers (obp_bl_blocked at now_us: a read-only check) are left
 * out of server[], unless every candidate is blocked: then all of them,
 * in order, so that one is tried anyway (the worker's obp_bl_may_try
 * claims the try).  At most OBP_ROUTER_MAX_CAND candidates, best first.
 *
 * Names.  OceanBase's MySQL mode folds database and table names to lower
 * case (lower_case_table_names=1); the cache holds them in lower case
 * (route.h), and the router lowercases what the statement and the session
 * say (quoted or not, after undoubling quotes) into bounded buffers
 * before the lookup.  A name longer than OBP_ROUTE_NAME_MAX is not
 * looked up (rule 2).  Key column names compare without ASCII case.
 *
 * out->write and out->weak say what the statement is, whatever the kind
 * (a weak SELECT 1 is kind NONE with weak set).
 *
 * Random choices use a xorshift state: *rng when the caller gives one
 * (seed it with anything but 0; a worker keeps one), else one static
 * state per process (fine for single-threaded workers and tests).
 */
#ifndef OBP_SHARED_ROUTER_H
#define OBP_SHARED_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "part.h"
#include "route.h"
#include "sqlclass.h"
#include "stats.h"

struct obp_conf;
struct obp_shm;

enum obp_router_kind {
    OBP_RT_NONE,        /* no route info (no table, unknown table, SELECT 1,
                           SET...): the caller reuses its current server
                           session (enable_cached_server) or calls again
                           with want_tenant */
    OBP_RT_FORCED,      /* target_db_server (leading comment, then the
                           parameter) */
    OBP_RT_LEADER,      /* write or strong read: the computed partition's
                           leader (then, for a read, its other replicas) */
    OBP_RT_WEAK,        /* weak read: replicas ordered by LDC and
                           proxy_route_policy */
    OBP_RT_TENANT,      /* table known but no usable key, or want_tenant:
                           the tenant's servers, primary zone first */
    OBP_RT_ERROR        /* no server may take it: err says why */
};

#define OBP_ROUTER_MAX_CAND 16
#define OBP_ROUTER_KEYS_SHOWN 4     /* key values route diagnosis shows */
#define OBP_ROUTER_KEY_TEXT  48     /* a value's text shown, cut */

/*
 * The table's partitioning and the key values as the router resolved
 * them, for route diagnosis (routediag.h, levels 3 and 4): the literal
 * the statement wrote and the value cast from it, of the first
 * alternative when there are several (IN lists, INSERT rows).  Copied
 * out: the route set is not held after the call.
 */
struct obp_router_key {
    char    column[OBP_PART_NAME_MAX];  /* the table's key column */
    char    token[OBP_ROUTER_KEY_TEXT]; /* the literal as written */
    char    value[OBP_ROUTER_KEY_TEXT]; /* the value it resolved to */
    uint8_t token_type;                 /* enum obp_sql_vtype */
    uint8_t kind;                       /* enum obp_part_vkind */
    uint8_t level;                      /* its partitioning level, 1 or 2 */
    uint8_t given;                      /* the statement gave a value */
};

struct obp_router_keys {
    uint8_t               levels;       /* 0: not partitioned */
    uint8_t               type[2];      /* enum obp_part_type per level */
    uint32_t              count;        /* first-level partitions */
    unsigned              n;            /* keys[] filled */
    struct obp_router_key keys[OBP_ROUTER_KEYS_SHOWN];
    int32_t               part_idx;     /* the computed partition, -1 */
    int32_t               sub_idx;      /* and subpartition, -1 */
};

struct obp_router_in {
    const struct obp_shm        *shm;      /* route cache + server table */
    unsigned                     slot;     /* the worker's route_gen slot */
    const struct obp_conf       *conf;     /* enable_primary_zone and
                                              enable_cached_server */
    const struct obp_level_vals *levels;   /* the session's values of the
                                              multi-level parameters
                                              (level.h): the rest */
    struct obp_route_name        cluster;  /* the session's */
    struct obp_route_name        tenant;
    struct obp_route_name        db;       /* current schema, may be empty */
    const char                  *sql;      /* the statement text (COM_QUERY,
                                              or a prepared statement's for
                                              COM_STMT_EXECUTE) */
    size_t                       sql_len;
    unsigned                     sql_flags;/* OBP_SQL_BACKSLASH when the
                                              server's NO_BACKSLASH_ESCAPES
                                              is off */
    const struct obp_part_value *params;   /* COM_STMT_EXECUTE: placeholder
                                              values by index, else NULL */
    uint32_t                     nparams;
    int                          session_weak;  /* 1: the session reads weak
                                              (ob_read_consistency=2, or
                                              obproxy_read_consistency=1
                                              at login; the worker says);
                                              0 strong or unset */
    const char                  *session_idc;   /* proxy_session_ldc, or
                                              NULL / "" for proxy_idc_name */
    const char                  *session_policy;/* session
                                              proxy_route_policy, or NULL /
                                              "" for the parameter */
    bool                         in_trans; /* in a transaction or autocommit
                                              off: no weak read */
    bool                         want_tenant;   /* the tenant's servers
                                              rather than NONE */
    bool                         primary_reads; /* the session's reads
                                              stay on the primary (read-
                                              your-writes, temporary
                                              tables): "Roles" */
    struct obp_router_raw       *raw;      /* the session's last write,
                                              for read-your-writes by GTID
                                              ("Roles"); NULL: none */
    int64_t                      now_us;   /* blocklist, entries' last use */
    uint64_t                    *rng;      /* PRNG state, or NULL: the
                                              process's */
};

/*
 * Read-your-writes by GTID ("Roles"): the session's last write ended at
 * <since_us>.  A replica serves its reads once the replica's position
 * (gtid.h, srvstate.h) covers the one its set's primary had after the
 * write: read by a monitor round started at or after <since_us>.  The
 * router keeps that position in <want> the first time it sees it; the
 * session starts afresh (primary -1) with each write.
 */
struct obp_router_raw {
    int64_t             since_us;
    bool                window;     /* within read_after_write_window:
                                       without GTIDs, the primary */
    int32_t             primary;    /* the server <want> is of, -1 none */
    struct obp_gtid_set want;
};

struct obp_router_out {
    enum obp_router_kind kind;
    unsigned             n;                 /* candidates, best first */
    uint16_t             server[OBP_ROUTER_MAX_CAND]; /* server-table
                                               indexes (see "Blocked") */
    unsigned             best;              /* server[0..best) share the
                                               best rank: any of them
                                               will do as well */
    bool                 write;             /* the statement writes */
    bool                 weak;              /* routed as a weak read */
    bool                 roles;             /* routed by the servers'
                                               roles ("Roles") */
    bool                 looked_up;         /* a table was looked up */
    bool                 found;             /* and found */
    char                 db[OBP_ROUTE_NAME_MAX + 1];    /* looked up but */
    char                 table[OBP_ROUTE_NAME_MAX + 1]; /* not found: its
                                               names as keys hold them */
    uint64_t             generation;        /* route set used, 0: none */
    int64_t              table_id;          /* the table entry's, 0: none */
    int32_t              leaf;              /* leaf partition, -1: none */
    uint32_t             nleaves;           /* the table's leaves, 0: none */
    bool                 partitioned;       /* the table is */
    bool                 keyed;             /* its key values gave leaf */
    int32_t              leader;            /* the leaf's leader (server-
                                               table index), -1: none */
    struct obp_router_keys key;             /* how rule 3 got leaf */
    enum obp_sql_kind    sql_kind;          /* what the classifier said */
    unsigned             sql_flags;         /* OBP_SQL_F_* of the statement */
    char                 err[160];          /* kind ERROR: the client's
                                               message */
};

/*
 * Decides where the statement of <in> goes, into <out>.  Never fails
 * (worst case kind NONE); no allocation; holds the route set only during
 * the call (out names servers by index, valid across generations).
 */
void obp_router_route(const struct obp_router_in *in,
                      struct obp_router_out *out);

/*
 * The counter the worker adds 1 to for a decision of <kind>:
 * route_none, route_forced, route_leader, route_weak, route_tenant,
 * route_error.  Besides, when out->looked_up, route_lookup_hit (found)
 * or route_lookup_miss.
 */
enum obp_stat_id obp_router_stat(enum obp_router_kind kind);

#endif
