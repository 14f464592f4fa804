/*
 * The SQL classifier for routing: what kind of statement a client sent,
 * the first table it names, the values it gives for the partition-key
 * columns, its hints, and how it changes the session.  No grammar and no
 * allocation: one pass over the tokens of sqllex.h (two over a WHERE
 * clause), into a struct the caller provides, in which every name and
 * literal is a slice of the text.  It never reads outside the text and
 * never fails: what it cannot follow is OBP_SQL_OTHER, an absent table
 * or an unusable column, which routing sends to a default server.  Only
 * the first statement of the text is classified.
 *
 * Key columns' values come from WHERE (col = v, v = col, col IN (v, ...),
 * qualified by the first table's name, alias or db.name, in conjunctions
 * at the top level or in parentheses that hold only conjunctions) and
 * from INSERT/REPLACE column lists with VALUES rows or SET col = v.  A
 * column met under OR, XOR, NOT, in a function, a subquery or CASE, or
 * given an expression, is unusable: no value is better than a wrong one.
 * A UNION makes every column unusable.
 *
 * Callers: the routing code and t/unit/sqlclass.c, t/fuzz/sqlclass_fuzz.c.
 */
#ifndef OBP_SHARED_SQLCLASS_H
#define OBP_SHARED_SQLCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqllex.h"

#define OBP_SQL_KEYS_MAX   8    /* key columns followed */
#define OBP_SQL_VALUES_MAX 64   /* values per column: IN items, INSERT
                                 * rows; past it the column is capped */
#define OBP_SQL_GROUPS_MAX 64   /* parentheses in a WHERE clause; past it
                                 * their columns are unusable (CAPPED) */

/* obp_sql_classify() flags */
#define OBP_SQL_BACKSLASH  0x1  /* strings take backslash escapes (the
                                 * server's NO_BACKSLASH_ESCAPES is off) */

enum obp_sql_kind {
    OBP_SQL_OTHER,              /* unknown: a default server */
    OBP_SQL_SELECT,
    OBP_SQL_INSERT,
    OBP_SQL_REPLACE,
    OBP_SQL_UPDATE,
    OBP_SQL_DELETE,
    OBP_SQL_BEGIN,              /* BEGIN [WORK], START TRANSACTION, XA
                                 * START|BEGIN */
    OBP_SQL_COMMIT,
    OBP_SQL_ROLLBACK,
    OBP_SQL_SET,
    OBP_SQL_USE,
    OBP_SQL_SHOW,
    OBP_SQL_CALL,
    OBP_SQL_DDL                 /* CREATE, ALTER, DROP, TRUNCATE, RENAME */
};

/* struct obp_sql_class flags */
#define OBP_SQL_F_MORE          0x00001 /* statements follow the first */
#define OBP_SQL_F_FOR_UPDATE    0x00002 /* FOR UPDATE|SHARE, LOCK IN SHARE
                                         * MODE: a strong read */
#define OBP_SQL_F_DEP_FUNC      0x00004 /* last_insert_id(), found_rows(),
                                         * row_count(), @@identity and the
                                         * like: the last server */
#define OBP_SQL_F_JOIN          0x00008 /* more tables than the first */
#define OBP_SQL_F_UNION         0x00010 /* UNION, EXCEPT, INTERSECT */
#define OBP_SQL_F_CAPPED        0x00020 /* a bound was reached: fall back */
#define OBP_SQL_F_NO_COLUMNS    0x00040 /* INSERT without a column list */
#define OBP_SQL_F_INSERT_SELECT 0x00080 /* INSERT ... SELECT|TABLE */
#define OBP_SQL_F_SET_SYSVAR    0x00100 /* SET of a session variable */
#define OBP_SQL_F_SET_USERVAR   0x00200 /* SET @u */
#define OBP_SQL_F_SET_NAMES     0x00400 /* SET NAMES, CHARACTER SET */
#define OBP_SQL_F_SET_AUTOCOMMIT 0x0800 /* SET autocommit (autocommit) */
#define OBP_SQL_F_SET_TRANSACTION 0x1000 /* SET [SESSION] TRANSACTION */
#define OBP_SQL_F_SET_GLOBAL    0x02000 /* SET GLOBAL|PERSIST of any */
#define OBP_SQL_F_READ_ONLY     0x04000 /* START TRANSACTION READ ONLY */
#define OBP_SQL_F_SNAPSHOT      0x08000 /* WITH CONSISTENT SNAPSHOT */
#define OBP_SQL_F_CHAIN         0x10000 /* COMMIT|ROLLBACK AND CHAIN */
#define OBP_SQL_F_RELEASE       0x20000 /* COMMIT|ROLLBACK RELEASE */
#define OBP_SQL_F_SAVEPOINT     0x40000 /* ROLLBACK TO SAVEPOINT: the
                                         * transaction goes on */
#define OBP_SQL_F_XA            0x80000 /* XA START|COMMIT|ROLLBACK */
#define OBP_SQL_F_LOCK_FUNC    0x100000 /* GET_LOCK() and friends: the
                                         * primary's (router.h "Roles") */
#define OBP_SQL_F_TEMPORARY    0x200000 /* the word TEMPORARY (CREATE
                                         * TEMPORARY TABLE): the session's
                                         * server holds its tables */
#define OBP_SQL_F_LAST_WRITE   0x400000 /* with DEP_FUNC: last_insert_id(),
                                         * row_count(), @@identity, ...:
                                         * about the last write, which a
                                         * primary ran */

enum obp_sql_consistency {
    OBP_SQL_CONS_NONE,          /* no READ_CONSISTENCY hint */
    OBP_SQL_CONS_WEAK,
    OBP_SQL_CONS_STRONG,
    OBP_SQL_CONS_FROZEN
};

enum obp_sql_vtype {
    OBP_SQL_V_EXPR,             /* anything else: not usable */
    OBP_SQL_V_INT,              /* s: the digits; negative: a '-' */
    OBP_SQL_V_DECIMAL,          /* s: 1.5, 1e3, .5 (decimal or float) */
    OBP_SQL_V_STRING,           /* s: inside the quotes; charset */
    OBP_SQL_V_HEX,              /* s: the hex digits (x'..', 0x..) */
    OBP_SQL_V_BIT,              /* s: the binary digits (b'..', 0b..) */
    OBP_SQL_V_NULL,
    OBP_SQL_V_BOOL,             /* s: TRUE or FALSE as written */
    OBP_SQL_V_PARAM             /* a ?: param is its index */
};

/* A name or a text as written: a slice of the statement. */
struct obp_sql_name {
    const char *s;              /* NULL and 0 when absent */
    size_t      n;
    char        quote;          /* the quote around it, or 0 */
    bool        escaped;        /* holds doubled quotes (or backslash
                                 * escapes in a string): unescape it */
};

struct obp_sql_value {
    enum obp_sql_vtype  type;
    struct obp_sql_name text;   /* see the types; quote is a string's */
    struct obp_sql_name charset; /* a string's introducer (_utf8mb4'..':
                                 * utf8mb4; N'..': N), or absent */
    uint32_t            param;  /* PARAM: 0-based among the statement's
                                 * placeholders */
    bool                negative; /* INT, DECIMAL: a minus sign */
};

enum obp_sql_colstate {
    OBP_SQL_COL_ABSENT,         /* no value given */
    OBP_SQL_COL_VALUES,         /* values[0..nvalues) are all it may be
                                 * (WHERE), or one per row (INSERT) */
    OBP_SQL_COL_UNUSABLE        /* given, but not as plain values */
};

struct obp_sql_column {
    struct obp_sql_name   name;     /* as written last (without its
                                     * qualifier) */
    enum obp_sql_colstate state;
    bool                  capped;   /* more than OBP_SQL_VALUES_MAX: the
                                     * first ones only */
    unsigned              nvalues;
    struct obp_sql_value  values[OBP_SQL_VALUES_MAX];
};

struct obp_sql_class {
    enum obp_sql_kind        kind;
    unsigned                 flags;     /* OBP_SQL_F_* */
    struct obp_sql_name      table;     /* the first table (CALL: the
                                         * procedure), or absent */
    struct obp_sql_name      db;        /* its database, or USE's */
    struct obp_sql_name      alias;     /* the first table's alias */
    enum obp_sql_consistency consistency;  /* READ_CONSISTENCY hint */
    struct obp_sql_name      hint;      /* the statement's first hint
                                         * comment, inside it */
    struct obp_sql_name      target_db_server; /* a leading comment's
                                         * target_db_server= value */
    struct obp_sql_name      route_table;   /* a leading comment's
                                         * table= (simple route info) */
    struct obp_sql_name      route_part_key; /* and its part_key= */
    int                      autocommit;    /* SET autocommit: 0 or 1;
                                         * -1 when unknown or not set */
    int64_t                  time_limit_us; /* the statement's own time
                                         * limit (obp_sql_time_limit),
                                         * -1: none given, 0: unlimited */
    uint32_t                 nparams;   /* placeholders in the first
                                         * statement */
    unsigned                 nrows;     /* INSERT: VALUES rows (all) */
    size_t                   next;      /* MORE: where the next statement
                                         * starts */
    unsigned                 ncolumns;  /* columns[] in use */
    struct obp_sql_column    columns[OBP_SQL_KEYS_MAX];
};

/*
 * The kind of the statement <sql> (<len> bytes) from its first words
 * alone (sqlclass_kind.c): SELECT, WITH or a parenthesis is SELECT, START
 * and XA START are BEGIN, CREATE, ALTER, DROP, RENAME and TRUNCATE are
 * DDL.  For counting statements; routing uses obp_sql_classify().
 */
enum obp_sql_kind obp_sql_first_kind(const char *sql, size_t len);

/*
 * Classifies the first statement of <sql> (<len> bytes) into <c>, which
 * then points into <sql>.  <keys> (<nkeys> <= OBP_SQL_KEYS_MAX names as
 * written, matched without regard to ASCII case) are the partition-key
 * columns to follow: c->columns[i] is keys[i]'s, and its name points to
 * the caller's keys[i].  Without keys (nkeys 0) the
 * first OBP_SQL_KEYS_MAX columns met are followed, named in
 * c->columns[].name.  <flags>: OBP_SQL_*.
 */
void obp_sql_classify(struct obp_sql_class *c, const char *sql, size_t len,
                      unsigned flags, const struct obp_sql_name *keys,
                      unsigned nkeys);

/*
 * The time limit the statement <sql> (<len> bytes) sets for itself, in
 * microseconds: MariaDB's SET STATEMENT max_statement_time=<seconds>
 * FOR ..., MySQL's MAX_EXECUTION_TIME(<ms>) hint (slash-star-plus) of
 * a SELECT; -1 when it sets none, 0 when it sets no limit.  Reads only
 * the tokens up to them, the way obp_sql_classify() reads them (into
 * time_limit_us): cheap enough for every statement.  <flags>: OBP_SQL_*.
 */
int64_t obp_sql_time_limit(const char *sql, size_t len, unsigned flags);

/*
 * Internal: the parser state shared by sqlclass.c (statements, tables,
 * hints, session) and sqlclass_cond.c (values, WHERE, INSERT rows).
 */
struct obp_sql_parse {
    struct obp_sqllex          lx;      /* the text's tokens */
    struct obp_sqllex_tok      t;       /* the current token */
    uint32_t                   param;   /* t's index if a ? */
    uint32_t                   group;   /* t's number if a '(' */
    uint32_t                   ngroups; /* '(' read so far */
    unsigned                   depth;   /* parentheses open */
    unsigned                   state;   /* what next() is watching */
    unsigned                   func;    /* the flags of the function
                                           named last, if '(' follows */
    bool                       hint_here; /* a hint now is the statement's */
    bool                       leading; /* no token read yet */
    struct obp_sql_class      *c;      /* the result being filled */
    unsigned                   nkeys;   /* key columns given */
    const char                *text;    /* the start of the text */
};

/*
 * The OBP_SQL_F_* flags a call of the function <name> (a word, <n>
 * bytes) sets, and those reading the system variable <name> ("x",
 * "session.x") sets; 0 for the others (sqlclass_func.c).
 */
unsigned obp_sql_func_flags(const char *name, size_t n);
unsigned obp_sql_sysvar_flags(const char *name, size_t n);

/* The next token, past comments (ODP's and hints are read on the way). */
void obp_sql_next(struct obp_sql_parse *x);

/*
 * sqlclass_note.c: a comment before the statement (ODP's
 * "target_db_server=ip:port,...", optionally after "ODP:", and
 * "table=t part_key=v", simple route info), and a hint comment in the
 * statement's hint position (READ_CONSISTENCY, MAX_EXECUTION_TIME).
 */
void obp_sql_odp_comment(struct obp_sql_parse *x);
void obp_sql_hint(struct obp_sql_parse *x);

/*
 * A NUMBER token (digits, a fraction) of <unit> microseconds each, or -1
 * for another token, another notation or an absurd size.
 */
int64_t obp_sql_number_us(const struct obp_sqllex_tok *t, int64_t unit);

/* The current token is a name: a word or a `quoted` one. */
bool obp_sql_name_tok(const struct obp_sql_parse *x);

/* After WHERE: the key columns' values of the clause. */
void obp_sql_where(struct obp_sql_parse *x);

/* After INSERT|REPLACE's table: the key columns' values of its rows. */
void obp_sql_insert_rows(struct obp_sql_parse *x);

/* The current token ends a WHERE clause (ORDER, LIMIT, FOR, UNION...). */
bool obp_sql_where_end(const struct obp_sql_parse *x);

#endif
