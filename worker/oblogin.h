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

struct obp_srv;

/* Whether <srv> logs in to an OceanBase tenant (live metadata, a tenant). */
bool obp_oblogin_wanted(const struct obp_srv *srv);

/*
 * The user name an OceanBase server is sent: user@tenant, and #cluster
 * when <full>; truncated to <cap> (always terminated).
 */
void obp_oblogin_user(char *out, size_t cap, const char *user,
                      const char *tenant, const char *cluster, bool full);

/*
 * Replaces srv->lg.attrs with ODP's: the client's __ob_client* ones, then
 * __mysql_client_type, __proxy_connection_id, __cluster_name,
 * __proxy_capability_flag, __proxy_scramble, __client_ip (in
 * srv->own_attrs, built once).
 */
int obp_oblogin_attrs(struct obp_srv *srv);

/*
 * Whether a login ERR with MySQL error number <code> is OceanBase's
 * "try another server" (tenant not in server, server starting or
 * stopping, connect error, cluster mismatch): never the client's.
 * The next server is tried within connect_observer_max_retries.
 */
bool obp_oblogin_retryable(uint16_t code);

#endif
