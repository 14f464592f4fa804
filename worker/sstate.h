/*
 * A client session's state that a server session must have to serve it:
 * the session system variables the client changed, its user variables
 * (each value with its type, read back from the server) and its prepared
 * statements (the proxy's client-facing id, the text, the parameter
 * count and types; each server session maps the ids to its own,
 * srvstmt.h).  The current schema
 * and the handshake's character set stay in the session (s->db,
 * s->charset), as every server login uses them; SET NAMES and SET
 * character_set_* land here as system variables.
 *
 * Bounded: past OBP_SSTATE_MAX_VARS variables or OBP_SSTATE_MAX_BYTES of
 * names, values, texts and types, or on a change the proxy cannot
 * follow, the state is given up: one log line, variables and texts are
 * freed, and a later server loss closes the client as it did before the
 * state was kept.  The statement ids stay mapped whatever happens.
 * ssync.c fills and replays the variables, stmtid.c the statements;
 * session.c owns the store (freed with the session, cleared by
 * COM_RESET_CONNECTION and COM_CHANGE_USER).
 */
#ifndef OBP_WORKER_SSTATE_H
#define OBP_WORKER_SSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqlset.h"

#define OBP_SSTATE_MAX_VARS   256           /* system and user variables */
#define OBP_SSTATE_MAX_BYTES  (256 * 1024)  /* names, values, texts, types */
#define OBP_SSTATE_MAX_STMTS  4096          /* prepared statements */
#define OBP_SSTATE_MAX_PEND   64            /* changes of one command */

enum obp_sval_type {
    OBP_SVAL_NULL,
    OBP_SVAL_INT,           /* signed BIGINT */
    OBP_SVAL_UINT,          /* BIGINT UNSIGNED */
    OBP_SVAL_DECIMAL,
    OBP_SVAL_DOUBLE,
    OBP_SVAL_STRING         /* bytes in <charset>, <collation> */
};

struct obp_svar {
    struct obp_svar    *next;
    bool                user;           /* a user variable */
    bool                dirty;          /* to be read back */
    bool                has_value;
    enum obp_sval_type  type;
    char                name[OBP_SQLSET_NAME_MAX + 1];
    char                charset[OBP_SQLSET_NAME_MAX + 1];
    char                collation[OBP_SQLSET_NAME_MAX + 1];
    size_t              len;            /* of <data> */
    uint8_t            *data;           /* number text or string bytes */
};

struct obp_stmt {
    uint32_t  id;                       /* the client's */
    uint16_t  params;
    uint8_t  *types;                    /* 2 bytes a parameter, or NULL */
    char     *text;                     /* NULL once given up */
    size_t    text_len;
    char     *db;                       /* the schema it was prepared in */
    int       exec_server;              /* server-table index of its last
                                           execute or long data, or -1 */
    unsigned  quiet:1;                  /* its text changes no state... */
    unsigned  quiet_bs:1;               /* ...read with backslash escapes */
    unsigned  long_data:1;              /* long data sent since the last
                                           execute: it runs where sent */
    uint8_t   log_type;                 /* enum obp_sqltype + 1 for the
                                           request logs, 0 until known */
};

struct obp_sstate {
    uint64_t                sid;        /* session id, for log lines */
    struct obp_svar        *vars;       /* in order of first change */
    unsigned                nvars;
    size_t                  bytes;      /* counted against the limit */
    struct obp_stmt       **stmts;      /* open addressing by id */
    uint32_t                stmt_cap;   /* slots, a power of two */
    uint32_t                nstmts;
    uint32_t                next_id;    /* the next client id to give */
    uint32_t                last_id;    /* the last statement prepared */
    uint64_t                version;    /* bumped by each change of the
                                           variables: a server session
                                           brought to another version
                                           needs them set again */
    char                   *prep_text;  /* a COM_STMT_PREPARE's, until OK */
    size_t                  prep_len;
    struct obp_sqlset_item *pend;       /* the current command's changes */
    unsigned                npend;
    unsigned                pend_stmts; /* statements it had */
    unsigned                pend_failed:1;  /* one cannot be followed */
    unsigned                given_up:1; /* not restorable */
    struct obp_sessinfo    *info;       /* servers' session info, or NULL
                                           (sessinfo.h) */
};

/* Starts an empty store for session <sid>. */
void obp_sstate_init(struct obp_sstate *st, uint64_t sid);

/* Frees everything (session teardown). */
void obp_sstate_free(struct obp_sstate *st);

/* Forgets everything, as COM_RESET_CONNECTION or a new user does. */
void obp_sstate_clear(struct obp_sstate *st);

/* Gives the state up (logged once, with <why>): it cannot be replayed. */
void obp_sstate_give_up(struct obp_sstate *st, const char *why);

/* A new server session can be brought to this state. */
bool obp_sstate_restorable(const struct obp_sstate *st);

/*
 * Notes what the command being sent changes (the scanner's items, the
 * number of statements, whether one could not be followed), to be
 * applied once its response ended.
 */
int obp_sstate_pend(struct obp_sstate *st, const struct obp_sqlset_item *it);
void obp_sstate_pend_end(struct obp_sstate *st, unsigned stmts, bool failed);

/* Forgets the pending changes (a command dropped, or its server lost). */
void obp_sstate_pend_drop(struct obp_sstate *st);

/*
 * The command's response ended (<ok>: without ERR): its changes become
 * variables to read back.  True when some are.
 */
bool obp_sstate_apply(struct obp_sstate *st, bool ok);

/* The first variable to read back, or NULL. */
struct obp_svar *obp_sstate_dirty(const struct obp_sstate *st);

/*
 * Stores what was read for <v>: <type>, <data> (copied), and a string's
 * character set and collation.  OBP_ERROR when the state was given up.
 */
int obp_sstate_set_value(struct obp_sstate *st, struct obp_svar *v,
                         enum obp_sval_type type, const uint8_t *data,
                         size_t len, const char *charset,
                         const char *collation);

/* Forgets <v> (a system variable the server does not know). */
void obp_sstate_drop_var(struct obp_sstate *st, struct obp_svar *v);

/*
 * The value the session gave system variable <name> (lower case), when
 * it is a non-negative integer: true with *out set.
 */
bool obp_sstate_sysvar_uint(const struct obp_sstate *st, const char *name,
                            uint64_t *out);

/* The same for any number (a DOUBLE or DECIMAL too). */
bool obp_sstate_sysvar_num(const struct obp_sstate *st, const char *name,
                           double *out);

/* Prepared statements by the client's id, or NULL. */
struct obp_stmt *obp_sstate_stmt(const struct obp_sstate *st, uint32_t id);

/*
 * A statement the server prepared with <params> in schema <db>: it gets
 * a client id (returned in <id>) and keeps the pending text.  OBP_ERROR
 * when out of memory.
 */
int obp_sstate_stmt_add(struct obp_sstate *st, uint16_t params,
                        const char *db, uint32_t *id);

/* COM_STMT_CLOSE: the statement is gone. */
void obp_sstate_stmt_remove(struct obp_sstate *st, uint32_t id);

/* Records the parameter types of <stmt> (2 * params bytes). */
void obp_sstate_stmt_types(struct obp_sstate *st, struct obp_stmt *stmt,
                           const uint8_t *types);

/* The text of a COM_STMT_PREPARE being sent (copied when it fits). */
void obp_sstate_prep_text(struct obp_sstate *st, const char *text,
                          size_t len);

/*
 * A session handed over by the previous generation (handoff.h): a
 * variable with its value, a statement with its client id, schema, text
 * and types (NULL: none recorded).  OBP_ERROR when it cannot be kept.
 */
int obp_sstate_import_var(struct obp_sstate *st, bool user, const char *name,
                          enum obp_sval_type type, const uint8_t *data,
                          size_t len, const char *charset,
                          const char *collation);
int obp_sstate_import_stmt(struct obp_sstate *st, uint32_t id,
                           uint16_t params, const char *db, const char *text,
                           size_t len, const uint8_t *types);

/*
 * The statement in the first used slot from *<pos> on, or NULL; *<pos>
 * moves past it.  Start at 0; nothing may be added or removed meanwhile.
 */
struct obp_stmt *obp_sstate_stmt_next(const struct obp_sstate *st,
                                      uint32_t *pos);

#endif
