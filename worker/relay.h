/*
 * A command for a server (the command table's default, cmd.h): routing
 * picks its server session (sroute.h), which is opened or brought to the
 * session's state first, and what the proxy keeps of the command is
 * noted before it goes: the session state a statement changes (ssync.h),
 * a statement id to map (stmtid.h), COM_INIT_DB's schema, a KILL among
 * several statements or a prepared one (kill.h), and CONNECTION_ID(),
 * rewritten in place to the client's id (sqlfix.h).
 */
#ifndef OBP_WORKER_RELAY_H
#define OBP_WORKER_RELAY_H

#include <stdint.h>

#include "cmd.h"

struct obp_iobuf;
struct obp_session;

/*
 * The command at b->parse (payload <len>): OBP_CMD_RELAY once s->srv is
 * ready for it, or as cmd.h says.
 */
enum obp_cmd_rc obp_relay_command(struct obp_session *s, struct obp_iobuf *b,
                                  uint32_t len);

#endif
