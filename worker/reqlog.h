/*
 * ODP's request logs, written by the worker that ran the request
 * (README, Logs): which file gets a line for a finished request, and the
 * lines' layouts, ODP's MONITOR_LOG_FORMAT field by field.
 *
 *   obproxy_error.log   a request answered with an ERR (the server's or
 *                       the proxy's), a refused login
 *   obproxy_digest.log  a request taking query_digest_time_threshold or
 *                       slow_query_time_threshold
 *   obproxy_slow.log    a request taking slow_query_time_threshold, a
 *                       transaction taking slow_transaction_time_threshold
 *   obproxy_stat.log    per tenant, schema, statement type and outcome,
 *                       every monitor_stat_dump_interval (reqstat.c)
 *   obproxy_diagnosis.log  why a session ended abnormally, and how a
 *                          statement missed its partition (reqdiag.c)
 *
 * A request's life: request.c calls obp_reqlog_begin() when its first
 * packet is framed, response.c obp_reqlog_sent() as it goes to its
 * server, obp_reqlog_first() at the response's first bytes and
 * obp_reqlog_end() when it ended; an answer of the proxy's own ends it
 * through obp_reqlog_answered().  Times are the event loop's (ev_now(),
 * no clock read: a request's moments are those of the loop turns that
 * saw them).  A fast request that succeeds costs the copy of its
 * statement's first bytes and a stat entry's update: no write.
 */
#ifndef OBP_WORKER_REQLOG_H
#define OBP_WORKER_REQLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_ans;
struct obp_iobuf;
struct obp_session;
struct obp_worker;

#define OBP_REQLOG_MSG_MAX 160      /* bytes of an error message kept */

/* The current request of a session, and what the diagnosis needs. */
struct obp_reqlog {
    int64_t  recv_us;       /* its first packet framed, 0: none open */
    int64_t  sent_us;       /* went to its server, 0: not (yet) */
    int64_t  first_us;      /* the response's first bytes, 0: none yet */
    int64_t  trx_us;        /* the open transaction's first request, 0 */
    int64_t  last_total_us; /* the last request's total time */
    uint64_t seq;           /* requests of the session (trace id) */
    char    *sql;           /* the statement's first bytes, malloc'd */
    uint32_t sql_len;
    uint32_t sql_cap;
    uint32_t stmt_id;       /* COM_STMT_EXECUTE's statement */
    uint8_t  cmd;           /* the command byte */
    uint8_t  type;          /* enum obp_sqltype, from its first words */
    uint16_t err_code;      /* the last ERR the client got, 0: none */
    uint16_t stat_slot;     /* reqstat.c's entry of the last request */
    uint32_t stat_gen;      /* its table generation, 0: none */
    char     err_msg[OBP_REQLOG_MSG_MAX];
    unsigned failed:1;      /* the current request got an ERR */
    unsigned diag_done:1;   /* this event has its diagnosis line */
};

/* The command at b->parse (payload <len>) was framed. */
void obp_reqlog_begin(struct obp_session *s, const struct obp_iobuf *b,
                      uint32_t len);

/* It went to its server; <response>: one will follow. */
void obp_reqlog_sent(struct obp_session *s, bool response);

/* The response's first bytes arrived. */
void obp_reqlog_first(struct obp_session *s);

/* The response is an ERR (<p>, <len>: its payload); its end follows. */
void obp_reqlog_err(struct obp_session *s, const uint8_t *p, size_t len);

/* The response ended: the lines it deserves are written. */
void obp_reqlog_end(struct obp_session *s);

/* The proxy answers the command itself with <a> (about to go out). */
void obp_reqlog_answered(struct obp_session *s, const struct obp_ans *a);

/* The command was dropped without an answer: no line. */
void obp_reqlog_dropped(struct obp_session *s);

/* Frees the statement copy (session teardown). */
void obp_reqlog_free(struct obp_reqlog *r);

/*
 * The session sends its last ERR <code> <msg> (a refused login, a
 * timeout, a KILL): an error line, and for a login a [LOGIN] diagnosis
 * line.
 */
void obp_reqlog_failed(struct obp_session *s, uint16_t code,
                       const char *msg);

/* reqdiag.c: a [LOGIN] line for a login refused with <code> <msg>. */
void obp_reqdiag_login(struct obp_session *s, uint16_t code,
                       const char *msg);

struct obp_router_in;
struct obp_router_out;

/*
 * reqdiag.c: a [ROUTE] line with the route diagnosis (routediag.h) of a
 * statement on a partitioned table that did not reach its partition.
 */
void obp_reqdiag_route(struct obp_session *s, const struct obp_router_in *in,
                       const struct obp_router_out *out);

/* The session's server session broke (<why>): a SERVER_VC_TRACE line. */
void obp_reqlog_server_lost(struct obp_session *s, const char *why);

/* The session closes (<why>, as obp_session_close() has it). */
void obp_reqlog_closed(struct obp_session *s, const char *why);

/*
 * reqstat.c.  Counts a finished request (its times in us) for
 * obproxy_stat.log; <type> is a static name (obp_sqltype_name).
 */
void obp_reqstat_add(struct obp_session *s, const char *type,
                     bool failed, uint16_t code, int64_t total,
                     int64_t prepare, int64_t server);

/* Writes the lines of the interval that ended and starts another. */
void obp_reqstat_dump(const struct obp_worker *w);

/* Internal to reqlog*.c: one line being formatted. */
struct obp_rline {
    char   buf[6144];
    size_t len;
    bool   cut;         /* something did not fit */
};

void obp_rline_add(struct obp_rline *l, const char *fmt, ...)
    OBP_PRINTF(2, 3);

/* <n> bytes a client or server sent, escaped (obp_log_escape). */
void obp_rline_esc(struct obp_rline *l, const char *p, size_t n);

/* The local time now, as every line of these files starts. */
void obp_rline_stamp(struct obp_rline *l, bool brackets);

/* Ends the line and appends it to <file> (enum obp_log_file). */
void obp_rline_put(struct obp_rline *l, int file);

/* The loop's time, us (wall clock): the requests' clock. */
int64_t obp_reqlog_now(const struct obp_session *s);

/* ODP's name of a command: OB_MYSQL_COM_QUERY. */
const char *obp_reqlog_cmd_name(uint8_t cmd);

#endif
