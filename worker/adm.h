/*
 * The proxy's admin commands (ODP-REFERENCE 3): handlers of the command
 * table (cmd.h) answering with result sets whose columns are ODP's.
 * Who may run each is the table's business; a handler reads its
 * statement's words from the lexer (a->t stands after the row's words)
 * and answers with obp_req_answer(s).
 *
 *   adm_info.c     PING PROXY, SELECT PROXY_VERSION(), PROXY_STATUS(),
 *                  SHOW PROXYSTAT, SHOW PROXYINFO, an admin session's SET
 *   adm_select.c   an admin session's own SELECT of variables and
 *                  functions
 *   adm_session.c  SHOW PROXYSESSION, SHOW PROCESSLIST, KILL PROXYSESSION
 *                  and an admin's KILL
 *   adm_detail.c   SHOW PROXYSESSION VARIABLES and STAT, SHOW PROXYTRACE:
 *                  what only the worker holding a session knows
 *   adm_config.c   SHOW PROXYCONFIG, ALTER PROXYCONFIG
 *   adm_level.c    REPLACE INTO, DELETE FROM and SELECT * FROM ODP's
 *                  multi-level tables
 *   adm_call.c     an admin command's call to the master's control
 *                  socket (ctlcall.h): ALTER PROXYCONFIG, PROXYINFO UPGRADE,
 *                  the multi-level tables' writes
 *   adm_congest.c  SHOW PROXYCONGESTION: the blocklist
 *   adm_route.c    SHOW PROXYROUTE: the route cache
 *   adm_net.c      SHOW PROXYNET: the workers and this worker's sockets
 *   adm_cluster.c  SHOW PROXYCLUSTER, SHOW PROXYINFO IDC
 *   adm_log.c      SHOW WARNLOG
 *   adm_explain.c  EXPLAIN ROUTE: the route diagnosis of a statement
 *   adm_util.c     what the handlers share
 */
#ifndef OBP_WORKER_ADM_H
#define OBP_WORKER_ADM_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"

struct obp_ans;
struct obp_ctlcall;
struct obp_iobuf;
struct obp_session;
struct obp_worker;

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

OBP_ADM_HANDLER(obp_adm_show_proxycongestion);
OBP_ADM_HANDLER(obp_adm_show_proxyroute);
OBP_ADM_HANDLER(obp_adm_show_proxynet);
OBP_ADM_HANDLER(obp_adm_show_proxycluster);
OBP_ADM_HANDLER(obp_adm_show_warnlog);
OBP_ADM_HANDLER(obp_adm_show_proxytrace);
OBP_ADM_HANDLER(obp_adm_explain_route);

/*
 * SHOW PROXYSESSION's VARIABLES [ALL] and STAT forms and SHOW PROXYINFO
 * IDC, a->t standing after their words.
 */
OBP_ADM_HANDLER(obp_adm_session_variables);
OBP_ADM_HANDLER(obp_adm_session_stat);
OBP_ADM_HANDLER(obp_adm_info_idc);

/*
 * The master's reply to an admin command's call (<ok>: its last line
 * said "ok"; the lines are in <c>): builds <s>'s answer to command
 * <what>.  OBP_ERROR only when out of memory.
 */
typedef int (*obp_adm_reply)(struct obp_session *s, struct obp_ctlcall *c,
                             bool ok, const char *what);

/*
 * Sends <line> to the master's control socket for <s>'s command <what>:
 * OBP_CMD_LATER (<reply> answers once the master did), or the answer
 * that the master cannot be reached.
 */
enum obp_cmd_rc obp_adm_call(struct obp_session *s, const char *line,
                             const char *what, obp_adm_reply reply);

/*
 * The reply to a change (ALTER PROXYCONFIG, the multi-level tables'
 * writes): OK once the worker took the new configuration, or 1231 with
 * the master's reason; logged with the client's address.
 */
int obp_adm_changed(struct obp_session *s, struct obp_ctlcall *c, bool ok,
                    const char *what);

/* Stops <s>'s call to the master under way, if any (session teardown). */
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

/*
 * A result set's columns: a name with a leading '#' is a LONGLONG
 * column, '@' a TIMESTAMP, any other a string.
 */
int obp_adm_columns(struct obp_ans *ans, const char *const *names,
                    unsigned n);

/*
 * A number token (at most <max>) into *<out>, read past; false with a
 * syntax error answered (*<rc>) when a->t is not one.
 */
bool obp_adm_number(struct obp_session *s, struct obp_cmd_arg *a,
                    uint64_t max, uint64_t *out, enum obp_cmd_rc *rc);

/*
 * <wall_us> as local "YYYY-MM-DD HH:MM:SS" (with <usec> ".uuuuuu") in
 * <buf>, or "0" for 0 (ODP's "never"); returns <buf>.
 */
const char *obp_adm_time(char *buf, size_t cap, int64_t wall_us, bool usec);

/* "ip:port" or "[ip]:port" as its IP (into <ip>) and its port. */
void obp_adm_split_addr(const char *addr, char *ip, size_t cap,
                        const char **port);

/*
 * The segment's worker slot of the worker with <pid> (SHOW PROXYNET's
 * thread id), or -1.
 */
int obp_adm_worker_of(const struct obp_worker *w, int32_t pid);

/*
 * Client session <id> when this worker holds it; else NULL with the
 * answer built (*<rc>): no such session, or the worker that holds it,
 * named for command <what>, which shows only its own worker's sessions.
 */
struct obp_session *obp_adm_own_session(struct obp_session *s, uint32_t id,
                                        const char *what,
                                        enum obp_cmd_rc *rc);

#endif
