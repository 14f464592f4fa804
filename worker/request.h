/*
 * The client -> server framer of the command phase: each command packet
 * is relayed as it arrives (a 16 MiB+ statement passes through the
 * 16 KiB buffer in pieces), LOCAL INFILE data is relayed until its empty
 * packet, and the next command waits until the response of this one has
 * ended.  COM_CHANGE_USER goes to chuser.c, COM_QUIT ends the session
 * (its server session may be pooled).  A command that cannot reach a
 * server is dropped and answered with an ERR once the client has sent
 * all of it.  So is a packet as large as the servers' max_allowed_packet
 * (w->max_packet): none of its bytes past the limit reach the server,
 * the ERR is 1153 and the session ends after it.
 */
#ifndef OBP_WORKER_REQUEST_H
#define OBP_WORKER_REQUEST_H

#include <stdint.h>

struct obp_session;

struct obp_req {
    uint32_t remain;        /* bytes of the current packet still to pass */
    uint64_t total;         /* its payload with the packets it continues */
    uint8_t  cmd;           /* the command in progress */
    unsigned cont:1;        /* the packet goes on in the next one */
    unsigned drop:1;        /* this command's packets are dropped */
    unsigned infile:1;      /* relaying LOCAL INFILE data */
    unsigned busy:1;        /* its response has not ended yet */
    unsigned wait_out:1;    /* a command waits for our ERR to go out */
    unsigned fatal:1;       /* the session ends with the dropped's ERR */
    unsigned ok_answer:1;   /* the dropped command is answered with OK */
    unsigned plist:1;       /* a query that reads a process list */
    uint16_t ok_status;     /* the status of that OK */
    uint16_t err_code;      /* the ERR for a dropped command */
    char     err_state[6];
    char    *err_msg;       /* malloc'd, or NULL: no ERR pending */
    char    *init_db;       /* COM_INIT_DB's or USE's schema, until its
                               OK */
};

/*
 * Relays what the client sent.  OBP_OK (waiting for bytes, a response,
 * a drain or the server), or OBP_DONE when the session was closed.
 */
int obp_req_run(struct obp_session *s);

/*
 * Drops the rest of the client's current command (<head>: it goes on
 * with the packet whose header is at the head of the buffer) and
 * answers it with this ERR, sequenced after the client's last packet;
 * <msg> NULL: no answer (a command that has none).  OBP_ERROR when out
 * of memory.
 */
int obp_req_refuse(struct obp_session *s, int head, uint16_t code,
                   const char *sqlstate, const char *msg);

/*
 * The same, answered with an OK of the proxy's own carrying <status>
 * (a held BEGIN, sroute.h).
 */
int obp_req_answer_ok(struct obp_session *s, uint16_t status);

/* The client's packets of the current command have all been seen. */
int obp_req_packets_over(const struct obp_session *s);

/* Frees what the framer holds (session teardown). */
void obp_req_free(struct obp_req *q);

#endif
