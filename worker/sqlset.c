/*
 * The SET scanner (sqlset.h): a small state machine per statement over
 * the tokens of the shared lexer (sqllex.h), which never reads outside
 * the text; a token cut by the end of the text ends the scan like the
 * end itself.
 */
#include "worker.h"

#include <string.h>
#include <strings.h>

enum mode {
    M_START,        /* at the start of a statement */
    M_OTHER,        /* a statement that may assign user variables */
    M_INTO,         /* after INTO: a list of user variables */
    M_CALL,         /* CALL: each user variable may be an OUT argument */
    M_CREATE,       /* CREATE or ALTER: of a routine? */
    M_SET,          /* SET, at the start of an assignment */
    M_VALUE,        /* SET, in an assigned value */
    M_STMT_FOR,     /* SET STATEMENT ... until FOR */
    M_SKIP,         /* the rest of the statement changes nothing */
    M_END           /* the rest of the text changes nothing */
};

enum scope { SC_NONE, SC_SESSION, SC_GLOBAL };

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void
next_tok(struct obp_sqlset *it, struct obp_sqllex_tok *t)
{
    if (it->has_la) {
        *t = it->la;
        it->has_la = 0;
    } else {
        obp_sqllex_next(&it->lex, t);
    }
}

static const struct obp_sqllex_tok *
peek(struct obp_sqlset *it)
{
    if (!it->has_la) {
        obp_sqllex_next(&it->lex, &it->la);
        it->has_la = 1;
    }
    return &it->la;
}

static bool
kw(const struct obp_sqllex_tok *t, const char *word)
{
    return obp_sqllex_kw(t, word);
}

static int
fail(struct obp_sqlset *it)
{
    it->failed = 1;
    return OBP_ERROR;
}

/* The unquoted, lower-cased name of <t>; false when it is not followed. */
static bool
copy_name(char *dst, const char *s, size_t n, char quote)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        /* an escape would need the server's reading of it */
        if (s[i] == '\0' || (s[i] == '\\' && quote != 0 && quote != '`'))
            return false;
        if (quote != 0 && s[i] == quote)
            i++;                /* the first of a doubled quote */
        if (k == OBP_SQLSET_NAME_MAX || i >= n)
            return false;
        dst[k++] = lower(s[i]);
    }
    dst[k] = '\0';
    return k > 0;
}

static int
item_of(struct obp_sqlset *it, struct obp_sqlset_item *item,
        enum obp_sqlset_kind kind, const char *s, size_t n, char quote)
{
    memset(item, 0, sizeof(*item));
    item->kind = kind;
    item->stmt = it->stmt;
    if (s != NULL && !copy_name(item->name, s, n, quote))
        return fail(it);
    return OBP_OK;
}

/* A SET's assignment of <kind> starts; it is reported after its value. */
static int
pend(struct obp_sqlset *it, enum obp_sqlset_kind kind, const char *s,
     size_t n, char quote)
{
    if (item_of(it, &it->pend, kind, s, n, quote) != OBP_OK)
        return OBP_ERROR;
    it->has_pend = 1;
    it->mode = M_VALUE;
    it->first = 1;
    return OBP_AGAIN;
}

/* The pending assignment, if any, becomes <item>. */
static int
take_pend(struct obp_sqlset *it, struct obp_sqlset_item *item)
{
    if (!it->has_pend)
        return OBP_AGAIN;
    *item = it->pend;
    it->has_pend = 0;
    return OBP_OK;
}

/* The end of the text: the last assignment, then OBP_DONE. */
static int
at_end(struct obp_sqlset *it, struct obp_sqlset_item *item)
{
    bool in_set = it->mode == M_SET || it->mode == M_VALUE
                  || it->mode == M_STMT_FOR;

    if ((it->flags & OBP_SQLSET_CUT) && it->mode != M_END
        && (in_set || (it->flags & OBP_SQLSET_MULTI)))
        return fail(it);
    if (take_pend(it, item) == OBP_OK)
        return OBP_OK;
    it->mode = M_END;
    return OBP_DONE;
}

/* A ';' ends the statement (and the scan without MULTI). */
static int
end_stmt(struct obp_sqlset *it, struct obp_sqlset_item *item)
{
    int rc = take_pend(it, item);

    if (it->mode == M_END)
        return rc;
    it->mode = (it->flags & OBP_SQLSET_MULTI) ? M_START : M_END;
    it->stmt++;
    it->scope = SC_NONE;
    it->depth = 0;
    return rc;
}

/* "@u :=" in any statement. */
static int
assigned_uservar(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
                 struct obp_sqlset_item *item)
{
    if (t->type != OBP_SQLLEX_USERVAR || peek(it)->type != OBP_SQLLEX_ASSIGN)
        return OBP_AGAIN;
    return item_of(it, item, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
}

static int
other(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
      struct obp_sqlset_item *item)
{
    if (kw(t, "INTO") && peek(it)->type == OBP_SQLLEX_USERVAR) {
        it->mode = M_INTO;
        return OBP_AGAIN;
    }
    return assigned_uservar(it, t, item);
}

static int
into(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
     struct obp_sqlset_item *item)
{
    if (t->type == OBP_SQLLEX_USERVAR)
        return item_of(it, item, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
    if (t->type == OBP_SQLLEX_COMMA)
        return OBP_AGAIN;
    it->mode = M_OTHER;
    return other(it, t, item);
}

/* Statements that hold statements: none of them can be followed. */
static bool
compound(struct obp_sqlset *it, const struct obp_sqllex_tok *t)
{
    return kw(t, "IF") || kw(t, "WHILE") || kw(t, "LOOP")
           || kw(t, "REPEAT") || kw(t, "CASE") || kw(t, "FOR")
           || (kw(t, "BEGIN") && kw(peek(it), "NOT"));
}

static int
start(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
      struct obp_sqlset_item *item)
{
    it->mode = M_OTHER;
    if (kw(t, "SET")) {
        it->mode = M_SET;
        it->scope = SC_NONE;
    } else if (kw(t, "CALL")) {
        it->mode = M_CALL;
    } else if (kw(t, "CREATE") || kw(t, "ALTER")) {
        it->mode = M_CREATE;
    } else if (kw(t, "PREPARE") || kw(t, "EXECUTE") || compound(it, t)) {
        return fail(it);
    } else {
        return other(it, t, item);
    }
    return OBP_AGAIN;
}

/* CREATE/ALTER: a routine's body runs later, or never. */
static int
create(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
       struct obp_sqlset_item *item)
{
    if (kw(t, "TEMPORARY"))
        return fail(it);        /* a table only this session sees */
    if (kw(t, "PROCEDURE") || kw(t, "FUNCTION") || kw(t, "TRIGGER")
        || kw(t, "EVENT") || kw(t, "PACKAGE")) {
        it->mode = M_END;
        return OBP_AGAIN;
    }
    if (kw(t, "TABLE") || kw(t, "VIEW") || t->type == OBP_SQLLEX_LPAREN)
        it->mode = M_OTHER;
    return OBP_AGAIN;
}

static int
expect_assign(struct obp_sqlset *it)
{
    struct obp_sqllex_tok t;

    next_tok(it, &t);
    if (t.type == OBP_SQLLEX_EQ || t.type == OBP_SQLLEX_ASSIGN)
        return OBP_OK;
    return fail(it);
}

/* "@@name", "@@session.name", "@@global.name" (<t>: after the @@). */
static int
set_sysvar(struct obp_sqlset *it, const struct obp_sqllex_tok *t)
{
    const char *s = t->s, *dot = memchr(t->s, '.', t->n);
    size_t      n = t->n, k;
    bool        global = false;

    if (dot != NULL) {
        k = (size_t)(dot - s);
        global = k == 6 && strncasecmp(s, "global", 6) == 0;
        if (!global && !(k == 7 && strncasecmp(s, "session", 7) == 0)
            && !(k == 5 && strncasecmp(s, "local", 5) == 0))
            return fail(it);    /* a structured variable */
        n -= k + 1;
        s = dot + 1;
    }
    if (expect_assign(it) != OBP_OK)
        return OBP_ERROR;
    if (global) {
        it->mode = M_VALUE;
        it->first = 0;
        return OBP_AGAIN;
    }
    if (memchr(s, '.', n) != NULL)
        return fail(it);
    return pend(it, OBP_SQLSET_SYSVAR, s, n, 0);
}

/* A variable named by a word or a quoted name, in the current scope. */
static int
set_named(struct obp_sqlset *it, const struct obp_sqllex_tok *t)
{
    if (peek(it)->type == OBP_SQLLEX_DOT && it->scope != SC_GLOBAL)
        return fail(it);        /* a structured variable */
    if (it->scope == SC_GLOBAL) {
        it->mode = M_VALUE;     /* its name and value pass as a value */
        it->first = 0;
        return OBP_AGAIN;
    }
    if (expect_assign(it) != OBP_OK)
        return OBP_ERROR;
    return pend(it, OBP_SQLSET_SYSVAR, t->s, t->n, t->quote);
}

/* SET's words that are no variable, or OBP_DONE for a variable. */
static int
set_keyword(struct obp_sqlset *it, const struct obp_sqllex_tok *t)
{
    if (kw(t, "GLOBAL") || kw(t, "PERSIST") || kw(t, "PERSIST_ONLY"))
        it->scope = SC_GLOBAL;
    else if (kw(t, "SESSION") || kw(t, "LOCAL"))
        it->scope = SC_SESSION;
    else if (kw(t, "NAMES") || kw(t, "CHARSET"))
        return pend(it, OBP_SQLSET_NAMES, NULL, 0, 0);
    else if (kw(t, "CHARACTER") && kw(peek(it), "SET")) {
        it->has_la = 0;
        return pend(it, OBP_SQLSET_NAMES, NULL, 0, 0);
    } else if (kw(t, "TRANSACTION")) {
        /* without SESSION it is only for the next transaction */
        if (it->scope == SC_SESSION)
            (void)pend(it, OBP_SQLSET_TRANSACTION, NULL, 0, 0);
        it->mode = M_SKIP;      /* its options have commas */
    } else if (kw(t, "PASSWORD") || kw(t, "DEFAULT")) {
        it->mode = M_SKIP;      /* DEFAULT ROLE: not this session's */
    } else if (kw(t, "STATEMENT")) {
        it->mode = M_STMT_FOR;
    } else if (kw(t, "ROLE")) {
        return fail(it);
    } else {
        return OBP_DONE;
    }
    return OBP_AGAIN;
}

static int
set_target(struct obp_sqlset *it, const struct obp_sqllex_tok *t)
{
    int rc;

    if (t->type == OBP_SQLLEX_WORD) {
        rc = set_keyword(it, t);
        if (rc != OBP_DONE)
            return rc;
    }
    switch (t->type) {
    case OBP_SQLLEX_USERVAR:
        if (expect_assign(it) != OBP_OK)
            return OBP_ERROR;
        return pend(it, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
    case OBP_SQLLEX_SYSVAR:
        return set_sysvar(it, t);
    case OBP_SQLLEX_WORD: case OBP_SQLLEX_QID:
        return set_named(it, t);
    default:
        return fail(it);
    }
}

static int
value(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
      struct obp_sqlset_item *item)
{
    bool                 first = it->first;
    enum obp_sqllex_type next;

    it->first = 0;
    if (t->type == OBP_SQLLEX_LPAREN) {
        it->depth++;
    } else if (t->type == OBP_SQLLEX_RPAREN && it->depth > 0) {
        it->depth--;
    } else if (t->type == OBP_SQLLEX_COMMA && it->depth == 0) {
        it->mode = M_SET;
        return take_pend(it, item);
    } else if (first && kw(t, "DEFAULT") && it->has_pend
               && it->pend.kind == OBP_SQLSET_SYSVAR) {
        next = peek(it)->type;
        it->pend.is_default = next == OBP_SQLLEX_COMMA
                              || next == OBP_SQLLEX_SEMI
                              || next == OBP_SQLLEX_END;
    }
    return assigned_uservar(it, t, item);
}

/* One token in the current mode: OBP_OK with an item, or OBP_AGAIN. */
static int
step(struct obp_sqlset *it, const struct obp_sqllex_tok *t,
     struct obp_sqlset_item *item)
{
    switch (it->mode) {
    case M_START:
        return start(it, t, item);
    case M_OTHER:
        return other(it, t, item);
    case M_INTO:
        return into(it, t, item);
    case M_CALL:
        if (t->type != OBP_SQLLEX_USERVAR)
            return OBP_AGAIN;
        return item_of(it, item, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
    case M_CREATE:
        return create(it, t, item);
    case M_SET:
        return set_target(it, t);
    case M_VALUE:
        return value(it, t, item);
    case M_STMT_FOR:
        if (kw(t, "FOR"))
            it->mode = M_START;
        return OBP_AGAIN;
    default:
        return OBP_AGAIN;       /* M_SKIP, M_END */
    }
}

void
obp_sqlset_init(struct obp_sqlset *it, const char *text, size_t len,
                unsigned flags)
{
    memset(it, 0, sizeof(*it));
    obp_sqllex_init(&it->lex, text, len,
                    (flags & OBP_SQLSET_BACKSLASH) ? OBP_SQLLEX_BACKSLASH : 0);
    it->flags = flags;
    it->mode = M_START;
}

int
obp_sqlset_next(struct obp_sqlset *it, struct obp_sqlset_item *item)
{
    struct obp_sqllex_tok t;
    int                   rc;

    /* every turn takes a token: bounded by the text */
    while (!it->failed) {
        next_tok(it, &t);
        if (t.type == OBP_SQLLEX_END)
            return at_end(it, item);
        if (t.type == OBP_SQLLEX_SEMI)
            rc = end_stmt(it, item);
        else
            rc = step(it, &t, item);
        if (rc != OBP_AGAIN)
            return rc;
    }
    return OBP_ERROR;
}
