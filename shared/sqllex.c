/*
 * The SQL lexer (sqllex.h).  Every read is checked against <end>; each
 * call consumes at least one byte or returns END, so a loop over the
 * tokens is bounded by the text.
 */
#include "obp.h"

#include <string.h>

static bool
word_char(char ch)
{
    unsigned char c = (unsigned char)ch;

    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static bool
digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
blank(char ch)
{
    unsigned char c = (unsigned char)ch;

    return c == ' ' || (c >= '\t' && c <= '\r');
}

static char
upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/*
 * One past the quote closing a run opened by <q> at p[-1], or NULL when
 * the text ends first; <t>->escaped tells whether the run holds escapes.
 */
static const char *
close_quote(const struct obp_sqllex *lx, const char *p, char q,
            struct obp_sqllex_tok *t)
{
    while (p < lx->end) {
        if (*p == '\\' && q != '`' && (lx->flags & OBP_SQLLEX_BACKSLASH)) {
            if (lx->end - p < 2)
                return NULL;
            t->escaped = true;
            p += 2;
        } else if (*p != q) {
            p++;
        } else if (lx->end - p >= 2 && p[1] == q) {
            t->escaped = true;
            p += 2;     /* a doubled quote */
        } else {
            return p + 1;
        }
    }
    return NULL;
}

/* The end of the body of a comment whose body starts at <p>. */
static const char *
comment_body_end(const char *p, const char *end)
{
    for (; end - p >= 2; p++) {
        if (p[0] == '*' && p[1] == '/')
            return p;
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
    const char *q;

    if (end - p >= 3 && p[2] == '!')
        q = p + 3;
    else if (end - p >= 4 && p[2] == 'M' && p[3] == '!')
        q = p + 4;
    else
        return 0;
    for (int i = 0; i < 6 && q < end && digit(*q); i++)
        q++;                    /* the server version it asks for */
    return (size_t)(q - p);
}

/* A comment at p (not executable) into <t>; returns one past it. */
static const char *
comment(const char *p, const char *end, struct obp_sqllex_tok *t)
{
    const char *body;

    memset(t, 0, sizeof(*t));
    if (*p == '#' || *p == '-') {
        body = p + (*p == '#' ? 1 : 2);
        for (p = body; p < end && *p != '\n'; p++)
            ;
        t->type = OBP_SQLLEX_COMMENT;
        t->s = body;
        t->n = (size_t)(p - body);
        return p;
    }
    body = p + 2;
    t->type = OBP_SQLLEX_COMMENT;
    if (body < end && *body == '+') {
        t->type = OBP_SQLLEX_HINT;
        body++;
    }
    p = comment_body_end(body, end);
    t->s = body;
    t->n = (size_t)(p - body);
    return end - p >= 2 ? p + 2 : end;
}

/*
 * Skips blanks and comments; executable comments' marks count as blank.
 * With COMMENTS, stops at a comment and returns true with it in <t>.
 */
static bool
skip_blank(struct obp_sqllex *lx, struct obp_sqllex_tok *t)
{
    const char           *p = lx->p, *end = lx->end;
    size_t                n = 0;
    struct obp_sqllex_tok c;

    while (p < end) {
        if (blank(*p)) {
            p++;
        } else if (*p == '#' || dash_comment(p, end)
                   || (end - p >= 2 && p[0] == '/' && p[1] == '*'
                       && (n = exec_open(p, end)) == 0)) {
            p = comment(p, end, &c);
            if (lx->flags & OBP_SQLLEX_COMMENTS) {
                *t = c;
                lx->p = p;
                return true;
            }
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            lx->exec_comment = true;
            p += n;
        } else if (lx->exec_comment && end - p >= 2 && p[0] == '*'
                   && p[1] == '/') {
            lx->exec_comment = false;
            p += 2;
        } else {
            break;
        }
    }
    lx->p = p;
    return false;
}

/* "@name", "@'name'", "@`name`", "@@[scope.]name" at <p>. */
static const char *
lex_var(struct obp_sqllex *lx, const char *p, struct obp_sqllex_tok *t)
{
    const char *end = lx->end, *q;

    if (end - p >= 2 && p[1] == '@') {
        for (q = p + 2; q < end && (word_char(*q) || *q == '.'); q++)
            ;
        t->type = q > p + 2 ? OBP_SQLLEX_SYSVAR : OBP_SQLLEX_OTHER;
        t->s = p + 2;
        t->n = (size_t)(q - t->s);
        return q;
    }
    if (end - p >= 2 && (p[1] == '\'' || p[1] == '"' || p[1] == '`')) {
        q = close_quote(lx, p + 2, p[1], t);
        if (q == NULL)
            return NULL;
        t->type = OBP_SQLLEX_USERVAR;
        t->quote = p[1];
        t->s = p + 2;
        t->n = (size_t)(q - 1 - t->s);
        return q;
    }
    for (q = p + 1; q < end && (word_char(*q) || *q == '.'); q++)
        ;
    t->type = q > p + 1 ? OBP_SQLLEX_USERVAR : OBP_SQLLEX_OTHER;
    t->s = p + 1;
    t->n = (size_t)(q - t->s);
    return q;
}

/* True when [s, e) is "0x" or "0b" and digits of that base. */
static bool
radix_number(const char *s, const char *e)
{
    char r = e - s > 2 && s[0] == '0' ? s[1] : 0;

    if (r != 'x' && r != 'b')
        return false;
    for (s += 2; s < e; s++) {
        if (r == 'b' ? *s != '0' && *s != '1'
                     : !(digit(*s) || (upper(*s) >= 'A' && upper(*s) <= 'F')))
            return false;
    }
    return true;
}

/* A number or a word starting at <p> (a digit, a word byte or '.'). */
static const char *
lex_word(const char *p, const char *end, struct obp_sqllex_tok *t)
{
    const char *q = p, *e;

    while (q < end && digit(*q))
        q++;
    if (q < end && *q == '.' && (q > p || (end - q >= 2 && digit(q[1]))))
        for (q++; q < end && digit(*q); q++)
            ;
    if (q > p && q < end && upper(*q) == 'E') {
        e = q + 1;
        if (e < end && (*e == '+' || *e == '-'))
            e++;
        if (e < end && digit(*e))
            for (q = e; q < end && digit(*q); q++)
                ;
    }
    t->type = OBP_SQLLEX_NUMBER;
    if (*p != '.' && (q == p || (q < end && word_char(*q)))) {
        /* a name may start with digits: 1a, 0xg */
        for (e = p; e < end && digit(*e); e++)
            ;
        for (q = p; q < end && word_char(*q); q++)
            ;
        if (e < q && !radix_number(p, q))
            t->type = OBP_SQLLEX_WORD;
    }
    return q;
}

static enum obp_sqllex_type
punct(char c)
{
    switch (c) {
    case '=': return OBP_SQLLEX_EQ;
    case ',': return OBP_SQLLEX_COMMA;
    case ';': return OBP_SQLLEX_SEMI;
    case '(': return OBP_SQLLEX_LPAREN;
    case ')': return OBP_SQLLEX_RPAREN;
    case '.': return OBP_SQLLEX_DOT;
    case '?': return OBP_SQLLEX_QMARK;
    default:  return OBP_SQLLEX_OTHER;
    }
}

/* Operators, punctuation and variables at <p>. */
static const char *
lex_punct(struct obp_sqllex *lx, const char *p, struct obp_sqllex_tok *t)
{
    const char *end = lx->end;

    if (*p == '@')
        return lex_var(lx, p, t);
    if (*p == ':' && end - p >= 2 && p[1] == '=') {
        t->type = OBP_SQLLEX_ASSIGN;
        return p + 2;
    }
    t->type = OBP_SQLLEX_OTHER;
    if (*p == '<' || *p == '>' || *p == '!') {
        /* <=, >=, !=, <>, <=>: never an assignment */
        for (p++; p < end && (*p == '=' || *p == '>'); p++)
            ;
        return p;
    }
    if ((*p == '&' || *p == '|') && end - p >= 2 && p[1] == *p)
        return p + 2;
    t->type = punct(*p);
    return p + 1;
}

void
obp_sqllex_init(struct obp_sqllex *lx, const char *text, size_t len,
                unsigned flags)
{
    memset(lx, 0, sizeof(*lx));
    lx->p = text;
    lx->end = text + len;
    lx->flags = flags;
}

void
obp_sqllex_next(struct obp_sqllex *lx, struct obp_sqllex_tok *t)
{
    const char *p, *end = lx->end;

    memset(t, 0, sizeof(*t));
    if (skip_blank(lx, t))
        return;
    p = lx->p;
    t->s = p;
    if (p == end) {
        t->type = OBP_SQLLEX_END;
        return;
    }
    if (word_char(*p) || (*p == '.' && !lx->after_name && end - p >= 2
                          && digit(p[1]))) {
        p = lex_word(p, end, t);
    } else if (*p == '\'' || *p == '"' || *p == '`') {
        t->type = *p == '`' ? OBP_SQLLEX_QID : OBP_SQLLEX_STRING;
        t->quote = *p;
        t->s = p + 1;
        p = close_quote(lx, p + 1, *p, t);
        if (p != NULL)
            t->n = (size_t)(p - 1 - t->s);
    } else {
        p = lex_punct(lx, p, t);
    }
    if (p == NULL) {            /* an open quote runs to the end */
        memset(t, 0, sizeof(*t));
        t->type = OBP_SQLLEX_END;
        t->s = end;
        p = end;
    }
    if (t->type != OBP_SQLLEX_STRING && t->type != OBP_SQLLEX_QID
        && t->type != OBP_SQLLEX_USERVAR && t->type != OBP_SQLLEX_SYSVAR)
        t->n = (size_t)(p - t->s);
    lx->after_name = t->type == OBP_SQLLEX_WORD
                     || t->type == OBP_SQLLEX_QID;
    lx->p = p;
}

bool
obp_sqllex_kw_rest(const struct obp_sqllex_tok *t, const char *word)
{
    size_t i;

    for (i = 1; i < t->n; i++) {
        if (word[i] == '\0' || upper(t->s[i]) != word[i])
            return false;
    }
    return word[i] == '\0';
}

bool
obp_sqllex_op(const struct obp_sqllex_tok *t, const char *op)
{
    size_t n = strlen(op);

    return t->type == OBP_SQLLEX_OTHER && t->n == n
           && memcmp(t->s, op, n) == 0;
}
