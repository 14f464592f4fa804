/*
 * The client -> server framer of the command phase: it frames and
 * nothing else.  Each new command goes to the command table (cmd.h),
 * which relays it, answers it or takes it for later.  A relayed command
 * packet passes as it arrives (a 16 MiB+ statement passes through the
 * 16 KiB buffer in pieces), LOCAL INFILE data is relayed until its empty
 * packet, and the next command waits until the response of this one
 * has ended.  An answered command's packets are dropped and its answer
 * (answer.h) is sent once the client has sent all of them, as much at a
 * time as the client's buffer takes.  So is a packet as large as the
 * servers' max_allowed_packet (w->max_packet): none of its bytes past
 * the limit reach the server, the ERR is 1153 and the session ends
 * after it.
 */
#ifndef OBP_WORKER_REQUEST_H
#define OBP_WORKER_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "answer.h"

struct obp_iobuf;
struct obp_session;

struct obp_req {
    uint32_t remain;        /* bytes of the current packet still to pass */
    uint64_t total;         /* its payload with the packets it continues */
    uint8_t  cmd;           /* the command in progress */
    unsigned cont:1;        /* the packet goes on in the next one */
    unsigned drop:1;        /* this command's packets are dropped */
    unsigned infile:1;      /* relaying LOCAL INFILE data */
    unsigned busy:1;        /* its response has not ended yet */
    unsigned wait_out:1;    /* a command waits for our answer to go out */
    unsigned fatal:1;       /* the session ends with the answer */
    unsigned later:1;       /* the answer comes later (obp_req_answered) */
    unsigned answering:1;   /* <ans> is being sent */
    unsigned plist:1;       /* a query that reads a process list */
    unsigned part_hit:1;    /* routed to a computed partition (reqstat.h) */
    uint8_t  sqltype;       /* enum obp_sqltype of the command */
    int64_t  start_us;      /* when it was dispatched, obp_now_us() */
    int64_t  time_limit_us; /* the statement's own limit (qtimeout.h),
                               -1: none */
    struct obp_ans ans;     /* the proxy's answer to a dropped command */
    char    *init_db;       /* COM_INIT_DB's or USE's schema, until its
                               OK */
};

/*
 * Relays what the client sent.  OBP_OK (waiting for bytes, a response,
 * a drain or the server), or OBP_DONE when the session was closed.
 */
int obp_req_run(struct obp_session *s);

/*
 * The current command's answer, empty, for the caller to build
 * (answer.h); obp_req_drop() then sends it.
 */
struct obp_ans *obp_req_answer(struct obp_session *s);

/*
 * Drops the rest of the client's current command (<head>: it goes on
 * with the packet whose header is at the head of the buffer); its
 * answer, s->req.ans, goes out once the client has sent all of it.  An
 * empty answer: none (a command that has none).
 */
void obp_req_drop(struct obp_session *s, int head);

/*
 * The same with an ERR as the answer (<msg> NULL: none), or an OK of the
 * proxy's own carrying <status> (a held BEGIN, sroute.h).  OBP_ERROR
 * when out of memory.
 */
int obp_req_refuse(struct obp_session *s, int head, uint16_t code,
                   const char *sqlstate, const char *msg);
int obp_req_answer_ok(struct obp_session *s, uint16_t status);

/*
 * The answer built goes out now, the client having sent all of the
 * command (a relayed one whose server was lost).  OBP_ERROR when out of
 * memory.
 */
int obp_req_answer_now(struct obp_session *s);

/*
 * A command taken for later (OBP_CMD_LATER) has its answer in s->req.ans:
 * it goes out and the next command may come.  Pumps the session.
 */
void obp_req_answered(struct obp_session *s);

/* The client's packets of the current command have all been seen. */
int obp_req_packets_over(const struct obp_session *s);

/*
 * The proxy waits for the rest of a client packet the client began (a
 * header, a payload, a continuation owed), reading the client: the bound
 * of client_net_read_timeout applies (idle.h).
 */
bool obp_req_mid_packet(const struct obp_session *s);

/* Frees what the framer holds (session teardown). */
void obp_req_free(struct obp_req *q);

#endif
