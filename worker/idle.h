/*
 * A client's time limits once logged in.  Idle: as the server would apply
 * it, the wait_timeout the client set, else the servers'
 * interactive_timeout for an interactive client and their wait_timeout
 * for others (read by the account lookups), or the proxy's
 * default_inactivity_timeout when smaller; a client idle that long gets
 * the server's ERR 4031 and is disconnected.  Reading: a client that
 * began a packet and sends nothing more for client_net_read_timeout
 * (MariaDB's net_read_timeout) gets the server's ERR 1159 and is
 * disconnected.  The session's timer serves both while the session is
 * logged in; session.c arms it and hands its expiry over.
 */
#ifndef OBP_WORKER_IDLE_H
#define OBP_WORKER_IDLE_H

#include <ev.h>

struct obp_session;

/*
 * The wait_timeout the servers apply to <s>'s server sessions: the one
 * it set, else the servers' global for its kind of client; 0 unknown.
 */
ev_tstamp obp_idle_wait_timeout(const struct obp_session *s);

/*
 * How long an idle server session may stay open under a server's
 * <wait_timeout> (seconds, 0 unknown: 0), so that the proxy closes it
 * (COM_QUIT) before the server drops it as an aborted client and before
 * a statement races the server's close.
 */
ev_tstamp obp_idle_before_server(ev_tstamp wait_timeout);

/* Sets the timer for the limit now in force, from the last activity. */
void obp_idle_arm(struct obp_session *s);

/*
 * After the session's turn: a packet just begun sets the timer for the
 * read limit, unless it runs out sooner already.  No syscall, no timer
 * restart otherwise: the hot path.
 */
void obp_idle_watch(struct obp_session *s);

/* The timer ran out: the limits are checked again, or the client goes. */
void obp_idle_expired(struct obp_session *s);

#endif
