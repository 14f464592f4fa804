/*
 * The SET scanner (sqlset.h): a lexer over the text (blanks, comments,
 * strings, quoted names, variables, a few operators) and a small state
 * machine per statement.  Every read is checked against <end>; a token
 * cut by the end of the text ends the scan like the end itself.
 */
#include "worker.h"

#include <string.h>
#include <strings.h>

enum tok {
    T_END, T_WORD, T_QID, T_STRING, T_USERVAR, T_SYSVAR, T_ASSIGN, T_EQ,
    T_COMMA, T_SEMI, T_LPAREN, T_RPAREN, T_DOT, T_OTHER
};

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

static bool
word_char(char ch)
{
    unsigned char c = (unsigned char)ch;

    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static bool
blank(char ch)
{
    unsigned char c = (unsigned char)ch;

    return c == ' ' || (c >= '\t' && c <= '\r');
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* One past the quote closing a run opened by <q> at p[-1], or NULL. */
static const char *
close_quote(const struct obp_sqlset *it, const char *p, char q)
{
    while (p < it->end) {
        if (*p == '\\' && q != '`' && (it->flags & OBP_SQLSET_BACKSLASH)) {
            if (it->end - p < 2)
                return NULL;
            p += 2;
        } else if (*p != q) {
            p++;
        } else if (it->end - p >= 2 && p[1] == q) {
            p += 2;     /* a doubled quote */
        } else {
            return p + 1;
        }
    }
    return NULL;
}

/* One past the end of a comment whose body starts at <p>. */
static const char *
close_comment(const char *p, const char *end)
{
    for (; end - p >= 2; p++) {
        if (p[0] == '*' && p[1] == '/')
            return p + 2;
    }
    return end;
}

/* At "--": a comment only when a blank or control character follows. */
static bool
dash_comment(const char *p, const char *end)
{
    return end - p >= 2 && p[0] == '-' && p[1] == '-'
           && (end - p == 2 || (unsigned char)p[2] <= ' ');
}

/* An executable comment's opening at <p>: its length, or 0. */
static size_t
exec_open(const char *p, const char *end)
{
    const char *q = p + 2;

    if (end - p >= 3 && p[2] == '!')
        q = p + 3;
    else if (end - p >= 4 && p[2] == 'M' && p[3] == '!')
        q = p + 4;
    else
        return 0;
    for (int i = 0; i < 6 && q < end && *q >= '0' && *q <= '9'; i++)
        q++;                    /* the server version it asks for */
    return (size_t)(q - p);
}

/* Skips blanks and comments; executable comments' marks count as blank. */
static void
skip_blank(struct obp_sqlset *it)
{
    const char *p = it->p, *end = it->end;
    size_t      n;

    while (p < end) {
        if (blank(*p)) {
            p++;
        } else if (*p == '#' || dash_comment(p, end)) {
            while (p < end && *p != '\n')
                p++;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            n = exec_open(p, end);
            if (n > 0)
                it->exec_comment = 1;
            p = n > 0 ? p + n : close_comment(p + 2, end);
        } else if (it->exec_comment && end - p >= 2 && p[0] == '*'
                   && p[1] == '/') {
            it->exec_comment = 0;
            p += 2;
        } else {
            break;
        }
    }
    it->p = p;
}

/* "@name", "@'name'", "@`name`", "@@[scope.]name" at <p>. */
static const char *
lex_var(struct obp_sqlset *it, const char *p, struct obp_sqlset_tok *t)
{
    const char *end = it->end, *q;

    if (end - p >= 2 && p[1] == '@') {
        for (q = p + 2; q < end && (word_char(*q) || *q == '.'); q++)
            ;
        t->type = q > p + 2 ? T_SYSVAR : T_OTHER;
        t->s = p + 2;
        t->n = (size_t)(q - t->s);
        return q;
    }
    if (end - p >= 2 && (p[1] == '\'' || p[1] == '"' || p[1] == '`')) {
        q = close_quote(it, p + 2, p[1]);
        if (q == NULL)
            return NULL;
        t->type = T_USERVAR;
        t->quote = p[1];
        t->s = p + 2;
        t->n = (size_t)(q - 1 - t->s);
        return q;
    }
    for (q = p + 1; q < end && (word_char(*q) || *q == '.'); q++)
        ;
    t->type = q > p + 1 ? T_USERVAR : T_OTHER;
    t->s = p + 1;
    t->n = (size_t)(q - t->s);
    return q;
}

static int
punct(char c)
{
    switch (c) {
    case '=': return T_EQ;
    case ',': return T_COMMA;
    case ';': return T_SEMI;
    case '(': return T_LPAREN;
    case ')': return T_RPAREN;
    case '.': return T_DOT;
    default:  return T_OTHER;
    }
}

static void
lex(struct obp_sqlset *it, struct obp_sqlset_tok *t)
{
    const char *p, *end = it->end;

    skip_blank(it);
    p = it->p;
    memset(t, 0, sizeof(*t));
    t->s = p;
    if (p == end) {
        t->type = T_END;
        return;
    }
    if (word_char(*p)) {
        while (p < end && word_char(*p))
            p++;
        t->type = T_WORD;
    } else if (*p == '\'' || *p == '"' || *p == '`') {
        t->type = *p == '`' ? T_QID : T_STRING;
        t->quote = *p;
        t->s = p + 1;
        p = close_quote(it, p + 1, *p);
        if (p != NULL)
            t->n = (size_t)(p - 1 - t->s);
    } else if (*p == '@') {
        p = lex_var(it, p, t);
    } else if (*p == ':' && end - p >= 2 && p[1] == '=') {
        t->type = T_ASSIGN;
        p += 2;
    } else if (*p == '<' || *p == '>' || *p == '!') {
        /* <=, >=, !=, <>, <=>: never an assignment */
        for (p++; p < end && (*p == '=' || *p == '>'); p++)
            ;
        t->type = T_OTHER;
    } else {
        t->type = punct(*p++);
    }
    if (p == NULL) {            /* an open quote runs to the end */
        t->type = T_END;
        p = end;
    }
    t->n = t->type == T_WORD || t->type == T_OTHER ? (size_t)(p - t->s)
                                                    : t->n;
    it->p = p;
}

static void
next_tok(struct obp_sqlset *it, struct obp_sqlset_tok *t)
{
    if (it->has_la) {
        *t = it->la;
        it->has_la = 0;
    } else {
        lex(it, t);
    }
}

static const struct obp_sqlset_tok *
peek(struct obp_sqlset *it)
{
    if (!it->has_la) {
        lex(it, &it->la);
        it->has_la = 1;
    }
    return &it->la;
}

static bool
kw(const struct obp_sqlset_tok *t, const char *word)
{
    size_t n = strlen(word);

    if (t->type != T_WORD || t->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(t->s[i]) != lower(word[i]))
            return false;
    }
    return true;
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
assigned_uservar(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
                 struct obp_sqlset_item *item)
{
    if (t->type != T_USERVAR || peek(it)->type != T_ASSIGN)
        return OBP_AGAIN;
    return item_of(it, item, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
}

static int
other(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
      struct obp_sqlset_item *item)
{
    if (kw(t, "INTO") && peek(it)->type == T_USERVAR) {
        it->mode = M_INTO;
        return OBP_AGAIN;
    }
    return assigned_uservar(it, t, item);
}

static int
into(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
     struct obp_sqlset_item *item)
{
    if (t->type == T_USERVAR)
        return item_of(it, item, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
    if (t->type == T_COMMA)
        return OBP_AGAIN;
    it->mode = M_OTHER;
    return other(it, t, item);
}

/* Statements that hold statements: none of them can be followed. */
static bool
compound(struct obp_sqlset *it, const struct obp_sqlset_tok *t)
{
    return kw(t, "IF") || kw(t, "WHILE") || kw(t, "LOOP")
           || kw(t, "REPEAT") || kw(t, "CASE") || kw(t, "FOR")
           || (kw(t, "BEGIN") && kw(peek(it), "NOT"));
}

static int
start(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
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
create(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
       struct obp_sqlset_item *item)
{
    if (kw(t, "TEMPORARY"))
        return fail(it);        /* a table only this session sees */
    if (kw(t, "PROCEDURE") || kw(t, "FUNCTION") || kw(t, "TRIGGER")
        || kw(t, "EVENT") || kw(t, "PACKAGE")) {
        it->mode = M_END;
        return OBP_AGAIN;
    }
    if (kw(t, "TABLE") || kw(t, "VIEW") || t->type == T_LPAREN)
        it->mode = M_OTHER;
    return OBP_AGAIN;
}

static int
expect_assign(struct obp_sqlset *it)
{
    struct obp_sqlset_tok t;

    next_tok(it, &t);
    return t.type == T_EQ || t.type == T_ASSIGN ? OBP_OK : fail(it);
}

/* "@@name", "@@session.name", "@@global.name" (<t>: after the @@). */
static int
set_sysvar(struct obp_sqlset *it, const struct obp_sqlset_tok *t)
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
set_named(struct obp_sqlset *it, const struct obp_sqlset_tok *t)
{
    if (peek(it)->type == T_DOT && it->scope != SC_GLOBAL)
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
set_keyword(struct obp_sqlset *it, const struct obp_sqlset_tok *t)
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
set_target(struct obp_sqlset *it, const struct obp_sqlset_tok *t)
{
    int rc;

    if (t->type == T_WORD) {
        rc = set_keyword(it, t);
        if (rc != OBP_DONE)
            return rc;
    }
    switch (t->type) {
    case T_USERVAR:
        if (expect_assign(it) != OBP_OK)
            return OBP_ERROR;
        return pend(it, OBP_SQLSET_USERVAR, t->s, t->n, t->quote);
    case T_SYSVAR:
        return set_sysvar(it, t);
    case T_WORD: case T_QID:
        return set_named(it, t);
    default:
        return fail(it);
    }
}

static int
value(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
      struct obp_sqlset_item *item)
{
    bool first = it->first;
    int  next;

    it->first = 0;
    if (t->type == T_LPAREN) {
        it->depth++;
    } else if (t->type == T_RPAREN && it->depth > 0) {
        it->depth--;
    } else if (t->type == T_COMMA && it->depth == 0) {
        it->mode = M_SET;
        return take_pend(it, item);
    } else if (first && kw(t, "DEFAULT") && it->has_pend
               && it->pend.kind == OBP_SQLSET_SYSVAR) {
        next = peek(it)->type;
        it->pend.is_default = next == T_COMMA || next == T_SEMI
                              || next == T_END;
    }
    return assigned_uservar(it, t, item);
}

/* One token in the current mode: OBP_OK with an item, or OBP_AGAIN. */
static int
step(struct obp_sqlset *it, const struct obp_sqlset_tok *t,
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
        if (t->type != T_USERVAR)
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
    it->p = text;
    it->end = text + len;
    it->flags = flags;
    it->mode = M_START;
}

int
obp_sqlset_next(struct obp_sqlset *it, struct obp_sqlset_item *item)
{
    struct obp_sqlset_tok t;
    int                   rc;

    /* every turn takes a token: bounded by the text */
    while (!it->failed) {
        next_tok(it, &t);
        if (t.type == T_END)
            return at_end(it, item);
        if (t.type == T_SEMI)
            rc = end_stmt(it, item);
        else
            rc = step(it, &t, item);
        if (rc != OBP_AGAIN)
            return rc;
    }
    return OBP_ERROR;
}
