/*
 * The parameter table: every configuration parameter is declared once, in
 * OBP_PARAMS below.  The same rows generate the fields of struct obp_conf,
 * the lookup table used by the YAML and INI loaders, -o, SIGHUP and
 * --help-params.  Defaults are strings parsed by the same setter as user
 * input, so a bad default fails the unit tests.  Names, defaults and ranges
 * follow ODP where ODP has the parameter.  The size bound on client
 * packets is none of them: it is the servers' max_allowed_packet, read by
 * the account lookups (README, Configuration).
 */
#ifndef OBP_SHARED_PARAMS_H
#define OBP_SHARED_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum obp_ptype {
    OBP_PT_BOOL,        /* true/false, on/off, yes/no, 1/0 */
    OBP_PT_INT,         /* decimal integer */
    OBP_PT_TIME,        /* us, ms, s, m, h, d; a bare number is us (ODP) */
    OBP_PT_SIZE,        /* B, KB, MB, GB, TB (powers of 1024) */
    OBP_PT_STRING,
    OBP_PT_LIST,        /* items separated by ';' or ',' */
    OBP_PT_ENUM,        /* one name of the row's obp_enum table */
    OBP_PT_SHA1         /* "" or 40 hex digits: a hash, never a password */
};

/* Parameter flags. */
#define OBP_P_RESTART   0x1     /* a change takes effect at the next start */
#define OBP_P_RELOAD    0x2     /* a change takes effect on SIGHUP */
#define OBP_P_READONLY  0x4     /* shown, never set by the user */

struct obp_enum {
    const char *name;
    int         value;
};

extern const struct obp_enum obp_enum_log_level[];

/* proxy_route_policy values (ODP's names, matched without case). */
enum obp_route_policy {
    OBP_POLICY_MERGE_IDC_ORDER = 0,     /* "": ODP's default */
    OBP_POLICY_FOLLOWER_FIRST,
    OBP_POLICY_UNMERGE_FOLLOWER_FIRST,
    OBP_POLICY_FOLLOWER_ONLY
};

extern const struct obp_enum obp_enum_route_policy[];

#define OBP_INT_UNLIMITED  INT64_C(9223372036854775807)

/*
 * The TCP options of one side's sockets, <side> client or server (ODP's
 * client_tcp_* and server_tcp_*), and its flag parameter <flags>.
 */
#define OBP_TCP_PARAMS(X, side, flags)                                       \
    X(side##_tcp_keepidle, INT, "5", 1, 32767, OBP_P_RELOAD, NULL,           \
      "seconds a " #side " socket stays quiet before keepalive probes")      \
    X(side##_tcp_keepintvl, INT, "5", 1, 32767, OBP_P_RELOAD, NULL,          \
      "seconds between keepalive probes on " #side " sockets")               \
    X(side##_tcp_keepcnt, INT, "5", 1, 127, OBP_P_RELOAD, NULL,              \
      "unanswered keepalive probes that close a " #side " socket")           \
    X(side##_tcp_user_timeout, INT, "0", 0, 86400, OBP_P_RELOAD, NULL,       \
      "seconds sent data may stay unacknowledged on a " #side " socket "     \
      "(TCP_USER_TIMEOUT), 0 the system's")                                  \
    X(flags, INT, "3", 0, 3, OBP_P_RELOAD, NULL,                             \
      #side " sockets: bit 1 TCP_NODELAY, bit 2 SO_KEEPALIVE")

/*
 * X(name, type, default, min, max, flags, enum table, help)
 * min/max bound INT, TIME (in us) and SIZE (in bytes), and the length of
 * STRING and LIST values.
 */
#define OBP_PARAMS(X)                                                        \
    X(listen_port, INT, "2883", 1025, 65535, OBP_P_RESTART, NULL,            \
      "TCP port the proxy accepts MySQL clients on")                         \
    X(prometheus_listen_port, INT, "2884", 1025, 65535, OBP_P_RESTART, NULL, \
      "TCP port of the Prometheus /metrics endpoint")                        \
    X(enable_prometheus, BOOL, "true", 0, 1, OBP_P_RESTART, NULL,            \
      "serve /metrics on prometheus_listen_port (the monitor process)")      \
    X(enable_extra_prometheus_metric, BOOL, "false", 0, 1, OBP_P_RELOAD,    \
      NULL, "also odp_request_byte and odp_entry_total in /metrics")        \
    X(monitor_item_limit, INT, "3000", 1, 1000000, OBP_P_RELOAD, NULL,      \
      "label sets /metrics shows of the per-tenant families, at most")      \
    X(local_bound_ip, STRING, "0.0.0.0", 1, 64, OBP_P_RESTART, NULL,         \
      "IPv4 address the listening sockets bind to")                          \
    X(local_bound_ipv6_ip, STRING, "::", 1, 64, OBP_P_RESTART, NULL,         \
      "IPv6 address the listening sockets bind to")                          \
    X(ip_listen_mode, INT, "1", 1, 3, OBP_P_RESTART, NULL,                   \
      "1 listens on IPv4, 2 on IPv6, 3 on both")                             \
    X(automatic_match_work_thread, BOOL, "true", 0, 1, OBP_P_RESTART, NULL,  \
      "run one worker per CPU, at most work_thread_num")                     \
    X(work_thread_num, INT, "128", 1, 128, OBP_P_RESTART, NULL,              \
      "number of worker processes (upper bound when automatic)")             \
    X(client_max_connections, INT, "8192", 0, 1000000, OBP_P_RELOAD, NULL,   \
      "client connections the proxy accepts at once, 0 for no limit")        \
    X(connect_server_timeout, TIME, "5s", 1000, 3600000000, OBP_P_RELOAD,    \
      NULL, "how long a connection attempt to a server may take")            \
    X(connect_observer_max_retries, INT, "3", 2, 5, OBP_P_RELOAD, NULL,    \
      "servers one connection tries before it fails")                        \
    X(rootservice_list, LIST, "", 0, 4096, OBP_P_RESTART, NULL,              \
      "the cluster's servers, ip:sql_port;ip:sql_port")                      \
    X(rootservice_cluster_name, STRING, "undefined", 1, 128, OBP_P_RESTART,  \
      NULL, "name of the cluster behind the proxy")                          \
    X(obproxy_config_server_url, STRING, "", 0, 2047, OBP_P_RESTART, NULL,  \
      "config server URL (http:// or https://) that lists the cluster's "   \
      "servers, when rootservice_list is empty")                             \
    X(config_server_ssl_ca, STRING, "", 0, 4096, OBP_P_RELOAD, NULL,         \
      "PEM CA certificates an https config server is verified against, "    \
      "besides the system's")                                                \
    X(config_server_refresh_interval, TIME, "60s", 10000000, 86400000000,   \
      OBP_P_RELOAD, NULL, "how often the config server's list is fetched "   \
      "again")                                                               \
    X(app_name, STRING, "undefined", 1, 128, OBP_P_RESTART, NULL,            \
      "application name of this proxy")                                      \
    X(proxy_id, INT, "0", 0, 8191, OBP_P_RESTART, NULL,                      \
      "id of this proxy, part of every client session id")                   \
    X(proxy_tenant_name, STRING, "", 0, 127, OBP_P_RELOAD, NULL,             \
      "tenant of a login name that names none")                              \
    X(username_separator, LIST, ":;-;.", 0, 16, OBP_P_RELOAD, NULL,          \
      "separators of cluster:tenant:user login names")                      \
    X(observer_sys_password, SHA1, "", 0, 40, OBP_P_RELOAD, NULL,            \
      "SHA1 (40 hex digits) of the proxyro service account's password")      \
    X(observer_sys_password1, SHA1, "", 0, 40, OBP_P_RELOAD, NULL,           \
      "the proxyro password's previous SHA1, tried when the first fails")    \
    X(obproxy_sys_password, SHA1, "f0455d5edb4833fa2e91762e71b61bc35d45cf0b",\
      0, 40, OBP_P_RELOAD, NULL,                                             \
      "SHA1 (40 hex digits) of the password of root@proxysys, the admin")    \
    X(inspector_password, SHA1, "de6d44e0bb589f8044f6dde47d870569c31dbcec",  \
      0, 40, OBP_P_RELOAD, NULL,                                             \
      "SHA1 of the password of inspector@proxysys, who may only read")       \
    X(skip_proxy_sys_private_check, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL, \
      "let the proxysys accounts log in from public addresses too")          \
    X(skip_proxyro_check, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,           \
      "let clients log in as proxyro, the proxy's service account")          \
    X(internal_cmd_mem_limited, SIZE, "16MB", 4096, 1073741824,              \
      OBP_P_RELOAD, NULL, "bytes one answer of the proxy's own may take")    \
    X(mysql_version, STRING, "", 0, 63, OBP_P_RELOAD, NULL,                  \
      "server version the proxy announces (\"\": the servers' own)")        \
    X(client_session_id_version, INT, "2", 1, 2, OBP_P_RESTART, NULL,        \
      "layout of client session ids (2: 13-bit proxy_id)")                   \
    X(client_login_timeout, TIME, "10s", 100000, 3600000000, OBP_P_RELOAD,  \
      NULL, "how long a client may take to answer the proxy's handshake")    \
    X(client_net_read_timeout, TIME, "30s", 100000, 3600000000,            \
      OBP_P_RELOAD, NULL, "obproxy's own (MariaDB's net_read_timeout): how " \
      "long a client may pause in the middle of a packet")                   \
    X(default_inactivity_timeout, TIME, "180000s", 1000000,                  \
      INT64_C(31536000000000), OBP_P_RELOAD, NULL, "how long a client may "  \
      "stay idle, besides its wait_timeout (the smaller wins)")              \
    X(auth_cache_expire_time, TIME, "60s", 0, 86400000000, OBP_P_RELOAD,     \
      NULL, "how long a worker reuses an account's fetched password hash")   \
    X(short_async_task_timeout, TIME, "5s", 100000, 3600000000,              \
      OBP_P_RELOAD, NULL, "how long an account lookup query may take, "     \
      "and a statement waits for its table's metadata")                      \
    X(delay_update_entry_interval, TIME, "5s", 0, 3600000000, OBP_P_RELOAD,  \
      NULL, "how long after OB_NOT_MASTER a table's locations are read "     \
      "again")                                                               \
    X(server_state_refresh_interval, TIME, "20s", 100000, 3600000000,        \
      OBP_P_RELOAD, NULL, "how often the OceanBase source reads the "        \
      "cluster's zones, servers and the locations that expired")             \
    X(tenant_location_valid_time, TIME, "1d", 1000000,                       \
      INT64_C(31536000000000), OBP_P_RELOAD, NULL, "how long the OceanBase " \
      "source keeps a tenant's server list before reading it again")         \
    X(partition_location_expire_relative_time, TIME, "0", 0,                 \
      INT64_C(31536000000000), OBP_P_RELOAD, NULL, "a table's locations "    \
      "older than this are read again at the next refresh, 0 never")         \
    X(observer_query_timeout_delta, TIME, "20s", 1000000, 30000000,         \
      OBP_P_RELOAD, NULL, "added to a session's query timeout: how long "   \
      "the proxy waits for a server's answer")                               \
    X(server_query_timeout, TIME, "0", 0, INT64_C(31536000000000),           \
      OBP_P_RELOAD, NULL, "obproxy's own: the query timeout of a session "  \
      "that set none (max_statement_time, max_execution_time), 0 none")      \
    X(server_session_pool_size, INT, "64", 0, 100000, OBP_P_RELOAD, NULL,  \
      "obproxy's own: idle server sessions a worker keeps for reuse, 0 off") \
    X(server_session_idle_timeout, TIME, "60s", 100000, 86400000000,         \
      OBP_P_RELOAD, NULL, "obproxy's own: how long a server session may "    \
      "stay parked in a worker's pool")                                      \
    X(server_check_delay, TIME, "30s", 0, 86400000000, OBP_P_RELOAD, NULL,   \
      "pgbouncer's: a server session quiet this long is pinged before a "   \
      "command goes on it (0: before every command)")                        \
    OBP_TCP_PARAMS(X, client, client_sock_option_flag_out)                   \
    OBP_TCP_PARAMS(X, server, sock_option_flag_out)                          \
    X(enable_client_ssl, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,            \
      "offer TLS to clients (needs ssl_public_key and ssl_private_key)")    \
    X(enable_server_ssl, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,            \
      "speak TLS to the servers that offer it")                             \
    X(ssl_public_key, STRING, "", 0, 4096, OBP_P_RELOAD, NULL,               \
      "PEM certificate (chain) shown to clients, ODP's key_info publicKey") \
    X(ssl_private_key, STRING, "", 0, 4096, OBP_P_RELOAD, NULL,              \
      "PEM private key of ssl_public_key, ODP's key_info privateKey")       \
    X(ssl_ca, STRING, "", 0, 4096, OBP_P_RELOAD, NULL,                       \
      "PEM CA certificates; when set, servers' certificates are verified")  \
    X(ssl_attributes, STRING, "", 0, 256, OBP_P_RELOAD, NULL,                \
      "JSON: using_ssl ENABLE_FORCE|DISABLE_FORCE, min_tls_version")        \
    X(enable_compression_protocol, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,  \
      "use the compressed protocol with servers that offer it")             \
    X(enable_client_compression, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,     \
      "obproxy's own: offer the compressed protocol to clients")            \
    X(compression_algorithm, STRING, "", 0, 16, OBP_P_RELOAD, NULL,          \
      "\"\" (zlib level 6) or zlib:0 .. zlib:9 (0: framed, not packed); " \
      "zlib:1 .. zlib:9 also OB 2.0's zlib variant with servers")          \
    X(enable_ob_protocol_v2, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,        \
      "ask servers for OceanBase 2.0 framing (new server sessions)")       \
    X(enable_full_username, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,         \
      "OceanBase logins send user@tenant#cluster, not user@tenant")        \
    X(enable_proxy_scramble, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,        \
      "OceanBase logins: the token is made for the client's scramble, "    \
      "sent XOR the server's in __proxy_scramble")                         \
    X(enable_cluster_checkout, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,       \
      "OceanBase logins send __cluster_name and __cluster_id (the server "  \
      "refuses another cluster's login)")                                  \
    X(enable_client_ip_checkout, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,     \
      "OceanBase logins send __client_ip (the tenant's whitelist)")        \
    X(enable_ob_protocol_v2_with_client, BOOL, "false", 0, 1, OBP_P_RELOAD,  \
      NULL, "OceanBase 2.0 framing to clients that ask for it")            \
    X(enable_reroute, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,               \
      "ask OB 2.0 servers to answer OB_ERR_REROUTE for a misrouted "       \
      "statement, sent again once to the server named")                    \
    X(enable_congestion, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,             \
      "skip servers that failed, for every worker (the blocklist)")         \
    X(congestion_failure_threshold, INT, "5", 0, 1000000, OBP_P_RELOAD,     \
      NULL, "failures within congestion_fail_window that block a server, " \
      "0 off")                                                               \
    X(congestion_fail_window, TIME, "120s", 1000000, 3600000000,           \
      OBP_P_RELOAD, NULL, "window in which a server's failures count")     \
    X(congestion_retry_interval, TIME, "20s", 1000000, 3600000000,          \
      OBP_P_RELOAD, NULL, "how long a blocked server waits for one try")   \
    X(min_keep_congestion_interval, TIME, "20s", 1000000, 86400000000,     \
      OBP_P_RELOAD, NULL, "how long a blocked server stays blocked at least "\
      "before a detection success frees it")                                \
    X(min_congested_connect_timeout, TIME, "100ms", 1000, 3600000000,      \
      OBP_P_RELOAD, NULL, "connect and handshake time of a retry of a "   \
      "server that failed (connect_server_timeout if shorter)")            \
    X(server_detect_mode, INT, "1", 0, 2, OBP_P_RELOAD, NULL,               \
      "0 no detection, 1 probe servers that recently failed, 2 probe all")  \
    X(server_detect_fail_threshold, INT, "3", 1, 10000, OBP_P_RELOAD, NULL, \
      "probes failed in a row that make a server detect-dead")              \
    X(server_detect_refresh_interval, TIME, "1s", 100000, 3600000000,      \
      OBP_P_RELOAD, NULL, "how often the monitor probes the servers")       \
    X(detect_server_timeout, TIME, "5s", 100000, 3600000000, OBP_P_RELOAD, \
      NULL, "how long a probe's connect, login or query may take")          \
    X(proxy_idc_name, STRING, "", 0, 127, OBP_P_RELOAD, NULL,               \
      "IDC of this proxy for LDC routing of weak reads (\"\": LDC off)")    \
    X(proxy_route_policy, ENUM, "", 0, 0, OBP_P_RELOAD,                     \
      obp_enum_route_policy, "weak reads: \"\" (MERGE_IDC_ORDER), "          \
      "FOLLOWER_FIRST, UNMERGE_FOLLOWER_FIRST, FOLLOWER_ONLY")               \
    X(target_db_server, STRING, "", 0, 4096, OBP_P_RELOAD, NULL,             \
      "forced servers ip:port,ip:port;ip:port (';' priority groups)")      \
    X(enable_read_write_split, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,      \
      "SELECTs outside transactions are weak reads")                        \
    X(read_after_write_window, TIME, "0", 0, 3600000000, OBP_P_RELOAD, NULL, \
      "after a session's write its reads stay on the primary (0: off)")     \
    X(enable_causal_read, BOOL, "false", 0, 1, OBP_P_RELOAD, NULL,           \
      "after a session's write only replicas that applied it (GTID) read") \
    X(ob_max_read_stale_time, INT, "-1", -1, 86400000000, OBP_P_RELOAD, NULL,\
      "us a replica may lag and still serve reads (-1: no limit)")         \
    X(enable_primary_zone, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,           \
      "without a partition, route by the tenant's primary zone")            \
    X(enable_cached_server, BOOL, "true", 0, 1, OBP_P_RELOAD, NULL,          \
      "without a partition, keep the session's current server")            \
    X(obproxy_read_consistency, INT, "0", 0, 1, OBP_P_RELOAD, NULL,          \
      "1: sessions read weak (ob_read_consistency=2) unless they say")      \
    X(route_diagnosis_level, INT, "2", 0, 4, OBP_P_RELOAD, NULL,             \
      "EXPLAIN ROUTE's detail: 0 off, 1 main points, 2 to 4 more")          \
    X(routing_cache_mem_limited, SIZE, "128MB", 1048576, 68719476736,        \
      OBP_P_RESTART, NULL, "room for the route cache in the shared segment") \
    X(hot_upgrade_exit_timeout, TIME, "30s", 0, 86400000000, OBP_P_RELOAD,   \
      NULL, "how long a graceful stop lets sessions finish")                 \
    X(hot_upgrade_rollback_timeout, TIME, "10s", 100000, 86400000000,        \
      OBP_P_RELOAD, NULL, "after a hot upgrade, how long the old generation "\
      "stays ready to serve again if the new one fails")                     \
    X(delay_exit_time, TIME, "100ms", 100000, 500000, OBP_P_RELOAD, NULL,    \
      "how long a fast stop waits for workers before killing them")          \
    X(syslog_level, ENUM, "WDIAG", 0, 0, OBP_P_RELOAD, obp_enum_log_level,   \
      "least severe level written to log/obproxy.log")                       \
    X(max_log_file_size, SIZE, "256MB", 1048576, 1073741824, OBP_P_RELOAD,   \
      NULL, "a log file larger than this is rotated")                        \
    X(max_syslog_file_count, INT, "0", 0, 100000, OBP_P_RELOAD, NULL,        \
      "rotated log files kept per log, 0 for no limit")                      \
    X(log_dir_size_threshold, SIZE, "64GB", 1048576,                         \
      INT64_C(1125899906842624), OBP_P_RELOAD, NULL, "bytes the log files "  \
      "may take: the oldest rotated ones go at each rotation")               \
    X(query_digest_time_threshold, TIME, "100ms", 0, 86400000000,            \
      OBP_P_RELOAD, NULL, "a request taking this long is written to "        \
      "log/obproxy_digest.log")                                              \
    X(slow_query_time_threshold, TIME, "500ms", 0, 86400000000,              \
      OBP_P_RELOAD, NULL, "a request taking this long is slow: written to "  \
      "log/obproxy_slow.log, slowQuery in /metrics")                         \
    X(slow_transaction_time_threshold, TIME, "1s", 0, 86400000000,           \
      OBP_P_RELOAD, NULL, "a transaction taking this long is written to "    \
      "log/obproxy_slow.log when it ends")                                   \
    X(digest_sql_length, INT, "1024", 0, 65536, OBP_P_RELOAD, NULL,          \
      "bytes of a statement kept for the request logs")                      \
    X(monitor_stat_dump_interval, TIME, "1m", 1000000, 3600000000,           \
      OBP_P_RELOAD, NULL, "how often log/obproxy_stat.log gets its lines")   \
    X(monitor_stat_low_threshold, TIME, "30ms", 0, 86400000000,              \
      OBP_P_RELOAD, NULL, "obproxy_stat.log: a request this slow or more "   \
      "counts as low")                                                       \
    X(monitor_stat_middle_threshold, TIME, "100ms", 0, 86400000000,          \
      OBP_P_RELOAD, NULL, "obproxy_stat.log: as middle")                     \
    X(monitor_stat_high_threshold, TIME, "500ms", 0, 86400000000,            \
      OBP_P_RELOAD, NULL, "obproxy_stat.log: as high")

#define OBP_CTYPE_BOOL   bool
#define OBP_CTYPE_INT    int64_t
#define OBP_CTYPE_TIME   int64_t
#define OBP_CTYPE_SIZE   int64_t
#define OBP_CTYPE_STRING char *
#define OBP_CTYPE_LIST   char *
#define OBP_CTYPE_SHA1   char *
#define OBP_CTYPE_ENUM   int

struct obp_param {
    const char            *name;
    enum obp_ptype         type;
    size_t                 offset;   /* of the field in struct obp_conf */
    const char            *dflt;     /* parsed by the setter, like input */
    int64_t                min;      /* value, or length for strings */
    int64_t                max;
    unsigned               flags;    /* OBP_P_* */
    const struct obp_enum *names;    /* OBP_PT_ENUM only, NULL-terminated */
    const char            *help;
};

extern const struct obp_param obp_params[];
extern const size_t obp_nparams;

/* obp_nparams as a constant, for arrays indexed like obp_params[]. */
#define OBP_PARAM_ONE(...) + 1
enum { OBP_NPARAMS = 0 OBP_PARAMS(OBP_PARAM_ONE) };

/* The row named <name> (case-sensitive, as in ODP), or NULL. */
const struct obp_param *obp_param_find(const char *name);

/*
 * Parses <value> by the row's type and range and stores it into <conf>,
 * freeing a string it replaces.  On failure returns OBP_ERROR, leaves
 * <conf> unchanged and writes a phrase such as `"70000" is out of range
 * [1025, 65535]` into <err>; the caller adds FILE:LINE and the key.
 */
int obp_param_set(struct obp_conf *conf, const struct obp_param *p,
                  const char *value, char *err, size_t errlen);

/*
 * Stores the row's default like obp_param_set(), OBP_P_READONLY rows
 * included: for obp_conf_new().  On failure errno is ENOMEM when memory
 * ran out, else EINVAL (a bad default, a bug).
 */
int obp_param_set_default(struct obp_conf *conf, const struct obp_param *p,
                          char *err, size_t errlen);

/* Writes the current value of <p> in <conf> as text a setter accepts. */
int obp_param_format(const struct obp_conf *conf, const struct obp_param *p,
                     char *buf, size_t len);

/*
 * The same for people to read (obproxyctl, log lines): a SHA1 is shown
 * as OBP_PARAM_HIDDEN, since it logs in as well as the password would.
 */
int obp_param_show(const struct obp_conf *conf, const struct obp_param *p,
                   char *buf, size_t len);

#define OBP_PARAM_HIDDEN "(a SHA1, not shown)"

/* Writes the allowed range of <p> ("[1025, 65535]", "one of ..."). */
void obp_param_range(const struct obp_param *p, char *buf, size_t len);

/* True when <p> holds the same value in <a> and <b>. */
bool obp_param_equal(const struct obp_conf *a, const struct obp_conf *b,
                     const struct obp_param *p);

/*
 * Unit parsers shared with the tests: OBP_OK and the value, or OBP_ERROR.
 * Time in microseconds, size in bytes.
 */
int obp_parse_time(const char *s, int64_t *us);
int obp_parse_size(const char *s, int64_t *bytes);
int obp_parse_bool(const char *s, bool *b);

#endif
