/*
 * The proxy's admin commands (ODP-REFERENCE 3): handlers of the command
 * table (cmd.h) answering with result sets whose columns are ODP's.
 * Who may run each is the table's business; a handler reads its
 * statement's words from the lexer (a->t stands after the row's words)
 * and answers with obp_req_answer(s).
 *
 *   adm_info.c     PING PROXY, SELECT PROXY_VERSION(), PROXY_STATUS(),
 *                  SHOW PROXYSTAT, SHOW PROXYINFO, an admin session's SET
 *                  and SELECT
 *   adm_session.c  SHOW PROXYSESSION, SHOW PROCESSLIST, KILL PROXYSESSION
 *                  and an admin's KILL
 *   adm_config.c   SHOW PROXYCONFIG, ALTER PROXYCONFIG (through the
 *                  master's control socket: ctlcall.h)
 *   adm_level.c    REPLACE INTO, DELETE FROM and SELECT * FROM ODP's
 *                  multi-level tables
 */
#ifndef OBP_WORKER_ADM_H
#define OBP_WORKER_ADM_H

#include "cmd.h"

struct obp_iobuf;
struct obp_session;

#define OBP_ADM_HANDLER(name)                                                \
    enum obp_cmd_rc name(struct obp_session *s, struct obp_iobuf *b,         \
                         struct obp_cmd_arg *a)

OBP_ADM_HANDLER(obp_adm_ok);
OBP_ADM_HANDLER(obp_adm_proxy_version);
OBP_ADM_HANDLER(obp_adm_proxy_status);
OBP_ADM_HANDLER(obp_adm_show_proxystat);
OBP_ADM_HANDLER(obp_adm_show_proxyinfo);
OBP_ADM_HANDLER(obp_adm_set);
OBP_ADM_HANDLER(obp_adm_select);

OBP_ADM_HANDLER(obp_adm_show_proxysession);
OBP_ADM_HANDLER(obp_adm_show_processlist);
OBP_ADM_HANDLER(obp_adm_kill_proxysession);
OBP_ADM_HANDLER(obp_adm_kill);

OBP_ADM_HANDLER(obp_adm_show_proxyconfig);
OBP_ADM_HANDLER(obp_adm_alter_proxyconfig);

OBP_ADM_HANDLER(obp_adm_level_write);
OBP_ADM_HANDLER(obp_adm_level_delete);

/* SELECT * FROM t ...: a->t stands on the '*' (adm_info.c's SELECT). */
OBP_ADM_HANDLER(obp_adm_level_select);

/*
 * Sends control-socket request <line> (ctlcall.h) to the master for the
 * change <what> (in log lines and errors): OBP_CMD_LATER, and once the
 * master replied, OK or 1231 with its reason, logged with the client.
 */
enum obp_cmd_rc obp_adm_master(struct obp_session *s, const char *line,
                               const char *what);

/* Stops <s>'s change under way, if any (session teardown). */
void obp_adm_cancel(struct obp_session *s);

/*
 * For the handlers: <rc> of an answer call as the table's code; and
 * LIKE 'pattern' (% and _, no case) or nothing before the end.  A LIKE
 * of another form answers a syntax error: then false with *rc set.
 */
enum obp_cmd_rc obp_adm_rc(int rc);
bool obp_adm_like(struct obp_session *s, struct obp_cmd_arg *a,
                  char *pattern, size_t cap, enum obp_cmd_rc *rc);

/* Whether <name> matches <pattern> ("" matches everything). */
bool obp_adm_match(const char *pattern, const char *name);

#endif
