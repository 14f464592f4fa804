/*
 * A lexer for MySQL statement text, shared by the scanners that read a
 * client's SQL without a grammar (worker/sqlset.c, shared/sqlclass.c):
 * words, numbers, strings, quoted names, variables, placeholders and the
 * few operators they need.  Blanks and comments are skipped, or returned
 * as tokens on request; the contents of executable comments (slash-star-
 * bang, slash-star-M-bang, with an optional version) are read as SQL.
 *
 * It never allocates and never reads outside the text it is given.  A
 * string or quoted name that the end of the text cuts ends the text like
 * the end itself (OBP_SQLLEX_END), as the rest cannot be read anyway.
 */
#ifndef OBP_SHARED_SQLLEX_H
#define OBP_SHARED_SQLLEX_H

#include <stdbool.h>
#include <stddef.h>

/* obp_sqllex_init() flags */
#define OBP_SQLLEX_BACKSLASH 0x1    /* strings take backslash escapes */
#define OBP_SQLLEX_COMMENTS  0x2    /* return comments and hints */

enum obp_sqllex_type {
    OBP_SQLLEX_END,
    OBP_SQLLEX_WORD,        /* a keyword or a plain name: [A-Za-z0-9_$]
                             * and bytes >= 0x80, not a number */
    OBP_SQLLEX_QID,         /* a `quoted name` (s, n: inside the quotes) */
    OBP_SQLLEX_STRING,      /* 'text' or "text" (s, n: inside the quotes) */
    OBP_SQLLEX_NUMBER,      /* 12, 1.5, .5e3, 0x1F, 0b101 (no sign) */
    OBP_SQLLEX_USERVAR,     /* @name, @'name', @`name` (s, n: the name) */
    OBP_SQLLEX_SYSVAR,      /* @@name, @@scope.name (s, n: after @@) */
    OBP_SQLLEX_ASSIGN,      /* := */
    OBP_SQLLEX_EQ,          /* = */
    OBP_SQLLEX_COMMA,
    OBP_SQLLEX_SEMI,
    OBP_SQLLEX_LPAREN,
    OBP_SQLLEX_RPAREN,
    OBP_SQLLEX_DOT,
    OBP_SQLLEX_QMARK,       /* ? a placeholder */
    OBP_SQLLEX_COMMENT,     /* with COMMENTS: s, n: its body */
    OBP_SQLLEX_HINT,        /* with COMMENTS: slash-star-plus, s, n: after
                             * the plus */
    OBP_SQLLEX_OTHER        /* any other byte; the runs <=, >=, <>, !=,
                             * <=>, &&, || are one token */
};

struct obp_sqllex_tok {
    enum obp_sqllex_type type;
    const char          *s;         /* its bytes (see the types) */
    size_t               n;
    char                 quote;     /* a quoted name's or string's quote,
                                     * or 0 */
    bool                 escaped;   /* a quoted one holds a doubled quote
                                     * or a backslash escape */
};

struct obp_sqllex {
    const char *p;                  /* next byte to read */
    const char *end;                /* one past the text */
    unsigned    flags;              /* OBP_SQLLEX_* */
    bool        exec_comment;       /* inside an executable comment */
    bool        after_name;         /* the last token was a name: a '.'
                                     * is a qualifier's, never a number */
};

/* Starts reading <text> (<len> bytes, borrowed while it is read). */
void obp_sqllex_init(struct obp_sqllex *lx, const char *text, size_t len,
                     unsigned flags);

/* The next token into <t>; OBP_SQLLEX_END at the end, again and again. */
void obp_sqllex_next(struct obp_sqllex *lx, struct obp_sqllex_tok *t);

/* obp_sqllex_kw() past its first byte. */
bool obp_sqllex_kw_rest(const struct obp_sqllex_tok *t, const char *upper);

/*
 * True when <t> is the word <upper> (upper case ASCII letters, digits,
 * '_'; starting with a letter), in any case.  Inline: the scanners ask
 * it of most words many times, and most differ at their first byte.
 */
static inline bool
obp_sqllex_kw(const struct obp_sqllex_tok *t, const char *upper)
{
    return t->type == OBP_SQLLEX_WORD && (t->s[0] & ~0x20) == upper[0]
           && obp_sqllex_kw_rest(t, upper);
}

/* True when <t> is the operator (OTHER) spelled <op>. */
bool obp_sqllex_op(const struct obp_sqllex_tok *t, const char *op);

#endif
