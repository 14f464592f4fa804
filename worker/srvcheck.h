/*
 * Pool hygiene: a server session that has been quiet longer than
 * server_check_delay (pgbouncer's name and default) is checked with a
 * COM_PING before a command is sent on it, whether it comes from the
 * worker's pool, from the session's idle ones or is the session's own.
 * A server that closes a session says so and the pool drops it; this
 * finds the ones that died without a word (a host or a network path
 * gone, a firewall that forgot the connection).  A session that fails
 * the check is closed and the command, not a byte of it sent, is routed
 * again: another pooled session or a new one takes it, and the client
 * sees nothing.  A session whose state could not stand in on a new one
 * (a transaction, autocommit off, a state not kept) is not checked: it
 * cannot be replaced anyway.  sroute.c asks, ssync.c pings, session.c
 * hands a failure here.
 */
#ifndef OBP_WORKER_SRVCHECK_H
#define OBP_WORKER_SRVCHECK_H

#include <ev.h>
#include <stdbool.h>

struct obp_session;

/* s->srv must be checked before the command at the head goes on it. */
bool obp_srvcheck_due(const struct obp_session *s);

/* Seconds the server gets to answer the COM_PING: connect_server_timeout. */
ev_tstamp obp_srvcheck_timeout(const struct obp_session *s);

/*
 * s->srv failed its check (<why>): it is closed and the command at the
 * head is routed again.
 */
void obp_srvcheck_failed(struct obp_session *s, const char *why);

#endif
