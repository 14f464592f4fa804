/*
 * The one answer API: every answer the proxy gives a client command
 * itself -- OK, ERR or a text result set -- is built here, whole, in a
 * malloc'd buffer before any of it is sent, so a command that fails
 * halfway answers with an ERR and never with half a result set.  The
 * buffer is bounded by internal_cmd_mem_limited: past it the answer
 * becomes an ERR saying so.  Packets are numbered from 0 while built;
 * request.c renumbers them after the client's last packet when it sends
 * the answer, as much at a time as the client's buffer takes.
 *
 * A result set: obp_ans_columns(n), n times obp_ans_col(), any number of
 * obp_ans_row() with n values, then obp_ans_end().
 *
 * Who owns what: the answer lives in the session's request framer
 * (s->req.ans); handlers fill it through these calls and never free it.
 */
#ifndef OBP_WORKER_ANSWER_H
#define OBP_WORKER_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obp.h"

#define OBP_ANS_MAX_COLS 64

enum obp_ans_kind {
    OBP_ANS_NONE,       /* nothing built: no answer */
    OBP_ANS_OK,
    OBP_ANS_ERR,
    OBP_ANS_RSET        /* a result set, complete once ended */
};

struct obp_ans {
    uint8_t          *buf;      /* the packets, malloc'd */
    size_t            len;
    size_t            cap;
    size_t            sent;     /* bytes queued for the client so far */
    size_t            limit;    /* internal_cmd_mem_limited */
    uint32_t          caps;     /* the client's: DEPRECATE_EOF, 4.1 */
    uint32_t          ext_caps; /* MariaDB's: extended metadata */
    uint16_t          status;   /* server status of the closing packet */
    enum obp_ans_kind kind;
    unsigned          ncols;    /* columns of the result set */
    unsigned          defined;  /* their definitions written so far */
    unsigned          npkts;    /* packets written */
    unsigned          ended:1;  /* the result set is complete */
    unsigned          over:1;   /* past the limit, or out of memory */
};

/* Starts an empty answer for a client with <caps>, <ext_caps>. */
void obp_ans_init(struct obp_ans *a, uint32_t caps, uint32_t ext_caps,
                  uint16_t status, size_t limit);

/* Frees the buffer; the answer is empty again. */
void obp_ans_reset(struct obp_ans *a);

/* Something was built and not all of it sent. */
bool obp_ans_pending(const struct obp_ans *a);

/* An OK with <affected> rows and an optional <info> text. */
int obp_ans_ok(struct obp_ans *a, uint64_t affected, const char *info);

/* An ERR; it replaces whatever was built before. */
int obp_ans_err(struct obp_ans *a, uint16_t code, const char *sqlstate,
                const char *fmt, ...) OBP_PRINTF(4, 5);

/* A result set of <ncols> columns (1..OBP_ANS_MAX_COLS). */
int obp_ans_columns(struct obp_ans *a, unsigned ncols);

/* What a column holds: its type in the column definition. */
enum obp_ans_type {
    OBP_ANS_TEXT,       /* VAR_STRING, utf8mb4 */
    OBP_ANS_INT,        /* LONGLONG */
    OBP_ANS_TIME        /* TIMESTAMP "YYYY-MM-DD hh:mm:ss[.uuuuuu]" */
};

/* The next column. */
int obp_ans_col(struct obp_ans *a, const char *name, enum obp_ans_type type);

/* A row of ncols values; val[i] NULL for SQL NULL. */
int obp_ans_row(struct obp_ans *a, const char *const *val);

/* Ends the rows. */
int obp_ans_end(struct obp_ans *a);

/*
 * After a handler: a result set left incomplete or one past the limit
 * becomes an ERR naming <what>.  OBP_ERROR only when even that could
 * not be built.
 */
int obp_ans_check(struct obp_ans *a, const char *what);

/* Numbers the packets from <first> on, before the first byte is sent. */
void obp_ans_number(struct obp_ans *a, uint8_t first);

/*
 * Copies what fits of the rest into <buf> (<cap> bytes): the count.
 * Done when obp_ans_pending() is false.
 */
size_t obp_ans_take(struct obp_ans *a, uint8_t *buf, size_t cap);

#endif
