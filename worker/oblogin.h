/*
 * Logging in to an OceanBase server (ODP-REFERENCE 9.3): when the
 * cluster is known from the OceanBase metadata source, the server sees
 * the tenant in the user name (user@tenant, #cluster too with
 * enable_full_username) and ODP's connect attributes, and a login the
 * server refuses because the tenant is not on it, or because it is
 * starting or stopping, goes on to the tenant's next server.  A static
 * topology's servers are plain MySQL servers: plain user, the client's
 * attributes.
 */
#ifndef OBP_WORKER_OBLOGIN_H
#define OBP_WORKER_OBLOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_handshake;
struct obp_ok;
struct obp_session;
struct obp_srv;
struct obp_srv_login;

/*
 * Copies into <lg> what an OceanBase login of <s> tells the server: the
 * tenant and cluster, the client's address, its session id, cluster id
 * (the user name's, else for rootservice_cluster_name the config
 * server's: obp_route_cluster_id), connect time and scramble, the global
 * variables version.
 */
void obp_oblogin_fill(struct obp_srv_login *lg, const struct obp_session *s);

/* Whether <srv> logs in to an OceanBase tenant (live metadata, a tenant). */
bool obp_oblogin_wanted(const struct obp_srv *srv);

/*
 * The user name an OceanBase server is sent: user@tenant, and #cluster
 * when <full>; truncated to <cap> (always terminated).
 */
void obp_oblogin_user(char *out, size_t cap, const char *user,
                      const char *tenant, const char *cluster, bool full);

/*
 * Replaces srv->lg.attrs with ODP's for the server whose handshake is
 * <hs>: the client's __ob_client* ones, then __mysql_client_type,
 * __connection_id (the server's), __proxy_connection_id,
 * __cluster_name, __cluster_id, __global_vars_version,
 * __proxy_capability_flag, __proxy_scramble, __client_ip,
 * __proxy_version, __client_addr_port, __client_session_id,
 * __client_connect_time, __proxy_idc_name (in srv->own_attrs, made
 * again for each server tried).
 */
int obp_oblogin_attrs(struct obp_srv *srv, const struct obp_handshake *hs);

/*
 * The scramble the login token is computed for: with
 * enable_proxy_scramble the client's (the server gets it in
 * __proxy_scramble), else, and always for a MariaDB server, the
 * server's own.
 */
const uint8_t *obp_oblogin_token_scramble(const struct obp_srv *srv,
                                          const struct obp_handshake *hs);

/*
 * Takes the ob_proxy_global_variables_version a session's first server
 * login OK <ok> reports into s->gvars_version, which its later logins
 * send as __global_vars_version (ODP's rule: 0 marks the first).
 */
void obp_oblogin_learn(struct obp_session *s, const struct obp_ok *ok);

/*
 * Whether a login ERR with MySQL error number <code> is OceanBase's
 * "try another server" (tenant not in server, server starting or
 * stopping, connect error, cluster mismatch): never the client's.
 * The next server is tried within connect_observer_max_retries.
 */
bool obp_oblogin_retryable(uint16_t code);

#endif
