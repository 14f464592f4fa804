/*
 * KILL [CONNECTION | QUERY] <id> and COM_PROCESS_KILL with a client
 * session id of this proxy (ODP-REFERENCE 3.5), whichever worker holds
 * the session: the shared entry (registry.h) names its user, server and
 * server connection id.  KILL QUERY runs "KILL QUERY <server id>" on
 * that server through a short-lived server session of the killer's own
 * user; KILL CONNECTION does the same and sets the entry's kill word,
 * which the owning worker polls.  Any other id is relayed: the server
 * answers (1094 "Unknown thread id" when it has no such thread), as for
 * servers whose own connection ids lack bit 31.  request.c hands the
 * commands over.
 */
#ifndef OBP_WORKER_KILL_H
#define OBP_WORKER_KILL_H

struct obp_iobuf;
struct obp_kill;
struct obp_session;

#define OBP_KILL_PASS 1     /* not a KILL for the proxy: relay it */

/*
 * A COM_QUERY or COM_PROCESS_KILL at b->parse.  OBP_KILL_PASS, OBP_AGAIN
 * while it is not whole or once it was taken (its answer queued or to
 * come), OBP_DONE when the session was closed.
 */
int obp_kill_try(struct obp_session *s, struct obp_iobuf *b);

/* Stops <s>'s KILL under way, if any (session teardown). */
void obp_kill_cancel(struct obp_session *s);

#endif
