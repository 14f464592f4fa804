/*
 * What a client's SQL text changes in its session, found without
 * allocating and without a grammar: SET statements (session and user
 * variables, NAMES, CHARACTER SET, SESSION TRANSACTION) and user
 * variables assigned elsewhere (@u := expr, SELECT ... INTO @u, the
 * arguments of CALL).  GLOBAL assignments are not session state and are
 * not reported.  The scanner never reads outside the text it is given
 * and never fails on garbage: what it cannot follow it reports as
 * OBP_ERROR, which the caller treats as "state not restorable".
 *
 * Statements are split at ';' outside strings and comments.  Executable
 * comments (slash-star-bang, slash-star-M-bang) are read as SQL.  CREATE
 * or ALTER of a stored routine, trigger or event ends the scan (the rest
 * is its body); a compound statement (BEGIN NOT ATOMIC, IF, WHILE, ...),
 * CREATE TEMPORARY TABLE, SET ROLE, SET of a structured variable,
 * PREPARE and EXECUTE cannot be followed.  ssync.c and the unit test
 * t/unit/sqlset.c are the callers.
 */
#ifndef OBP_WORKER_SQLSET_H
#define OBP_WORKER_SQLSET_H

#include <stdbool.h>
#include <stddef.h>

#include "sqllex.h"

#define OBP_SQLSET_NAME_MAX 64      /* longer names are not followed */

/* obp_sqlset_init() flags */
#define OBP_SQLSET_BACKSLASH 0x1    /* strings take backslash escapes */
#define OBP_SQLSET_MULTI     0x2    /* several statements may follow */
#define OBP_SQLSET_CUT       0x4    /* only the start of the text is given */

enum obp_sqlset_kind {
    OBP_SQLSET_SYSVAR,      /* a session system variable */
    OBP_SQLSET_USERVAR,     /* a user variable */
    OBP_SQLSET_NAMES,       /* SET NAMES / CHARACTER SET */
    OBP_SQLSET_TRANSACTION  /* SET SESSION TRANSACTION ... */
};

struct obp_sqlset_item {
    enum obp_sqlset_kind kind;
    unsigned             stmt;          /* its statement, from 0 */
    bool                 is_default;    /* a SYSVAR "= DEFAULT" */
    char                 name[OBP_SQLSET_NAME_MAX + 1];  /* unquoted, ASCII
                                        * lower case; "" for NAMES and
                                        * TRANSACTION */
};

struct obp_sqlset {
    struct obp_sqllex      lex;         /* the text's tokens */
    unsigned               stmt;        /* current statement */
    int                    mode;        /* what is being scanned */
    int                    scope;       /* a SET's current scope */
    unsigned               depth;       /* parentheses open in a value */
    unsigned               flags;       /* OBP_SQLSET_* */
    struct obp_sqllex_tok  la;          /* a token looked ahead */
    struct obp_sqlset_item pend;        /* an assignment until its value
                                         * ends */
    unsigned               has_la:1;
    unsigned               has_pend:1;
    unsigned               first:1;     /* at a value's first token */
    unsigned               failed:1;
};

/*
 * Starts a scan of <text> (<len> bytes, borrowed until the scan ends).
 * Flags: BACKSLASH when the server's NO_BACKSLASH_ESCAPES is off; MULTI
 * when the client may send several statements in one query (without it
 * the scan stops at the first ';', as the server refuses the rest); CUT
 * when the text goes on unseen: a SET cut by the end, or with MULTI any
 * cut, cannot be followed.
 */
void obp_sqlset_init(struct obp_sqlset *it, const char *text, size_t len,
                     unsigned flags);

/*
 * The next change: OBP_OK with <item> filled, OBP_DONE at the end of the
 * text, OBP_ERROR for a change that cannot be followed (and from then
 * on).  Each call moves forward: the scan is bounded by the text.
 */
int obp_sqlset_next(struct obp_sqlset *it, struct obp_sqlset_item *item);

#endif
