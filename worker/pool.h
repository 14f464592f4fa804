/*
 * The worker's pool of idle server sessions.  A client that ends while
 * its server session is idle (no command, no partial packet, no open
 * transaction, autocommit on) hands it over: COM_RESET_CONNECTION, and on
 * its OK the session is parked under (server, account row, user,
 * tenant, schema, charset, format capabilities) until a client verified
 * against the same account row (obp_acct_row_id: user, host pattern,
 * stored hash) logs in, it idles out, the pool is full, or the server
 * closes it.  session_pump.c and session_server.c offer,
 * clogin.c and chuser.c take, loop.c empties the pool on stop.
 */
#ifndef OBP_WORKER_POOL_H
#define OBP_WORKER_POOL_H

#include <stdint.h>

struct obp_srv;
struct obp_session;
struct obp_worker;

struct obp_srv_pool {
    struct obp_srv *head;       /* newest first */
    struct obp_srv *tail;       /* the oldest: closed first when full */
    unsigned        n;          /* parked and being reset */
};

/*
 * The session ends: its server session is reset and parked when it is
 * idle and pooling is on.  OBP_OK when the pool took it (s->srv is then
 * NULL), OBP_ERROR when the caller closes it as before.
 */
int obp_pool_offer(struct obp_session *s);

/*
 * The same for an idle server session of <s> that is not its current
 * one (sroute.h), parked under the schema it is on.
 */
int obp_pool_offer_srv(const struct obp_session *s, struct obp_srv *srv);

/* A parked session matching <s>'s login, now s->srv; OBP_ERROR: none. */
int obp_pool_take(struct obp_session *s);

/* The same on server-table index <server> only (sroute.h). */
int obp_pool_take_on(struct obp_session *s, int server);

/* Closes every pooled session with COM_QUIT (worker stop). */
void obp_pool_close_all(struct obp_worker *w, const char *why);

#endif
