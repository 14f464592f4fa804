/*
 * KILL [HARD | SOFT] [CONNECTION | QUERY] <id>, as the server reads it
 * (the SQL lexer's tokens: comments anywhere), alone, among the
 * statements of a multi-statement query, or prepared (KILL ? or KILL
 * <id>, caught at its execute), and COM_PROCESS_KILL, with a client
 * session id of this proxy (ODP-REFERENCE 3.5), whichever worker holds
 * the session: the shared entry (registry.h) names its user, server and
 * server connection id.  KILL QUERY runs "KILL QUERY <server id>" on
 * that server through a short-lived server session of the killer's own
 * user; KILL CONNECTION does the same and sets the entry's kill word,
 * which the owning worker polls.  An id that is no session of this
 * proxy gets 1094 "Unknown thread id": no id reaches a server as a KILL
 * (KILL USER and KILL QUERY ID are the server's).  request.c hands the
 * commands over.
 */
#ifndef OBP_WORKER_KILL_H
#define OBP_WORKER_KILL_H

struct obp_iobuf;
struct obp_kill;
struct obp_session;

#define OBP_KILL_PASS 1     /* not a KILL for the proxy: relay it */

/*
 * A COM_QUERY, COM_STMT_EXECUTE or COM_PROCESS_KILL at b->parse.
 * OBP_KILL_PASS (relay it: not a KILL, or one rewritten in place),
 * OBP_AGAIN while it is not whole or once it was taken (its answer
 * queued or to come), OBP_DONE when the session was closed.
 */
int obp_kill_try(struct obp_session *s, struct obp_iobuf *b);

/* Stops <s>'s KILL under way, if any (session teardown). */
void obp_kill_cancel(struct obp_session *s);

#endif
