/*
 * The command table: the one place that says which client commands the
 * proxy answers itself.  request.c hands every new command to
 * obp_cmd_dispatch() once; the command byte, or for a statement its
 * first words read with the SQL lexer, picks a row, and the row's flags
 * say who may run it.  Rows without a match are relayed to a server
 * (relay.h), where routing answers the few statements only it can
 * recognise (a held BEGIN, a SET of the proxy's variables: sroute.h)
 * through the same answer API.  A session of the proxy's own accounts
 * (root@proxysys, inspector@proxysys) has no server: whatever matches
 * no row gets an error naming it.
 *
 * Adding a command: one row in cmd.c's table and one handler that fills
 * obp_req_answer(s) (answer.h) and returns OBP_CMD_ANSWER.
 */
#ifndef OBP_WORKER_CMD_H
#define OBP_WORKER_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqllex.h"

struct obp_iobuf;
struct obp_session;

/* Who may run a row's command (flags). */
#define OBP_CMD_ADMIN   0x1     /* root@proxysys */
#define OBP_CMD_READER  0x2     /* inspector@proxysys too */
#define OBP_CMD_USER    0x4     /* every client */
#define OBP_CMD_PROXY   0x8     /* only the proxy's accounts: for others
                                   the statement is the server's */

/* The proxy's own accounts (s->admin). */
enum obp_admin {
    OBP_ADMIN_NONE,             /* a database user */
    OBP_ADMIN_ROOT,             /* root@proxysys */
    OBP_ADMIN_INSPECTOR         /* inspector@proxysys: reads only */
};

enum obp_cmd_rc {
    OBP_CMD_RELAY,      /* relay it: s->srv is ready for it */
    OBP_CMD_ANSWER,     /* s->req.ans is its answer (or the command was
                           refused with obp_req_refuse) */
    OBP_CMD_LATER,      /* taken: obp_req_answered() comes later */
    OBP_CMD_WAIT,       /* more bytes, or a server session opening or
                           syncing: the framer comes back */
    OBP_CMD_GONE,       /* the session was closed, or handed to the
                           login flow (COM_CHANGE_USER): hands off */
    OBP_CMD_NOMEM
};

/* A statement's text and the lexer standing after the row's words. */
struct obp_cmd_arg {
    const char            *text;    /* the whole statement */
    size_t                 len;
    struct obp_sqllex      lx;
    struct obp_sqllex_tok  t;       /* the token after the words */
    const char            *name;    /* the row's name, for messages */
};

typedef enum obp_cmd_rc (*obp_cmd_fn)(struct obp_session *s,
                                      struct obp_iobuf *b,
                                      struct obp_cmd_arg *a);

/*
 * The command at b->parse (its header whole and its first payload byte
 * in the buffer; <len> its payload): relayed, answered, or waited for.
 */
enum obp_cmd_rc obp_cmd_dispatch(struct obp_session *s, struct obp_iobuf *b,
                                 uint32_t len);

/*
 * For handlers: the next token is the end of the statement (a ';' may
 * end it).  Errors go to the answer as ER_PARSE_ERROR naming the row.
 */
bool obp_cmd_at_end(struct obp_cmd_arg *a);

/* The next token into a->t. */
void obp_cmd_next(struct obp_cmd_arg *a);

/*
 * a->t as a string, a name, a word or a number, unescaped into <out>;
 * false for another token, or one that holds a NUL or does not fit.
 */
bool obp_cmd_word(const struct obp_cmd_arg *a, char *out, size_t cap);

/*
 * A value as written (a string, a name, a word, a number with its sign)
 * into <out> as obp_cmd_word() does, read past; false on another form.
 */
bool obp_cmd_value(struct obp_cmd_arg *a, char *out, size_t cap);

/* Answers a syntax error in the statement of a->name. */
enum obp_cmd_rc obp_cmd_syntax(struct obp_session *s,
                               const struct obp_cmd_arg *a);

#endif
