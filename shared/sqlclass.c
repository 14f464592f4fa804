/*
 * The SQL classifier (sqlclass.h): the statement's kind, its first
 * table, session changes, and the end of the first statement.  Values
 * are read by sqlclass_cond.c, ODP's leading comments and the hints by
 * sqlclass_note.c.
 * Every loop reads a token per turn, so all of it is bounded by the text.
 */
#include "obp.h"

#include <string.h>
#include <strings.h>

#define kw obp_sqllex_kw

/* What obp_sql_next() watches for across tokens (x->state). */
#define W_FUNC 0x1      /* a function the router minds: is '(' next? */
#define W_FOR  0x2      /* FOR: is UPDATE or SHARE next? */
#define W_LOCK 0x4      /* LOCK: is IN next? */
#define W_IN   0x8      /* LOCK IN: is SHARE next? */

static void
set_name(struct obp_sql_name *nm, const struct obp_sqllex_tok *t)
{
    nm->s = t->s;
    nm->n = t->n;
    nm->quote = t->quote;
    nm->escaped = t->escaped;
}

static bool
at_end(const struct obp_sql_parse *x)
{
    return x->t.type == OBP_SQLLEX_END || x->t.type == OBP_SQLLEX_SEMI;
}

/* Facts any token may tell, wherever it stands. */
static void
watch(struct obp_sql_parse *x)
{
    const struct obp_sqllex_tok *t = &x->t;
    unsigned                     was = x->state;
    struct obp_sql_class        *c = x->c;

    x->state = 0;
    switch (t->type) {
    case OBP_SQLLEX_QMARK:
        x->param = c->nparams++;
        return;
    case OBP_SQLLEX_LPAREN:
        if (was & W_FUNC)
            c->flags |= x->func;
        x->group = x->ngroups++;
        x->depth++;
        return;
    case OBP_SQLLEX_RPAREN:
        x->depth -= x->depth > 0;
        return;
    case OBP_SQLLEX_SYSVAR:
        c->flags |= obp_sql_sysvar_flags(t->s, t->n);
        return;
    case OBP_SQLLEX_WORD:
        break;
    default:
        return;
    }
    if (kw(t, "TEMPORARY"))
        c->flags |= OBP_SQL_F_TEMPORARY;
    if (((was & W_FOR) && (kw(t, "UPDATE") || kw(t, "SHARE")))
        || ((was & W_IN) && kw(t, "SHARE")))
        c->flags |= OBP_SQL_F_FOR_UPDATE;
    x->func = obp_sql_func_flags(t->s, t->n);
    x->state = (x->func != 0 ? W_FUNC : 0) | (kw(t, "FOR") ? W_FOR : 0)
               | (kw(t, "LOCK") ? W_LOCK : 0)
               | ((was & W_LOCK) && kw(t, "IN") ? W_IN : 0);
    if (x->depth == 0 && (kw(t, "UNION") || kw(t, "EXCEPT")
                          || kw(t, "INTERSECT")))
        c->flags |= OBP_SQL_F_UNION;
}

void
obp_sql_next(struct obp_sql_parse *x)
{
    for (;;) {
        obp_sqllex_next(&x->lx, &x->t);
        if (x->t.type == OBP_SQLLEX_COMMENT && x->leading) {
            obp_sql_odp_comment(x);
        } else if (x->t.type == OBP_SQLLEX_HINT && x->hint_here) {
            if (x->c->hint.s == NULL)
                set_name(&x->c->hint, &x->t);
            obp_sql_hint(x);
        }
        else if (x->t.type != OBP_SQLLEX_COMMENT
                 && x->t.type != OBP_SQLLEX_HINT)
            break;
    }
    x->leading = false;
    x->hint_here = false;
    watch(x);
}

bool
obp_sql_name_tok(const struct obp_sql_parse *x)
{
    return x->t.type == OBP_SQLLEX_WORD || x->t.type == OBP_SQLLEX_QID;
}

/* Past the ')' matching the '(' just read (or to the end). */
static void
skip_parens(struct obp_sql_parse *x)
{
    unsigned d = x->depth;

    while (!at_end(x) && !(x->t.type == OBP_SQLLEX_RPAREN
                           && x->depth < d))
        obp_sql_next(x);
    if (!at_end(x))
        obp_sql_next(x);
}

/* [db.]name at the current token into <name> and <db>. */
static void
table_name(struct obp_sql_parse *x, struct obp_sql_name *name,
           struct obp_sql_name *db)
{
    if (!obp_sql_name_tok(x))
        return;
    set_name(name, &x->t);
    obp_sql_next(x);
    if (x->t.type != OBP_SQLLEX_DOT)
        return;
    obp_sql_next(x);
    if (!obp_sql_name_tok(x)) {
        memset(name, 0, sizeof(*name));
        return;
    }
    *db = *name;
    set_name(name, &x->t);
    obp_sql_next(x);
}

/* Words that may follow a table reference and are no alias. */
static bool
after_table(const struct obp_sqllex_tok *t)
{
    static const char *const words[] = {
        "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "CROSS", "NATURAL",
        "STRAIGHT_JOIN", "FULL", "ON", "USING", "GROUP", "ORDER", "LIMIT",
        "HAVING", "FOR", "LOCK", "UNION", "EXCEPT", "INTERSECT", "USE",
        "FORCE", "IGNORE", "WINDOW", "INTO", "SET", "VALUES", "VALUE",
        "SELECT", "PARTITION", "RETURNING", "PROCEDURE", "TABLE", "WITH",
        "DEFAULT"
    };

    for (size_t i = 0; i < OBP_NELEMS(words); i++) {
        if (kw(t, words[i]))
            return true;
    }
    return false;
}

/* The first table with its partitions and alias, if any. */
static void
first_table(struct obp_sql_parse *x)
{
    struct obp_sql_class *c = x->c;

    table_name(x, &c->table, &c->db);
    if (c->table.s == NULL)
        return;
    if (kw(&x->t, "PARTITION")) {
        obp_sql_next(x);
        if (x->t.type == OBP_SQLLEX_LPAREN)
            skip_parens(x);
    }
    if (kw(&x->t, "AS"))
        obp_sql_next(x);
    if (x->t.type == OBP_SQLLEX_QID
        || (x->t.type == OBP_SQLLEX_WORD && !after_table(&x->t))) {
        set_name(&c->alias, &x->t);
        obp_sql_next(x);
    }
}

/*
 * After the first table of SELECT, UPDATE or DELETE (<d>: its depth):
 * joins, then the WHERE clause's values.
 */
static void
to_where(struct obp_sql_parse *x, unsigned d)
{
    bool after_set = false;

    while (!at_end(x) && x->depth >= d
           && !(x->depth == d && obp_sql_where_end(x))) {
        if (x->depth == d && kw(&x->t, "WHERE")) {
            obp_sql_next(x);
            obp_sql_where(x);
            return;
        }
        if (x->depth == d && (kw(&x->t, "JOIN") || kw(&x->t, "USING")
                              || kw(&x->t, "STRAIGHT_JOIN")
                              || (x->t.type == OBP_SQLLEX_COMMA
                                  && !after_set)))
            x->c->flags |= OBP_SQL_F_JOIN;
        after_set = after_set || (x->depth == d && kw(&x->t, "SET"));
        obp_sql_next(x);
    }
}

/* FROM at depth <d>: the first table unless it is a subquery or DUAL. */
static void
from(struct obp_sql_parse *x, unsigned d)
{
    if (x->t.type == OBP_SQLLEX_LPAREN || kw(&x->t, "DUAL")
        || kw(&x->t, "JSON_TABLE"))
        return;
    first_table(x);
    if (x->c->table.s != NULL)
        to_where(x, d);
}

static void
select_stmt(struct obp_sql_parse *x)
{
    unsigned d = x->depth;

    x->c->kind = OBP_SQL_SELECT;
    x->hint_here = true;
    obp_sql_next(x);
    while (!at_end(x) && x->depth >= d) {
        if (x->depth == d && kw(&x->t, "FROM")) {
            obp_sql_next(x);
            from(x, d);
            return;
        }
        if (x->c->flags & OBP_SQL_F_UNION)
            return;
        obp_sql_next(x);
    }
}

static bool
modifier(const struct obp_sqllex_tok *t)
{
    return kw(t, "LOW_PRIORITY") || kw(t, "DELAYED") || kw(t, "QUICK")
           || kw(t, "HIGH_PRIORITY") || kw(t, "IGNORE");
}

static void
dml_stmt(struct obp_sql_parse *x, enum obp_sql_kind kind)
{
    x->c->kind = kind;
    x->hint_here = true;
    obp_sql_next(x);
    while (modifier(&x->t))
        obp_sql_next(x);
    if (kind == OBP_SQL_UPDATE) {
        first_table(x);
        to_where(x, x->depth);
    } else if (kind == OBP_SQL_DELETE) {
        if (!kw(&x->t, "FROM"))     /* DELETE t1, t2 FROM ...  */
            x->c->flags |= OBP_SQL_F_JOIN;
        while (!at_end(x) && !kw(&x->t, "FROM"))
            obp_sql_next(x);
        if (at_end(x))
            return;
        obp_sql_next(x);
        from(x, x->depth);
    } else {
        if (kw(&x->t, "INTO"))
            obp_sql_next(x);
        table_name(x, &x->c->table, &x->c->db);
        if (x->c->table.s != NULL)
            obp_sql_insert_rows(x);
    }
}

/* COMMIT|ROLLBACK [WORK] [AND [NO] CHAIN] [[NO] RELEASE] */
static void
end_options(struct obp_sql_parse *x)
{
    bool no = false;

    for (; !at_end(x); obp_sql_next(x)) {
        if (kw(&x->t, "TO"))
            x->c->flags |= OBP_SQL_F_SAVEPOINT;
        else if (kw(&x->t, "CHAIN") && !no)
            x->c->flags |= OBP_SQL_F_CHAIN;
        else if (kw(&x->t, "RELEASE") && !no)
            x->c->flags |= OBP_SQL_F_RELEASE;
        no = kw(&x->t, "NO");
    }
}

/* START TRANSACTION [READ ONLY | READ WRITE | WITH CONSISTENT SNAPSHOT] */
static void
start_options(struct obp_sql_parse *x)
{
    bool read = false;

    for (; !at_end(x); obp_sql_next(x)) {
        if (read && kw(&x->t, "ONLY"))
            x->c->flags |= OBP_SQL_F_READ_ONLY;
        else if (kw(&x->t, "SNAPSHOT"))
            x->c->flags |= OBP_SQL_F_SNAPSHOT;
        read = kw(&x->t, "READ");
    }
}

/* False for BEGIN NOT ATOMIC: a compound statement runs to the end. */
static bool
transaction(struct obp_sql_parse *x, const struct obp_sqllex_tok *first)
{
    struct obp_sql_class *c = x->c;
    bool                  xa = kw(first, "XA");

    if (xa)
        first = &x->t;
    if (kw(first, "BEGIN") && kw(&x->t, "NOT"))
        return false;
    if (!xa && kw(first, "START") && !kw(&x->t, "TRANSACTION"))
        return true;            /* START SLAVE, ... */
    if (kw(first, "START") || kw(first, "BEGIN"))
        c->kind = OBP_SQL_BEGIN;
    else if (kw(first, "COMMIT"))
        c->kind = OBP_SQL_COMMIT;
    else if (kw(first, "ROLLBACK"))
        c->kind = OBP_SQL_ROLLBACK;
    else
        return true;
    c->flags |= xa ? OBP_SQL_F_XA : 0;
    if (xa)
        obp_sql_next(x);
    if (c->kind == OBP_SQL_BEGIN)
        start_options(x);
    else
        end_options(x);
    return true;
}

/* autocommit's value, when it is a plain 0, 1, ON, OFF, TRUE, FALSE. */
static void
autocommit(struct obp_sql_parse *x)
{
    const struct obp_sqllex_tok *t = &x->t;
    int                          v = -1;

    if ((t->type == OBP_SQLLEX_NUMBER && t->n == 1 && t->s[0] == '1')
        || kw(t, "ON") || kw(t, "TRUE"))
        v = 1;
    else if ((t->type == OBP_SQLLEX_NUMBER && t->n == 1 && t->s[0] == '0')
             || kw(t, "OFF") || kw(t, "FALSE"))
        v = 0;
    if (v >= 0)
        obp_sql_next(x);
    x->c->autocommit = x->t.type == OBP_SQLLEX_COMMA || at_end(x) ? v : -1;
}

static bool
is_autocommit(const char *s, size_t n)
{
    return n == 10 && strncasecmp(s, "autocommit", 10) == 0;
}

enum scope { SC_NONE, SC_SESSION, SC_GLOBAL };

/* A variable's name: its scope (from @@scope. or <scope>), autocommit? */
static bool
set_var(const struct obp_sqllex_tok *t, enum scope scope, bool *global)
{
    const char *dot;
    size_t      k;

    *global = scope == SC_GLOBAL;
    if (t->type != OBP_SQLLEX_SYSVAR)
        return is_autocommit(t->s, t->n);
    dot = memchr(t->s, '.', t->n);
    if (dot == NULL)
        return is_autocommit(t->s, t->n);
    k = (size_t)(dot - t->s);
    *global = k == 6 && strncasecmp(t->s, "global", 6) == 0;
    return is_autocommit(dot + 1, t->n - k - 1);
}

/* A variable's assignment: its flags and autocommit's value. */
static void
set_assign(struct obp_sql_parse *x, enum scope scope)
{
    struct obp_sql_class *c = x->c;
    bool                  global, ac = set_var(&x->t, scope, &global);

    c->flags |= global ? OBP_SQL_F_SET_GLOBAL : OBP_SQL_F_SET_SYSVAR;
    obp_sql_next(x);
    if (x->t.type == OBP_SQLLEX_EQ || x->t.type == OBP_SQLLEX_ASSIGN)
        obp_sql_next(x);
    if (ac && !global) {
        c->flags |= OBP_SQL_F_SET_AUTOCOMMIT;
        autocommit(x);
    }
}

/* One item of SET, to its end (a ',' at depth <d>); false at the last. */
static bool
set_item(struct obp_sql_parse *x, unsigned d, enum scope *scope)
{
    struct obp_sql_class *c = x->c;

    if (kw(&x->t, "GLOBAL") || kw(&x->t, "PERSIST")
        || kw(&x->t, "PERSIST_ONLY") || kw(&x->t, "SESSION")
        || kw(&x->t, "LOCAL")) {
        *scope = kw(&x->t, "SESSION") || kw(&x->t, "LOCAL") ? SC_SESSION
                                                            : SC_GLOBAL;
        obp_sql_next(x);
    }
    if (kw(&x->t, "TRANSACTION")) {
        /* without a scope it is only for the next transaction */
        c->flags |= *scope == SC_SESSION ? OBP_SQL_F_SET_TRANSACTION
                    : *scope == SC_GLOBAL ? OBP_SQL_F_SET_GLOBAL : 0;
        return false;           /* its options have commas */
    }
    if (kw(&x->t, "PASSWORD") || kw(&x->t, "ROLE") || kw(&x->t, "DEFAULT"))
        return false;
    if (kw(&x->t, "NAMES") || kw(&x->t, "CHARSET")
        || kw(&x->t, "CHARACTER"))
        c->flags |= OBP_SQL_F_SET_NAMES;
    else if (x->t.type == OBP_SQLLEX_USERVAR)
        c->flags |= OBP_SQL_F_SET_USERVAR;
    else if (obp_sql_name_tok(x) || x->t.type == OBP_SQLLEX_SYSVAR)
        set_assign(x, *scope);
    while (!at_end(x) && !(x->t.type == OBP_SQLLEX_COMMA && x->depth == d))
        obp_sql_next(x);
    return x->t.type == OBP_SQLLEX_COMMA;
}

/*
 * SET STATEMENT's variables (at depth <d>), to its FOR: the limit that
 * max_statement_time = <seconds> gives the statement.
 */
static void
stmt_vars(struct obp_sql_parse *x, unsigned d)
{
    int     at = 0;     /* 1: after MAX_STATEMENT_TIME, 2: after its = */
    int64_t us = -1;

    while (!at_end(x) && !(kw(&x->t, "FOR") && x->depth == d)) {
        if (at == 2 && obp_sql_number_us(&x->t, 1000000) >= 0)
            us = obp_sql_number_us(&x->t, 1000000);
        at = x->depth != d ? 0
             : kw(&x->t, "MAX_STATEMENT_TIME") ? 1
             : at == 1 && x->t.type == OBP_SQLLEX_EQ ? 2 : 0;
        obp_sql_next(x);
    }
    if (!at_end(x) && us >= 0)
        x->c->time_limit_us = us;   /* without FOR the server refuses it */
}

/*
 * SET (its first token current).  True for SET STATEMENT ... FOR: the
 * statement that follows is the one to classify.
 */
static bool
set_stmt(struct obp_sql_parse *x)
{
    unsigned   d = x->depth;
    enum scope scope = SC_NONE;

    x->c->kind = OBP_SQL_SET;
    if (kw(&x->t, "STATEMENT")) {
        stmt_vars(x, d);
        x->c->kind = OBP_SQL_OTHER;
        if (at_end(x))
            return false;
        obp_sql_next(x);
        return true;
    }
    while (set_item(x, d, &scope))
        obp_sql_next(x);
    return false;
}

/* SHOW: the table of COLUMNS, INDEX, CREATE TABLE; the db of TABLES. */
static void
show_stmt(struct obp_sql_parse *x)
{
    struct obp_sql_class *c = x->c;
    bool                  of_table;

    c->kind = OBP_SQL_SHOW;
    while (kw(&x->t, "FULL") || kw(&x->t, "EXTENDED"))
        obp_sql_next(x);
    of_table = kw(&x->t, "COLUMNS") || kw(&x->t, "FIELDS")
               || kw(&x->t, "INDEX") || kw(&x->t, "INDEXES")
               || kw(&x->t, "KEYS");
    if (kw(&x->t, "CREATE")) {
        obp_sql_next(x);
        if (kw(&x->t, "TABLE") || kw(&x->t, "VIEW")) {
            obp_sql_next(x);
            table_name(x, &c->table, &c->db);
        }
        return;
    }
    while (!at_end(x) && !kw(&x->t, "FROM") && !kw(&x->t, "IN"))
        obp_sql_next(x);
    if (at_end(x))
        return;
    obp_sql_next(x);
    if (!of_table) {
        if (obp_sql_name_tok(x))
            set_name(&c->db, &x->t);
        return;
    }
    table_name(x, &c->table, &c->db);
    if (kw(&x->t, "FROM") || kw(&x->t, "IN")) {
        obp_sql_next(x);
        if (obp_sql_name_tok(x))
            set_name(&c->db, &x->t);
    }
}

static bool
routine(const struct obp_sqllex_tok *t)
{
    return kw(t, "PROCEDURE") || kw(t, "FUNCTION") || kw(t, "TRIGGER")
           || kw(t, "EVENT") || kw(t, "PACKAGE");
}

/*
 * CREATE, ALTER, DROP, TRUNCATE, RENAME: the table of a TABLE, VIEW or
 * INDEX ... ON.  False when the rest of the text is a routine's body,
 * whose ';' do not end the statement.
 */
static bool
ddl_stmt(struct obp_sql_parse *x, bool truncate)
{
    x->c->kind = OBP_SQL_DDL;
    while (!truncate && !at_end(x) && x->depth == 0
           && !kw(&x->t, "TABLE") && !kw(&x->t, "VIEW")
           && !kw(&x->t, "ON")) {
        if (routine(&x->t))
            return false;
        obp_sql_next(x);
    }
    if (at_end(x) || x->depth > 0)
        return true;
    if (!truncate || kw(&x->t, "TABLE"))
        obp_sql_next(x);
    while (kw(&x->t, "IF") || kw(&x->t, "NOT") || kw(&x->t, "EXISTS"))
        obp_sql_next(x);
    table_name(x, &x->c->table, &x->c->db);
    return true;
}

/* WITH ... AS (...): the kind of the statement that follows. */
static void
with_stmt(struct obp_sql_parse *x)
{
    while (!at_end(x)) {
        if (x->depth == 0 && kw(&x->t, "SELECT")) {
            x->c->kind = OBP_SQL_SELECT;
            return;
        }
        if (x->depth == 0 && (kw(&x->t, "UPDATE") || kw(&x->t, "DELETE")
                              || kw(&x->t, "INSERT")
                              || kw(&x->t, "REPLACE"))) {
            x->c->kind = kw(&x->t, "UPDATE") ? OBP_SQL_UPDATE
                         : kw(&x->t, "DELETE") ? OBP_SQL_DELETE
                         : kw(&x->t, "INSERT") ? OBP_SQL_INSERT
                                               : OBP_SQL_REPLACE;
            return;
        }
        obp_sql_next(x);
    }
}

/*
 * The statement starting at the current token (<first>, copied).  False
 * when its text runs to the end of the input (a routine's body).
 */
static bool
statement(struct obp_sql_parse *x)
{
    struct obp_sqllex_tok first;

    while (x->t.type == OBP_SQLLEX_LPAREN)
        obp_sql_next(x);        /* (SELECT ...) UNION (SELECT ...) */
    for (;;) {
        first = x->t;
        if (kw(&first, "SELECT"))
            select_stmt(x);
        else if (kw(&first, "INSERT"))
            dml_stmt(x, OBP_SQL_INSERT);
        else if (kw(&first, "REPLACE"))
            dml_stmt(x, OBP_SQL_REPLACE);
        else if (kw(&first, "UPDATE"))
            dml_stmt(x, OBP_SQL_UPDATE);
        else if (kw(&first, "DELETE"))
            dml_stmt(x, OBP_SQL_DELETE);
        if (x->c->kind != OBP_SQL_OTHER || first.type != OBP_SQLLEX_WORD)
            return true;
        obp_sql_next(x);
        if (kw(&first, "SET") && set_stmt(x))
            continue;
        break;
    }
    if (kw(&first, "BEGIN") || kw(&first, "START") || kw(&first, "COMMIT")
        || kw(&first, "ROLLBACK") || kw(&first, "XA")) {
        return transaction(x, &first);
    }
    if (kw(&first, "USE")) {
        x->c->kind = OBP_SQL_USE;
        if (obp_sql_name_tok(x))
            set_name(&x->c->db, &x->t);
    } else if (kw(&first, "SHOW")) {
        show_stmt(x);
    } else if (kw(&first, "CALL")) {
        x->c->kind = OBP_SQL_CALL;
        table_name(x, &x->c->table, &x->c->db);
    } else if (kw(&first, "CREATE") || kw(&first, "ALTER")
               || kw(&first, "DROP") || kw(&first, "RENAME")
               || kw(&first, "TRUNCATE")) {
        return ddl_stmt(x, kw(&first, "TRUNCATE"));
    } else if (kw(&first, "WITH")) {
        with_stmt(x);
    }
    return true;
}

/* To the end of the first statement: MORE when another follows. */
static void
finish(struct obp_sql_parse *x, bool split)
{
    struct obp_sql_class *c = x->c;

    while (!at_end(x))
        obp_sql_next(x);
    if (split && x->t.type == OBP_SQLLEX_SEMI) {
        c->next = (size_t)(x->lx.p - x->text);
        do {
            obp_sqllex_next(&x->lx, &x->t);
        } while (x->t.type == OBP_SQLLEX_SEMI
                 || x->t.type == OBP_SQLLEX_COMMENT
                 || x->t.type == OBP_SQLLEX_HINT);
        if (x->t.type != OBP_SQLLEX_END)
            c->flags |= OBP_SQL_F_MORE;
    }
    if (c->flags & OBP_SQL_F_UNION) {
        for (unsigned i = 0; i < c->ncolumns; i++) {
            if (c->columns[i].state == OBP_SQL_COL_VALUES)
                c->columns[i].state = OBP_SQL_COL_UNUSABLE;
        }
    }
}

/* <x> at the first token of <sql>, filling <c> (its header set). */
static void
begin(struct obp_sql_parse *x, struct obp_sql_class *c, const char *sql,
      size_t len, unsigned flags)
{
    memset(x, 0, sizeof(*x));
    obp_sqllex_init(&x->lx, sql, len, OBP_SQLLEX_COMMENTS
                    | ((flags & OBP_SQL_BACKSLASH) ? OBP_SQLLEX_BACKSLASH
                                                   : 0));
    x->c = c;
    x->text = sql;
    x->leading = true;
    obp_sql_next(x);
}

void
obp_sql_classify(struct obp_sql_class *c, const char *sql, size_t len,
                 unsigned flags, const struct obp_sql_name *keys,
                 unsigned nkeys)
{
    struct obp_sql_parse x;

    c->kind = OBP_SQL_OTHER;
    c->flags = 0;
    memset(&c->table, 0, offsetof(struct obp_sql_class, columns)
                         - offsetof(struct obp_sql_class, table));
    c->autocommit = -1;
    c->time_limit_us = -1;
    nkeys = nkeys < OBP_SQL_KEYS_MAX ? nkeys : OBP_SQL_KEYS_MAX;
    for (unsigned i = 0; i < nkeys; i++) {
        c->columns[i].name = keys[i];
        c->columns[i].state = OBP_SQL_COL_ABSENT;
        c->columns[i].capped = false;
        c->columns[i].nvalues = 0;
    }
    c->ncolumns = nkeys;
    begin(&x, c, sql, len, flags);
    x.nkeys = nkeys;
    finish(&x, statement(&x));
}

int64_t
obp_sql_time_limit(const char *sql, size_t len, unsigned flags)
{
    struct obp_sql_class  c;
    struct obp_sql_parse  x;

    c.kind = OBP_SQL_OTHER;
    c.time_limit_us = -1;
    begin(&x, &c, sql, len, flags);
    /* each SET STATEMENT takes tokens up to its FOR: bounded by the text */
    while (kw(&x.t, "SET")) {
        obp_sql_next(&x);
        if (!kw(&x.t, "STATEMENT") || !set_stmt(&x))
            return c.time_limit_us;
    }
    if (kw(&x.t, "SELECT")) {
        c.kind = OBP_SQL_SELECT;
        x.hint_here = true;
        obp_sql_next(&x);       /* a hint right after it is read */
    }
    return c.time_limit_us;
}
