/*
 * The server -> client framer: streams each response to the client,
 * reading only packet headers, plus the payload of the packets that end
 * or shape a response (first packet, column count, EOF, OK, ERR), which
 * are parsed whole for the status flags and session-track schema.  Rows
 * and column definitions pass in pieces across buffer refills.
 */
#ifndef OBP_WORKER_RESPONSE_H
#define OBP_WORKER_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

struct obp_session;

enum obp_resp_phase {
    OBP_R_NONE,             /* no response expected */
    OBP_R_FIRST,            /* OK | ERR | LOCAL INFILE | column count */
    OBP_R_COLDEFS,          /* column definitions, <left> to go */
    OBP_R_COLDEFS_EOF,      /* the EOF after them */
    OBP_R_ROWS,             /* rows until EOF/OK or ERR */
    OBP_R_PREPARE,          /* COM_STMT_PREPARE: OK or ERR */
    OBP_R_PREP_PARAMS,      /* parameter definitions */
    OBP_R_PREP_PARAMS_EOF,
    OBP_R_PREP_COLS,        /* column definitions of a statement */
    OBP_R_PREP_COLS_EOF,
    OBP_R_FIELDS,           /* COM_FIELD_LIST: definitions until EOF */
    OBP_R_ONE               /* a one-packet answer (OK, ERR, EOF, text) */
};

struct obp_resp {
    int      phase;         /* enum obp_resp_phase */
    uint64_t left;          /* definitions left in this phase */
    uint64_t cols;          /* a prepared statement's columns */
    uint32_t remain;        /* bytes of the current packet still to pass */
    uint8_t  seq;           /* last sequence number passed, either way */
    unsigned cont:1;        /* the packet goes on in the next one */
    unsigned query:1;       /* COM_QUERY: LOCAL INFILE may come */
    unsigned execute:1;     /* COM_STMT_EXECUTE: the same, or a cursor */
    unsigned failed:1;      /* it ended with an ERR */
    unsigned plist:1;       /* a process list's ids to map (plist.h) */
    unsigned wait_out:1;    /* a row of the proxy's goes out first */
    uint64_t ncols;         /* of the current result set */
    uint64_t plist_ids;     /* bit i: column i is a process list's ID */
};

/*
 * A command <cmd> was sent: true when a response will follow.  <plist>:
 * a COM_QUERY that reads a process list (plist.h).
 */
bool obp_resp_begin(struct obp_session *s, uint8_t cmd, bool plist);

/*
 * Relays what the server sent.  OBP_OK, or OBP_ERROR for a packet that
 * breaks the protocol (<why> says how).
 */
int obp_resp_run(struct obp_session *s, const char **why);

#endif
