/*
 * Routing a client session's commands over several server sessions
 * (ODP-REFERENCE 7.1, 9.4).  Before a command is relayed, the router
 * (shared/router.h) names the servers it should run on; the session then
 * keeps its current server session, takes an idle one it holds on that
 * server, or opens one, and brings it to the client's state (ssync.h:
 * schema, variables, the statement an execute needs, a held BEGIN)
 * before the command goes.  The server sessions not in use stay idle in
 * the session, up to OBP_SROUTE_IDLE of them, and are pooled or closed
 * with it.
 *
 * What keeps a command on the current server session: an open
 * transaction, a statement depending on the last one (LAST_INSERT_ID()
 * and the like), a session state the proxy could not keep, and every
 * command but COM_QUERY and the statement commands.  BEGIN and START
 * TRANSACTION outside a transaction are answered by the proxy and held
 * until the transaction's first statement, which sends them ahead of
 * itself to the server it routes to; COMMIT or ROLLBACK of a held
 * transaction is answered without a server.  A SET of only the
 * proxy's own variables (proxyvar.h) is answered by the proxy too.
 *
 * The routing parameters that a tenant or its cluster may set
 * (shared/level.h: enable_read_write_split, proxy_route_policy,
 * obproxy_read_consistency, proxy_idc_name, target_db_server) are
 * resolved for the session's tenant once per configuration, at its
 * first command after a login, a change of user or a reload.
 *
 * request.c calls obp_sroute_command() for each new command; session.c
 * drops the idle server sessions with the session (and on a reset or a
 * change of user), ssync.c takes the held BEGIN, stmtid.c closes a
 * statement on the idle server sessions too.
 */
#ifndef OBP_WORKER_SROUTE_H
#define OBP_WORKER_SROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxyvar.h"

#define OBP_SROUTE_IDLE 4       /* idle server sessions a session keeps */

struct obp_iobuf;
struct obp_session;
struct obp_srv;

struct obp_sroute {
    struct obp_srv *idle[OBP_SROUTE_IDLE];  /* NULL: a free place */
    struct obp_level_vals lv;   /* the tenant's routing parameters */
    uint64_t        lv_gen;     /* w->conf_gen lv was resolved in, 0:
                                   none (pointers into that conf) */
    char           *begin;      /* the held BEGIN's text, malloc'd */
    size_t          begin_len;
    struct obp_proxyvars pv;    /* ob_read_consistency and the like */
    uint32_t        stmt;       /* the command's statement (client id) to
                                   prepare on its server, or 0 */
    int64_t         wrote_us;   /* when the session's last write (or
                                   transaction) was seen ended, 0: never */
    struct obp_router_raw raw;  /* that write, for reads by GTID */
    unsigned        wrote:1;    /* a write was sent: wrote_us is set when
                                   it has ended */
    unsigned        temp:1;     /* the session made temporary tables */
    unsigned        routed:1;   /* the command at the head has its server */
    unsigned        cached:1;   /* a command ran: its server is the last */
    unsigned        asked:1;    /* the router decided this command */
};

/*
 * The command at b->parse (payload <len>) gets its server session.
 * OBP_OK: s->srv is it (or NULL: request.c opens one as before), or the
 * command was answered (s->req.drop); OBP_AGAIN: more bytes, or a
 * server session being opened or synced (the pump comes back);
 * OBP_ERROR: out of memory.
 */
int obp_sroute_command(struct obp_session *s, struct obp_iobuf *b,
                       uint32_t len);

struct obp_router_in;
struct obp_router_out;

/*
 * Whether statements are routed: a topology is declared, or the
 * monitor's OceanBase source publishes (route.h, the live word).
 */
bool obp_sroute_on(const struct obp_session *s);

/*
 * The router's input for statement <sql> (<len> bytes) in session <s>:
 * its tenant, schema, transaction, proxy variables and read-your-writes
 * (EXPLAIN ROUTE asks as the session's own statement would).
 */
void obp_sroute_input(struct obp_session *s, struct obp_router_in *in,
                      const char *sql, size_t len);

/* The router's decision for <in>, as the session's statement gets it. */
void obp_sroute_ask(const struct obp_session *s, struct obp_router_in *in,
                    struct obp_router_out *out);

/* The current server session keeps the command (a transaction, ...). */
bool obp_sroute_sticky(const struct obp_session *s);

/*
 * The server reported the GTID of the session's write (<kind>'s <text>:
 * MariaDB's last_gtid, MySQL's session_track_gtids): read-your-writes
 * compares the replicas with it, not with the primary's position.
 */
void obp_sroute_own_gtid(struct obp_session *s, enum obp_gtid_kind kind,
                         const uint8_t *text, size_t len);

/* The command at the head was taken or dropped: the next one routes. */
void obp_sroute_next(struct obp_session *s);

/* Takes the held BEGIN (its text in *len), or NULL; the caller frees it. */
char *obp_sroute_take_begin(struct obp_session *s, size_t *len);

/*
 * Offers every idle server session to the worker's pool (<pool>), or
 * closes them, and forgets a held BEGIN and the proxy's variables (a
 * reset, a new user, the session's end).
 */
void obp_sroute_reset(struct obp_session *s, bool pool);

/*
 * Closes the idle server session whose server connection id is
 * <thread>; false when there is none.
 */
bool obp_sroute_close_idle(struct obp_session *s, uint32_t thread);

/* Closes statement <cid> on the idle server sessions that have it. */
void obp_sroute_stmt_closed(struct obp_session *s, uint32_t cid);

#endif
