/*
 * ODP's per-tenant session families of /metrics, odp_current_session
 * (client and server) and odp_new_client_connections, counted into the
 * worker's rows of the statement statistics (shared/sqlstat.h): a few
 * additions, no lock, no allocation.
 *
 * A client session counts from its login to its end under the tenant it
 * logged in to; COM_CHANGE_USER to another tenant moves it; a session
 * handed to the next generation ends here (closed) and starts there
 * (obp_tenantstat_in), so it is counted once.  A login refused, or given
 * up before it completed, counts as connectionResult="fail" under the
 * tenant the client named.  A server connection of a client session
 * counts from its connect to its close under the tenant it logs in as.
 * The proxy's own accounts (tenant proxysys) are not counted, as ODP.
 */
#ifndef OBP_WORKER_TENANTSTAT_H
#define OBP_WORKER_TENANTSTAT_H

#include <stdbool.h>

struct obp_session;
struct obp_srv;
struct obp_worker;

/* The session logged in (<login>: a new client, not a change of user or
 * a session handed in) or changed user: counted under its tenant now. */
void obp_tenantstat_in(struct obp_session *s, bool login);

/* The session ends: off its gauge, or a login that did not complete. */
void obp_tenantstat_out(struct obp_session *s);

/* Server connection <srv> of a client session opened (+1) or closed (-1). */
void obp_tenantstat_server(struct obp_srv *srv, int delta);

#endif
