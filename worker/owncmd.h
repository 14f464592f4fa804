/*
 * Commands of the proxy's own on a logged-in server session, whose
 * answers the proxy consumes instead of relaying: a text query (OK, ERR
 * or one text result set, its rows handed over with each column's type,
 * flags and character set), a COM_STMT_PREPARE (the server's statement
 * id and counts) or a COM_PING.  Works whether or not the session agreed on
 * DEPRECATE_EOF; a command of any length is written as the connection
 * drains.  ssync.c reads session variables back and brings a new server
 * session to a session's state with it; cluster routing syncs a session
 * on another server the same way.
 *
 * Contract: one command at a time per connection.  Starting one adopts
 * the connection (obp_srv_adopt); <done> is called exactly once, never
 * from inside the start call, and the owner hands the connection back
 * (or frees it) from there.  After rc OBP_ERROR, <lost> says whether the
 * connection is unusable (it broke, timed out or broke the protocol)
 * or the server only answered ERR (err_code, err_state).  The reader
 * needs each answer packet whole: a row must fit OBP_IOBUF_SIZE.
 */
#ifndef OBP_WORKER_OWNCMD_H
#define OBP_WORKER_OWNCMD_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_OWNCMD_MAX_COLS 40

struct obp_owncmd;
struct obp_srv;

struct obp_owncmd_col {
    uint8_t  type;          /* OBP_TYPE_* */
    uint16_t flags;         /* OBP_FLAG_UNSIGNED, ... */
    uint16_t charset;       /* collation id of the values */
};

/* One row: <val>[i] is NULL for SQL NULL.  OBP_ERROR stops the command. */
typedef int (*obp_owncmd_row_cb)(struct obp_owncmd *oc,
                                 const uint8_t *const *val,
                                 const size_t *len);
typedef void (*obp_owncmd_done_cb)(struct obp_owncmd *oc, int rc);

struct obp_owncmd {
    struct obp_srv        *srv;         /* borrowed from the owner */
    void                  *owner;
    obp_owncmd_row_cb      row;         /* may be NULL: rows are refused */
    obp_owncmd_done_cb     done;
    ev_timer               timer;       /* bounds the whole command */
    uint8_t               *pkt;         /* the command packet, malloc'd */
    size_t                 pkt_len;
    size_t                 sent;        /* bytes of it queued so far */
    uint8_t                cmd;         /* COM_QUERY or COM_STMT_PREPARE */
    int                    phase;       /* position in the answer */
    uint64_t               left;        /* definitions still to come */
    unsigned               ncols;       /* of the result set */
    struct obp_owncmd_col  col[OBP_OWNCMD_MAX_COLS];
    uint32_t               stmt_id;     /* a prepare's answer */
    uint16_t               stmt_params;
    uint16_t               stmt_cols;
    unsigned               lost:1;      /* the connection is unusable */
    unsigned               running:1;
    uint16_t               err_code;    /* the server's ERR, or 0 */
    char                   err_state[6];
    char                   err[400];    /* why it failed, for a log line */
};

/*
 * Sends COM_QUERY <sql> (<len> bytes, copied) on <srv> and reads the
 * answer within <timeout> seconds.  OBP_ERROR when it could not be
 * queued (out of memory, or the connection failed: then <lost>).
 */
int obp_owncmd_query(struct obp_owncmd *oc, struct obp_srv *srv,
                     const char *sql, size_t len, double timeout,
                     obp_owncmd_row_cb row, obp_owncmd_done_cb done,
                     void *owner);

/* The same with COM_STMT_PREPARE: stmt_id, stmt_params, stmt_cols. */
int obp_owncmd_prepare(struct obp_owncmd *oc, struct obp_srv *srv,
                       const char *sql, size_t len, double timeout,
                       obp_owncmd_done_cb done, void *owner);

/* COM_PING: OBP_OK once the server's OK came (pool hygiene, srvcheck.h). */
int obp_owncmd_ping(struct obp_owncmd *oc, struct obp_srv *srv,
                    double timeout, obp_owncmd_done_cb done, void *owner);

/* Abandons a running command without calling done (owner teardown). */
void obp_owncmd_stop(struct obp_owncmd *oc);

#endif
