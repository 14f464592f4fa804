/*
 * The classifier's notes from comments (sqlclass.h): ODP's leading
 * comments and the hints of a statement, read with a lexer of their own
 * over the comment's body; and the numbers of the statement's own time
 * limit.
 */
#include "obp.h"

#include <string.h>
#include <strings.h>

#define kw obp_sqllex_kw

/* A slice of a comment: [p, e). */
static void
set_slice(struct obp_sql_name *nm, const char *p, const char *e, char q)
{
    nm->s = p;
    nm->n = (size_t)(e - p);
    nm->quote = q;
}

/* A key's value in a leading comment, from <p>: one past it. */
static const char *
comment_value(const char *p, const char *e, struct obp_sql_name *v,
              bool commas)
{
    const char *q;
    char        quote = 0;

    if (p < e && (*p == '\'' || *p == '"')) {
        quote = *p++;
        for (q = p; q < e && *q != quote; q++)
            ;
        set_slice(v, p, q, quote);
        return q < e ? q + 1 : e;
    }
    for (q = p; q < e && *q != ' ' && *q != '\t' && *q != '\n'
                && *q != '\r' && !(commas && *q == ','); q++)
        ;
    set_slice(v, p, q, 0);
    return q;
}

static bool
key_is(const char *p, const char *e, const char *key)
{
    size_t n = strlen(key);

    return (size_t)(e - p) == n && strncasecmp(p, key, n) == 0;
}

void
obp_sql_odp_comment(struct obp_sql_parse *x)
{
    const char          *p = x->t.s, *e = x->t.s + x->t.n, *k;
    struct obp_sql_name  v, *dst;
    struct obp_sql_class *c = x->c;

    while (p < e) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
            || *p == ',') {
            p++;
            continue;
        }
        if (e - p >= 4 && strncasecmp(p, "ODP:", 4) == 0) {
            p += 4;
            continue;
        }
        for (k = p; p < e && *p != '=' && *p != ' ' && *p != ','; p++)
            ;
        if (p == e || *p != '=')
            return;
        dst = key_is(k, p, "target_db_server") ? &c->target_db_server
              : key_is(k, p, "table") ? &c->route_table
              : key_is(k, p, "part_key") ? &c->route_part_key : &v;
        p = comment_value(p + 1, e, &v, dst != &c->target_db_server);
        if (dst != &v)
            *dst = v;
    }
}

int64_t
obp_sql_number_us(const struct obp_sqllex_tok *t, int64_t unit)
{
    int64_t whole = 0, frac = 0, scale = 1;
    size_t  i = 0;

    if (t->type != OBP_SQLLEX_NUMBER)
        return -1;
    for (; i < t->n && t->s[i] >= '0' && t->s[i] <= '9'; i++) {
        if (i >= 12)
            return -1;          /* past 30,000 years */
        whole = whole * 10 + (t->s[i] - '0');
    }
    if (i < t->n && t->s[i] == '.') {
        for (i++; i < t->n && t->s[i] >= '0' && t->s[i] <= '9'; i++) {
            if (scale < unit) {
                frac = frac * 10 + (t->s[i] - '0');
                scale *= 10;
            }
        }
    }
    return i < t->n ? -1 : whole * unit + frac * unit / scale;
}

void
obp_sql_hint(struct obp_sql_parse *x)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    struct obp_sql_class *c = x->c;
    bool                  rc = false;   /* after READ_CONSISTENCY( */

    obp_sqllex_init(&lx, x->t.s, x->t.n, 0);
    for (obp_sqllex_next(&lx, &t); t.type != OBP_SQLLEX_END;
         obp_sqllex_next(&lx, &t)) {
        if (rc && kw(&t, "WEAK"))
            c->consistency = OBP_SQL_CONS_WEAK;
        else if (rc && kw(&t, "STRONG"))
            c->consistency = OBP_SQL_CONS_STRONG;
        else if (rc && kw(&t, "FROZEN"))
            c->consistency = OBP_SQL_CONS_FROZEN;
        rc = t.type == OBP_SQLLEX_LPAREN && rc;
        if (kw(&t, "READ_CONSISTENCY")) {
            obp_sqllex_next(&lx, &t);
            rc = t.type == OBP_SQLLEX_LPAREN;
        } else if (kw(&t, "MAX_EXECUTION_TIME")
                   && c->kind == OBP_SQL_SELECT) {
            obp_sqllex_next(&lx, &t);
            if (t.type == OBP_SQLLEX_LPAREN) {
                obp_sqllex_next(&lx, &t);
                if (obp_sql_number_us(&t, 1000) >= 0)
                    c->time_limit_us = obp_sql_number_us(&t, 1000);
            }
        }
    }
}
