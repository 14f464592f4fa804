/*
 * Per-worker counters, declared once.  The X-macro generates the slot
 * struct in the shared segment, the names shown by obproxyctl status (and
 * later SHOW STAT and /metrics) and the summing loop.  Each worker writes
 * only its own slot, with relaxed atomics; readers sum the slots.
 */
#ifndef OBP_SHARED_STATS_H
#define OBP_SHARED_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum obp_stat_kind {
    OBP_STAT_COUNTER,   /* only grows */
    OBP_STAT_GAUGE      /* goes up and down */
};

#define OBP_STATS_WORKER(X)                                                  \
    X(client_accepted, COUNTER, "client connections accepted")              \
    X(client_refused, COUNTER, "clients refused by client_max_connections") \
    X(client_active, GAUGE, "client connections open now")                  \
    X(server_connect_ok, COUNTER, "server connections opened")              \
    X(server_connect_fail, COUNTER, "server connection attempts failed")    \
    X(server_active, GAUGE, "server connections open now")                  \
    X(bytes_from_client, COUNTER, "bytes read from clients")                \
    X(bytes_from_server, COUNTER, "bytes read from servers")                \
    X(login_ok, COUNTER, "client logins and changes of user accepted")     \
    X(login_denied, COUNTER, "logins refused with 1045 access denied")     \
    X(auth_cache_hit, COUNTER, "account rows found fresh in the cache")    \
    X(auth_cache_miss, COUNTER, "account rows fetched from a server")      \
    X(auth_lookup_fail, COUNTER, "account fetches that failed")            \
    X(server_lost, COUNTER, "server sessions lost under a client")         \
    X(query_timeout, COUNTER, "statements whose server stayed silent past " \
      "their bound (4012, or the read went again)")                        \
    X(read_retry, COUNTER, "reads sent again on a new server session")     \
    X(connect_retry, COUNTER, "connection attempts on another server "     \
      "after one failed")                                                  \
    X(client_read_timeout, COUNTER, "clients cut off after a pause inside " \
      "a packet (1159, client_net_read_timeout)")                          \
    X(client_idle_timeout, COUNTER, "clients cut off after idling past "   \
      "their wait_timeout (4031)")                                         \
    X(pool_parked, COUNTER, "server sessions reset and parked")            \
    X(pool_reused, COUNTER, "parked server sessions taken by a client")    \
    X(pool_dropped, COUNTER, "pooled server sessions closed")              \
    X(pool_idle, GAUGE, "server sessions parked now")                      \
    X(pool_checked, COUNTER, "quiet server sessions pinged before reuse")  \
    X(pool_check_failed, COUNTER, "server sessions that failed the ping, " \
      "closed and replaced")                                               \
    X(change_user, COUNTER, "COM_CHANGE_USER commands")                    \
    X(kill_ok, COUNTER, "KILL commands carried out")                       \
    X(kill_refused, COUNTER, "KILLs refused: another user's session")     \
    X(route_leader, COUNTER, "statements routed to their partition's leader") \
    X(route_weak, COUNTER, "statements routed as weak reads")              \
    X(route_forced, COUNTER, "statements routed by target_db_server")      \
    X(route_tenant, COUNTER, "statements routed to the tenant's servers")  \
    X(route_none, COUNTER, "statements without route info")                \
    X(route_error, COUNTER, "statements refused: no server may take them") \
    X(route_lookup_hit, COUNTER, "table lookups found in the route cache") \
    X(route_lookup_miss, COUNTER, "table lookups not in the route cache") \
    X(route_evicted, COUNTER, "table entries left out of the route cache " \
      "to fit routing_cache_mem_limited (the monitor's count)")            \
    X(route_switch, COUNTER, "server session switches within a session") \
    X(handoff_out, COUNTER, "idle sessions handed to the next generation") \
    X(handoff_in, COUNTER, "idle sessions taken from the generation before")

enum obp_stat_id {
#define OBP_STAT_ENUM(name, kind, help) OBP_STAT_##name,
    OBP_STATS_WORKER(OBP_STAT_ENUM)
#undef OBP_STAT_ENUM
    OBP_STAT_COUNT
};

struct obp_stat_desc {
    const char         *name;
    enum obp_stat_kind  kind;
    const char         *help;
};

extern const struct obp_stat_desc obp_stat_descs[OBP_STAT_COUNT];

#endif
