/*
 * Session sync: keeps a session's state store (sstate.h) true to what
 * its server session holds, and brings a new server session to it.
 *
 *   obp_ssync_scan()    request.c and stmtid.c: the SQL of a command
 *                       about to be relayed is scanned (sqlset.h) for
 *                       the changes it makes;
 *   obp_ssync_after()   session_pump.c, when its response ended: the
 *                       changes are applied, and the variables changed
 *                       are read back with the proxy's own query
 *                       (owncmd.h), with their exact type and bytes,
 *                       before the client's next command is relayed;
 *   obp_ssync_ready()   session_server.c and sroute.c, before a command
 *                       goes to a server session that was opened, or
 *                       idle, or lacks what the command needs: a
 *                       COM_PING when it was quiet too long (srvcheck.h),
 *                       the schema (USE), every variable in one SET
 *                       (system variables, collations after their
 *                       character sets, user variables) when the server
 *                       session has an older version of them (sstate.h),
 *                       the statement the command executes prepared
 *                       there (srvstmt.h), and a held BEGIN (sroute.h).
 *
 * While a sync runs, s->sync is set: the request framer waits and the
 * server connection belongs to the proxy's command.  At its end
 * obp_session_synced() is called (never from inside the start calls);
 * obp_ssync_cancel() abandons it when the session closes.
 */
#ifndef OBP_WORKER_SSYNC_H
#define OBP_WORKER_SSYNC_H

#include <stdbool.h>
#include <stddef.h>

/* A value read back larger than this is not kept (the state is given up). */
#define OBP_SSYNC_VALUE_MAX 8192

struct obp_session;

/*
 * Notes the changes <text> will make once it ran.  <cut>: only its
 * start is given.  <multi>: it may hold several statements.
 */
void obp_ssync_scan(struct obp_session *s, const char *text, size_t len,
                    bool cut, bool multi);

/*
 * The current command's response ended (<ok>: without ERR).  OBP_OK:
 * nothing to do; OBP_AGAIN: a sync runs; OBP_ERROR: out of memory.
 */
int obp_ssync_after(struct obp_session *s, bool ok);

/*
 * Brings s->srv to what the command at the head needs (<fresh>: a server
 * session new to the client's state, else only the statement and the
 * held BEGIN), after a COM_PING when <check> (srvcheck.h).  OBP_OK:
 * nothing to do; OBP_AGAIN: a sync runs; OBP_ERROR: it could not start
 * (logged).  The server's ERR to the statement or the BEGIN becomes the
 * command's answer; a failed COM_PING ends the sync with rc OBP_AGAIN.
 */
int obp_ssync_ready(struct obp_session *s, bool fresh, bool check);

/* Abandons a running sync (session teardown). */
void obp_ssync_cancel(struct obp_session *s);

#endif
