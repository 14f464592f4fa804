/*
 * How long a session waits for its server's answer (ODP's
 * observer_query_timeout_delta over ob_query_timeout).  While a relayed
 * command waits for its response, the server may stay silent for the
 * statement's query timeout (its own, SET STATEMENT max_statement_time
 * = s FOR or a SELECT's MAX_EXECUTION_TIME(ms) hint, sqlclass.h, read
 * by relay.c from a query and by stmtid.c from a prepared text; else
 * the session's max_statement_time, seconds, or max_execution_time, ms,
 * as the client set them; else server_query_timeout) plus
 * observer_query_timeout_delta (none when the one that applies is 0);
 * past that the
 * server session is closed, never reused, and the client gets ERR 4012
 * (session.h, obp_session_server_failed) unless a read goes again
 * (retry.h).  Silence only counts while the
 * proxy waits for the server: not while the client is slow to read.
 * Without a known query timeout nothing is bounded.  session_pump.c
 * calls these around its pump and the server's events, session.c when
 * a session starts and ends.
 */
#ifndef OBP_WORKER_QTIMEOUT_H
#define OBP_WORKER_QTIMEOUT_H

#include <ev.h>

struct obp_session;

#define OBP_ER_QUERY_TIMEOUT 4012   /* ODP's OB_TIMEOUT */

/* Prepares the session's timer (not started). */
void obp_qtimeout_init(struct obp_session *s);

/* The server moved bytes: its silence starts again. */
void obp_qtimeout_heard(struct obp_session *s);

/*
 * After the session's turn: starts the timer when a response is now
 * awaited, stops it when none is; a read put back for a retry (retry.h)
 * gets another turn of the pump from it at once.
 */
void obp_qtimeout_watch(struct obp_session *s);

/* Stops the timer (the session closes). */
void obp_qtimeout_stop(struct obp_session *s);

/*
 * The seconds the proxy waits for the server's answer to <s>'s command,
 * 0 for no bound.
 */
ev_tstamp obp_qtimeout_limit(const struct obp_session *s);

#endif
