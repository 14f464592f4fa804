/*
 * The classifier's values (sqlclass.h): literals, the key columns of a
 * WHERE clause and of INSERT rows.  A WHERE clause is read twice: the
 * first pass finds the parentheses (numbered as they are read) that hold
 * an OR, the second takes the atoms outside them, outside NOT and
 * outside anything that is not a group of conditions.
 */
#include "obp.h"

#include <string.h>

#define kw obp_sqllex_kw

static bool
at_end(const struct obp_sql_parse *x)
{
    return x->t.type == OBP_SQLLEX_END || x->t.type == OBP_SQLLEX_SEMI;
}

static char
upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* The next unescaped byte of a name at *i, moving *i past it. */
static char
name_byte(const char *s, size_t *i, char quote)
{
    if (quote != 0 && s[*i] == quote)
        (*i)++;                 /* the first of a doubled quote */
    return upper(s[(*i)++]);
}

/* Two names, each as written, equal without regard to ASCII case. */
static bool
name_eq(const char *a, size_t an, char aq, const char *b, size_t bn,
        char bq)
{
    size_t i = 0, j = 0;

    while (i < an && j < bn) {
        if (name_byte(a, &i, aq) != name_byte(b, &j, bq))
            return false;
    }
    return i >= an && j >= bn;
}

static bool
tok_is(const struct obp_sqllex_tok *t, const struct obp_sql_name *nm)
{
    return nm->s != NULL
           && name_eq(t->s, t->n, t->quote, nm->s, nm->n, nm->quote);
}

/* The column named by <t>: its slot, or NULL when it is not followed. */
static struct obp_sql_column *
column(struct obp_sql_parse *x, const struct obp_sqllex_tok *t)
{
    struct obp_sql_class  *c = x->c;
    struct obp_sql_column *col;

    for (unsigned i = 0; i < c->ncolumns; i++) {
        if (tok_is(t, &c->columns[i].name))
            return &c->columns[i];
    }
    if (x->nkeys > 0)
        return NULL;
    if (c->ncolumns == OBP_SQL_KEYS_MAX) {
        c->flags |= OBP_SQL_F_CAPPED;
        return NULL;
    }
    col = &c->columns[c->ncolumns++];
    col->name.s = t->s;
    col->name.n = t->n;
    col->name.quote = t->quote;
    col->name.escaped = t->escaped;
    col->state = OBP_SQL_COL_ABSENT;
    col->capped = false;
    col->nvalues = 0;
    return col;
}

/* A column reference: up to db.table.column. */
struct colref {
    struct obp_sqllex_tok part[3];
    unsigned              n;
};

static void
colref(struct obp_sql_parse *x, struct colref *r)
{
    r->n = 0;
    while (obp_sql_name_tok(x) && r->n < 3) {
        r->part[r->n++] = x->t;
        obp_sql_next(x);
        if (x->t.type != OBP_SQLLEX_DOT || r->n == 3)
            return;
        obp_sql_next(x);
    }
}

/* The column of <r> when it is the first table's, or NULL. */
static struct obp_sql_column *
ref_column(struct obp_sql_parse *x, const struct colref *r)
{
    const struct obp_sql_class  *c = x->c;
    const struct obp_sqllex_tok *tbl = &r->part[r->n >= 2 ? r->n - 2 : 0];

    if (r->n == 3 && c->db.s != NULL && !tok_is(&r->part[0], &c->db))
        return NULL;
    if (r->n >= 2 && !tok_is(tbl, &c->table)
        && !(r->n == 2 && tok_is(tbl, &c->alias)))
        return NULL;
    return column(x, &r->part[r->n - 1]);
}

static void
number(struct obp_sql_value *v, const struct obp_sqllex_tok *t)
{
    v->text.s = t->s;
    v->text.n = t->n;
    v->type = OBP_SQL_V_INT;
    if (t->n > 2 && t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'b')) {
        v->type = t->s[1] == 'x' ? OBP_SQL_V_HEX : OBP_SQL_V_BIT;
        v->text.s += 2;
        v->text.n -= 2;
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->s[i] == '.' || t->s[i] == 'e' || t->s[i] == 'E')
            v->type = OBP_SQL_V_DECIMAL;
    }
}

static void
string(struct obp_sql_value *v, const struct obp_sqllex_tok *t)
{
    v->type = OBP_SQL_V_STRING;
    v->text.s = t->s;
    v->text.n = t->n;
    v->text.quote = t->quote;
    v->text.escaped = t->escaped;
}

/* <w> then the string <t>: x'..', b'..', N'..', _charset'..'. */
static bool
introduced(struct obp_sql_value *v, const struct obp_sqllex_tok *w,
           const struct obp_sqllex_tok *t)
{
    char c = upper(w->s[0]);

    if (t->type != OBP_SQLLEX_STRING || w->type != OBP_SQLLEX_WORD)
        return false;
    string(v, t);
    if (w->n == 1 && t->quote == '\'' && (c == 'X' || c == 'B')) {
        v->type = c == 'X' ? OBP_SQL_V_HEX : OBP_SQL_V_BIT;
        return true;
    }
    if ((w->n == 1 && c == 'N') || (w->n > 1 && c == '_')) {
        v->charset.s = w->s + (c == '_');
        v->charset.n = w->n - (c == '_');
        return true;
    }
    return false;
}

/* A word's literal (NULL, TRUE, FALSE, introduced string), past it. */
static bool
word_value(struct obp_sql_parse *x, struct obp_sql_value *v)
{
    struct obp_sqllex_tok w = x->t;

    if (kw(&w, "NULL") || kw(&w, "TRUE") || kw(&w, "FALSE")) {
        v->type = kw(&w, "NULL") ? OBP_SQL_V_NULL : OBP_SQL_V_BOOL;
        v->text.s = w.s;
        v->text.n = w.n;
        obp_sql_next(x);
        return true;
    }
    obp_sql_next(x);
    if (!introduced(v, &w, &x->t))
        return false;
    obp_sql_next(x);
    return true;
}

/*
 * A literal at the current token into <v>, moving past what it reads:
 * true for a literal, false (v: EXPR) for anything else.
 */
static bool
value(struct obp_sql_parse *x, struct obp_sql_value *v)
{
    bool neg = obp_sqllex_op(&x->t, "-");

    memset(v, 0, sizeof(*v));
    if (neg || obp_sqllex_op(&x->t, "+")) {
        obp_sql_next(x);
        if (x->t.type != OBP_SQLLEX_NUMBER)
            return false;
    }
    switch (x->t.type) {
    case OBP_SQLLEX_NUMBER:
        number(v, &x->t);
        v->negative = neg;
        if (neg && (v->type == OBP_SQL_V_HEX || v->type == OBP_SQL_V_BIT))
            v->type = OBP_SQL_V_EXPR;
        break;
    case OBP_SQLLEX_STRING:
        string(v, &x->t);
        break;
    case OBP_SQLLEX_QMARK:
        v->type = OBP_SQL_V_PARAM;
        v->param = x->param;
        break;
    case OBP_SQLLEX_WORD:
        if (word_value(x, v))
            return true;
        memset(v, 0, sizeof(*v));
        return false;
    default:
        return false;
    }
    obp_sql_next(x);
    return v->type != OBP_SQL_V_EXPR;
}

bool
obp_sql_where_end(const struct obp_sql_parse *x)
{
    static const char *const words[] = {
        "ORDER", "GROUP", "LIMIT", "HAVING", "WINDOW", "FOR", "LOCK",
        "UNION", "EXCEPT", "INTERSECT", "INTO", "RETURNING", "PROCEDURE"
    };

    for (size_t i = 0; x->t.type == OBP_SQLLEX_WORD
                       && i < OBP_NELEMS(words); i++) {
        if (kw(&x->t, words[i]))
            return true;
    }
    return false;
}

static bool
is_and(const struct obp_sqllex_tok *t)
{
    return kw(t, "AND") || obp_sqllex_op(t, "&&");
}

static bool
is_or(const struct obp_sqllex_tok *t)
{
    return kw(t, "OR") || kw(t, "XOR") || obp_sqllex_op(t, "||");
}

/* After an atom's value: what may end a condition. */
static bool
boundary(const struct obp_sql_parse *x)
{
    return at_end(x) || x->t.type == OBP_SQLLEX_RPAREN || is_and(&x->t)
           || is_or(&x->t) || obp_sql_where_end(x);
}

/* From inside a '(' at depth <d>: past its ')'. */
static void
close_paren(struct obp_sql_parse *x, unsigned d)
{
    while (!at_end(x) && !(x->t.type == OBP_SQLLEX_RPAREN && x->depth < d))
        obp_sql_next(x);
    if (!at_end(x))
        obp_sql_next(x);
}

/*
 * The values of an atom of <col> (NULL: not followed), kept when <keep>:
 * one literal, or with <list> the items of "(v, ...)" (at its '(').
 * True when each is a literal and the atom ends there.
 */
static bool
atom_values(struct obp_sql_parse *x, struct obp_sql_column *col,
            bool list, bool keep)
{
    struct obp_sql_value scratch, *v;
    unsigned             n = 0, d;
    bool                 ok = true;

    keep = keep && col != NULL;
    if (list) {
        obp_sql_next(x);
        d = x->depth;
        for (;;) {
            v = keep && n < OBP_SQL_VALUES_MAX ? &col->values[n] : &scratch;
            ok = value(x, v) && ok;
            n++;
            if (x->t.type == OBP_SQLLEX_COMMA && x->depth == d) {
                obp_sql_next(x);
                continue;
            }
            if (x->t.type != OBP_SQLLEX_RPAREN || x->depth >= d) {
                ok = false;
                close_paren(x, d);
            } else {
                obp_sql_next(x);
            }
            break;
        }
    } else {
        ok = value(x, keep ? &col->values[0] : &scratch);
        n = 1;
    }
    ok = ok && boundary(x);
    if (keep && ok) {
        col->state = OBP_SQL_COL_VALUES;
        col->nvalues = n < OBP_SQL_VALUES_MAX ? n : OBP_SQL_VALUES_MAX;
        col->capped = n > OBP_SQL_VALUES_MAX;
    }
    return ok;
}

/* An atom's outcome for <col>, found where <good> conditions hold. */
static void
note(struct obp_sql_parse *x, struct obp_sql_column *col, bool good,
     bool list)
{
    bool keep = good && col != NULL && col->state == OBP_SQL_COL_ABSENT;

    if (!atom_values(x, col, list, keep) || !good) {
        if (col != NULL) {
            col->state = OBP_SQL_COL_UNUSABLE;
            col->nvalues = 0;
        }
    }
}

/*
 * At the start of a condition: col = v, col IN (...), v = col.  Reads
 * what it recognises and leaves the rest to the caller.
 */
static void
atom(struct obp_sql_parse *x, bool good)
{
    struct colref        r;
    struct obp_sql_value v;

    if (obp_sql_name_tok(x) && !kw(&x->t, "NULL") && !kw(&x->t, "TRUE")
        && !kw(&x->t, "FALSE")) {
        colref(x, &r);
        if (r.n == 0 || (r.n == 1 && x->t.type == OBP_SQLLEX_STRING))
            return;             /* _utf8'..' = col: not followed */
        if (x->t.type == OBP_SQLLEX_EQ) {
            obp_sql_next(x);
            note(x, ref_column(x, &r), good, false);
        } else if (kw(&x->t, "IN")) {
            obp_sql_next(x);
            if (x->t.type == OBP_SQLLEX_LPAREN)
                note(x, ref_column(x, &r), good, true);
        }
        return;
    }
    if (!value(x, &v) || x->t.type != OBP_SQLLEX_EQ)
        return;
    obp_sql_next(x);
    colref(x, &r);
    if (r.n > 0 && x->t.type != OBP_SQLLEX_LPAREN && boundary(x)) {
        struct obp_sql_column *col = ref_column(x, &r);

        if (col != NULL && good && col->state == OBP_SQL_COL_ABSENT) {
            col->state = OBP_SQL_COL_VALUES;
            col->values[0] = v;
            col->nvalues = 1;
        } else if (col != NULL && !good) {
            col->state = OBP_SQL_COL_UNUSABLE;
            col->nvalues = 0;
        }
    }
}

/* At CASE: past its END (CASE may nest). */
static void
skip_case(struct obp_sql_parse *x)
{
    unsigned open = 0;

    for (; !at_end(x); obp_sql_next(x)) {
        open += kw(&x->t, "CASE");
        if (kw(&x->t, "END") && --open == 0) {
            obp_sql_next(x);
            return;
        }
    }
}

/* Whether the WHERE clause goes on at the current token (<base>: its
 * depth). */
static bool
in_where(const struct obp_sql_parse *x, unsigned base)
{
    return !at_end(x) && x->depth >= base
           && !(x->depth == base && obp_sql_where_end(x));
}

/* Pass one: the groups that hold an OR at their own level (bits). */
static uint64_t
or_groups(struct obp_sql_parse *x, unsigned base, bool *top_or)
{
    uint32_t stack[OBP_SQL_GROUPS_MAX];
    uint64_t tainted = 0;
    unsigned lvl;

    while (in_where(x, base)) {
        lvl = x->depth - base;
        if (x->t.type == OBP_SQLLEX_LPAREN && lvl <= OBP_SQL_GROUPS_MAX)
            stack[lvl - 1] = x->group;
        if (kw(&x->t, "CASE")) {
            skip_case(x);
            continue;
        }
        if (is_or(&x->t) && lvl == 0)
            *top_or = true;
        else if (is_or(&x->t) && lvl <= OBP_SQL_GROUPS_MAX
                 && stack[lvl - 1] < 64)
            tainted |= (uint64_t)1 << stack[lvl - 1];
        obp_sql_next(x);
    }
    return tainted;
}

/* A level of parentheses in pass two. */
struct level {
    bool bad;                   /* no atom in it can be used */
    bool neg;                   /* the enclosing level was negated */
};

struct pass2 {
    struct level stack[OBP_SQL_GROUPS_MAX];
    uint64_t     tainted;       /* from pass one */
    unsigned     base;          /* the clause's depth */
    unsigned     nbad;          /* bad levels open (the top one too) */
    bool         start;         /* at the start of a condition */
    bool         neg;           /* the condition is under NOT */
    bool         between;       /* the next AND is BETWEEN's */
};

/* A '(' was read (<cond>: one that holds conditions). */
static void
open_level(struct obp_sql_parse *x, struct pass2 *w, bool cond)
{
    unsigned lvl = x->depth - w->base;
    bool     bad = !cond || w->neg || x->group >= 64
                   || (w->tainted >> (x->group & 63) & 1);

    if (x->group >= 64 || lvl > OBP_SQL_GROUPS_MAX)
        x->c->flags |= OBP_SQL_F_CAPPED;
    if (lvl > OBP_SQL_GROUPS_MAX) {
        w->nbad++;
    } else {
        w->stack[lvl - 1].bad = bad;
        w->stack[lvl - 1].neg = w->neg;
        w->nbad += bad;
    }
    w->neg = false;
    w->start = cond;
}

/* A ')' was read. */
static void
close_level(struct obp_sql_parse *x, struct pass2 *w)
{
    unsigned lvl = x->depth - w->base + 1;

    if (lvl > OBP_SQL_GROUPS_MAX) {
        w->nbad--;
        return;
    }
    w->nbad -= w->stack[lvl - 1].bad;
    w->neg = w->stack[lvl - 1].neg;
    w->start = false;
}

/* Pass two at the start of a condition: NOT, a group, or an atom. */
static void
cond_start(struct obp_sql_parse *x, struct pass2 *w)
{
    unsigned lvl = x->depth - w->base;

    if (kw(&x->t, "NOT") || obp_sqllex_op(&x->t, "!")) {
        w->neg = true;
        obp_sql_next(x);
    } else if (x->t.type == OBP_SQLLEX_LPAREN) {
        open_level(x, w, true);
        obp_sql_next(x);
    } else if (kw(&x->t, "CASE")) {
        w->start = false;       /* the caller skips it */
    } else if (kw(&x->t, "SELECT") || kw(&x->t, "WITH")
               || kw(&x->t, "VALUES")) {
        if (lvl > 0 && lvl <= OBP_SQL_GROUPS_MAX
            && !w->stack[lvl - 1].bad) {
            w->stack[lvl - 1].bad = true;   /* a subquery */
            w->nbad++;
        }
        w->start = false;
    } else {
        w->start = false;
        atom(x, w->nbad == 0 && !w->neg);
    }
}

void
obp_sql_where(struct obp_sql_parse *x)
{
    struct obp_sql_parse saved = *x;
    uint32_t             nparams = x->c->nparams;
    struct pass2         w;
    bool                 top_or = false;

    memset(&w, 0, sizeof(w));
    /* the clause's depth: a '(' read already opens its first level */
    w.base = x->depth - (x->t.type == OBP_SQLLEX_LPAREN);
    w.tainted = or_groups(x, w.base, &top_or);
    *x = saved;
    x->c->nparams = nparams;
    w.nbad = top_or;
    w.start = true;
    while (in_where(x, w.base)) {
        if (w.start) {
            cond_start(x, &w);
            continue;
        }
        if (is_and(&x->t) || is_or(&x->t)) {
            /* an OR's operands are read, to make their columns unusable */
            w.start = !w.between || is_or(&x->t);
            w.neg = w.neg && !w.start;
            w.between = false;
        } else if (kw(&x->t, "BETWEEN")) {
            w.between = true;
        } else if (kw(&x->t, "CASE")) {
            skip_case(x);
            continue;
        } else if (x->t.type == OBP_SQLLEX_LPAREN) {
            open_level(x, &w, false);
        } else if (x->t.type == OBP_SQLLEX_RPAREN) {
            close_level(x, &w);
        }
        obp_sql_next(x);
    }
}

/*
 * The column list of INSERT (from its first name): each key's position
 * into <keypos>.  False when the list is not a plain one.
 */
static bool
insert_columns(struct obp_sql_parse *x, int *keypos)
{
    struct obp_sql_column *col;
    struct colref          r;
    unsigned               d = x->depth;

    for (int i = 0; !at_end(x); i++) {
        colref(x, &r);
        col = r.n > 0 ? column(x, &r.part[r.n - 1]) : NULL;
        if (col != NULL && keypos[col - x->c->columns] < 0)
            keypos[col - x->c->columns] = i;
        if (x->t.type == OBP_SQLLEX_RPAREN && x->depth < d) {
            obp_sql_next(x);
            return r.n > 0;
        }
        if (x->t.type != OBP_SQLLEX_COMMA || r.n == 0)
            break;
        obp_sql_next(x);
    }
    close_paren(x, d);
    return false;
}

/* One VALUES row (at its '('): the keys' values for row <row>. */
static void
insert_row(struct obp_sql_parse *x, const int *keypos, unsigned row)
{
    struct obp_sql_class  *c = x->c;
    struct obp_sql_value   scratch, *v;
    unsigned               d, seen = 0;
    bool                   ok;
    int                    k;

    obp_sql_next(x);
    d = x->depth;
    for (int i = 0; !at_end(x); i++) {
        for (k = (int)c->ncolumns - 1; k >= 0 && keypos[k] != i; k--)
            ;
        v = k >= 0 && row < OBP_SQL_VALUES_MAX ? &c->columns[k].values[row]
                                               : &scratch;
        ok = value(x, v) && (x->t.type == OBP_SQLLEX_COMMA
                             || x->t.type == OBP_SQLLEX_RPAREN);
        if (k >= 0 && ok)
            seen |= 1u << k;
        while (!at_end(x) && !(x->t.type == OBP_SQLLEX_COMMA
                               && x->depth == d)
               && !(x->t.type == OBP_SQLLEX_RPAREN && x->depth < d))
            obp_sql_next(x);
        if (x->t.type != OBP_SQLLEX_COMMA)
            break;
        obp_sql_next(x);
    }
    if (!at_end(x))
        obp_sql_next(x);
    for (k = 0; k < (int)c->ncolumns; k++) {
        if (keypos[k] >= 0 && !(seen & 1u << k))
            c->columns[k].state = OBP_SQL_COL_UNUSABLE;
    }
}

/* VALUES (...), (...): rows of the keys' values. */
static void
insert_values(struct obp_sql_parse *x, const int *keypos)
{
    struct obp_sql_class  *c = x->c;
    struct obp_sql_column *col;
    unsigned               row = 0;

    for (;;) {
        if (kw(&x->t, "ROW"))
            obp_sql_next(x);
        if (x->t.type != OBP_SQLLEX_LPAREN)
            break;
        insert_row(x, keypos, row++);
        if (x->t.type != OBP_SQLLEX_COMMA)
            break;
        obp_sql_next(x);
    }
    c->nrows = row;
    for (unsigned k = 0; k < c->ncolumns; k++) {
        col = &c->columns[k];
        if (keypos[k] < 0 || col->state == OBP_SQL_COL_UNUSABLE)
            continue;
        col->state = row > 0 ? OBP_SQL_COL_VALUES : OBP_SQL_COL_UNUSABLE;
        col->nvalues = row < OBP_SQL_VALUES_MAX ? row : OBP_SQL_VALUES_MAX;
        col->capped = row > OBP_SQL_VALUES_MAX;
    }
}

/* INSERT ... SET col = v, ...: one row. */
static void
insert_set(struct obp_sql_parse *x)
{
    struct obp_sql_column *col;
    struct obp_sql_value   v;
    struct colref          r;
    unsigned               d = x->depth;
    bool                   ok;

    x->c->nrows = 1;
    do {
        obp_sql_next(x);
        colref(x, &r);
        if (r.n == 0 || x->t.type != OBP_SQLLEX_EQ)
            return;
        obp_sql_next(x);
        ok = value(x, &v) && (at_end(x) || kw(&x->t, "ON")
                              || x->t.type == OBP_SQLLEX_COMMA);
        col = column(x, &r.part[r.n - 1]);
        if (col != NULL && col->state == OBP_SQL_COL_ABSENT && ok) {
            col->state = OBP_SQL_COL_VALUES;
            col->values[0] = v;
            col->nvalues = 1;
        } else if (col != NULL) {
            col->state = OBP_SQL_COL_UNUSABLE;
            col->nvalues = 0;
        }
        while (!at_end(x) && !kw(&x->t, "ON")
               && !(x->t.type == OBP_SQLLEX_COMMA && x->depth == d))
            obp_sql_next(x);
    } while (x->t.type == OBP_SQLLEX_COMMA);
}

void
obp_sql_insert_rows(struct obp_sql_parse *x)
{
    int  keypos[OBP_SQL_KEYS_MAX];
    bool listed = false;

    for (unsigned k = 0; k < OBP_SQL_KEYS_MAX; k++)
        keypos[k] = -1;
    if (kw(&x->t, "PARTITION")) {
        obp_sql_next(x);
        if (x->t.type == OBP_SQLLEX_LPAREN) {
            obp_sql_next(x);
            close_paren(x, x->depth);
        }
    }
    if (x->t.type == OBP_SQLLEX_LPAREN) {
        obp_sql_next(x);
        if (kw(&x->t, "SELECT") || kw(&x->t, "WITH")) {
            x->c->flags |= OBP_SQL_F_INSERT_SELECT;
            return;
        }
        if (!insert_columns(x, keypos))
            return;
        listed = true;
    }
    if (kw(&x->t, "SELECT") || kw(&x->t, "TABLE") || kw(&x->t, "WITH")
        || x->t.type == OBP_SQLLEX_LPAREN) {
        x->c->flags |= OBP_SQL_F_INSERT_SELECT;
    } else if (kw(&x->t, "SET")) {
        insert_set(x);
    } else if (kw(&x->t, "VALUES") || kw(&x->t, "VALUE")) {
        x->c->flags |= listed ? 0 : OBP_SQL_F_NO_COLUMNS;
        obp_sql_next(x);
        insert_values(x, keypos);
    }
}
