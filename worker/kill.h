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
 * (KILL USER and KILL QUERY ID are the server's).  The command table
 * (cmd.h) and relay.c hand the commands over.
 */
#ifndef OBP_WORKER_KILL_H
#define OBP_WORKER_KILL_H

#include "cmd.h"

struct obp_iobuf;
struct obp_kill;
struct obp_session;

/*
 * A COM_QUERY, COM_STMT_EXECUTE or COM_PROCESS_KILL at b->parse, for
 * relay.c: OBP_CMD_RELAY when it is not a KILL for the proxy (or one
 * rewritten in place), else as cmd.h says.
 */
enum obp_cmd_rc obp_kill_try(struct obp_session *s, struct obp_iobuf *b);

/*
 * The command table's KILL and COM_PROCESS_KILL: the admin's (adm.h) or
 * a user's, relayed when the proxy has nothing to do with it.
 */
enum obp_cmd_rc obp_kill_cmd(struct obp_session *s, struct obp_iobuf *b,
                             struct obp_cmd_arg *a);

/*
 * The admin's KILL QUERY of session <s> (registry.h's kill_query word):
 * its statement under way, if any, is killed on its server through a
 * short-lived session of its own user; nobody waits for the outcome,
 * which is logged.
 */
void obp_kill_query_own(struct obp_session *s);

/* Stops <s>'s KILL under way, if any (session teardown). */
void obp_kill_cancel(struct obp_session *s);

#endif
