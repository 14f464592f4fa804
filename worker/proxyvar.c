/*
 * The proxy's own session variables (proxyvar.h), read with sqllex.h:
 *
 *   SET [SESSION | LOCAL] item [, item]... [;]
 *   item: [@@[SESSION. | LOCAL.]]name = value
 *   value: a number, a 'string', a word, DEFAULT
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

enum var { V_CONSISTENCY, V_POLICY, V_LDC, V_NONE };

static const char *const names[] = {
    "ob_read_consistency", "proxy_route_policy", "proxy_session_ldc"
};

void
obp_proxyvar_init(struct obp_proxyvars *pv)
{
    memset(pv, 0, sizeof(*pv));
    pv->weak = -1;
}

/* The variable token <t> names, past an @@scope. prefix. */
static enum var
which(const struct obp_sqllex_tok *t)
{
    const char *s = t->s;
    size_t      n = t->n;

    if (t->type == OBP_SQLLEX_SYSVAR) {
        if (n > 8 && strncasecmp(s, "session.", 8) == 0)
            s += 8, n -= 8;
        else if (n > 6 && strncasecmp(s, "local.", 6) == 0)
            s += 6, n -= 6;
    } else if (t->type != OBP_SQLLEX_WORD && t->type != OBP_SQLLEX_QID) {
        return V_NONE;
    }
    for (int v = 0; v < V_NONE; v++)
        if (strlen(names[v]) == n && strncasecmp(names[v], s, n) == 0)
            return (enum var)v;
    return V_NONE;
}

/* ob_read_consistency's value: 1 weak, 0 strong, -1 default, -2 bad. */
static int
consistency(const struct obp_sqllex_tok *t)
{
    static const char *const words[] = { "FROZEN", "WEAK", "STRONG" };

    if (t->type == OBP_SQLLEX_NUMBER && t->n == 1 && t->s[0] >= '1'
        && t->s[0] <= '3')
        return t->s[0] != '3';
    if (obp_sqllex_kw(t, "DEFAULT"))
        return -1;
    if (t->type != OBP_SQLLEX_WORD && t->type != OBP_SQLLEX_STRING)
        return -2;
    for (int i = 0; i < 3; i++)
        if (strlen(words[i]) == t->n && strncasecmp(words[i], t->s, t->n)
                                        == 0)
            return i != 2;
    return -2;
}

/* A text value into <out>: false when it does not fit or is no text. */
static bool
text(const struct obp_sqllex_tok *t, char *out, size_t cap)
{
    if (obp_sqllex_kw(t, "DEFAULT")) {
        out[0] = '\0';
        return true;
    }
    if ((t->type != OBP_SQLLEX_WORD && t->type != OBP_SQLLEX_STRING)
        || t->escaped || t->n >= cap)
        return false;
    memcpy(out, t->s, t->n);
    out[t->n] = '\0';
    return true;
}

/* One item's value into <next>; false for a bad value. */
static bool
assign(struct obp_proxyvars *next, enum var v,
       const struct obp_sqllex_tok *t)
{
    int c;

    switch (v) {
    case V_CONSISTENCY:
        if ((c = consistency(t)) == -2)
            return false;
        next->weak = c;
        return true;
    case V_POLICY:
        return text(t, next->policy, sizeof(next->policy));
    default:
        return text(t, next->idc, sizeof(next->idc));
    }
}

static enum obp_proxyvar_rc
bad(const struct obp_sqllex_tok *t, enum var v, char *err, size_t errlen)
{
    snprintf(err, errlen, "Variable '%s' can't be set to the value of "
             "'%.*s'", names[v], (int)(t->n < 64 ? t->n : 64), t->s);
    return OBP_PROXYVAR_BAD;
}

enum obp_proxyvar_rc
obp_proxyvar_set(struct obp_proxyvars *pv, const char *sql, size_t len,
                 int backslash, char *err, size_t errlen)
{
    struct obp_proxyvars  next = *pv;
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    enum var              v;

    obp_sqllex_init(&lx, sql, len, backslash ? OBP_SQLLEX_BACKSLASH : 0);
    obp_sqllex_next(&lx, &t);
    if (!obp_sqllex_kw(&t, "SET"))
        return OBP_PROXYVAR_NOT_OURS;
    obp_sqllex_next(&lx, &t);
    if (obp_sqllex_kw(&t, "SESSION") || obp_sqllex_kw(&t, "LOCAL"))
        obp_sqllex_next(&lx, &t);
    /* each turn takes three tokens: bounded by the text */
    for (;;) {
        if ((v = which(&t)) == V_NONE)
            return OBP_PROXYVAR_NOT_OURS;
        obp_sqllex_next(&lx, &t);
        if (t.type != OBP_SQLLEX_EQ && t.type != OBP_SQLLEX_ASSIGN)
            return OBP_PROXYVAR_NOT_OURS;
        obp_sqllex_next(&lx, &t);
        if (!assign(&next, v, &t))
            return bad(&t, v, err, errlen);
        obp_sqllex_next(&lx, &t);
        if (t.type != OBP_SQLLEX_COMMA)
            break;
        obp_sqllex_next(&lx, &t);
    }
    if (t.type == OBP_SQLLEX_SEMI)
        obp_sqllex_next(&lx, &t);
    if (t.type != OBP_SQLLEX_END)
        return OBP_PROXYVAR_NOT_OURS;
    *pv = next;
    return OBP_PROXYVAR_SET;
}
