/*
 * Bound texts to literals; see part_lit.h.
 */
#include "obp.h"
#include "part_lit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const char *p;
    char       *err;
    size_t      errlen;
};

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_spaces(struct scan *s)
{
    while (is_space(*s->p))
        s->p++;
}

static int
scan_fail(struct scan *s, const char *what)
{
    snprintf(s->err, s->errlen, "%s near \"%.20s\"", what, s->p);
    return OBP_ERROR;
}

static char
unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case 'Z': return '\032';
    default: return c;
    }
}

/* A quoted string; '' or \' inside stand for one quote. */
static int
scan_string(struct scan *s, struct obp_part_lit *l)
{
    char q = *s->p++, *out;
    size_t n = 0;

    out = malloc(strlen(s->p) + 1);
    if (out == NULL)
        return scan_fail(s, "out of memory");
    l->owned = out;
    for (;;) {
        if (*s->p == '\0')
            return scan_fail(s, "unterminated string");
        if (*s->p == '\\' && s->p[1] != '\0') {
            out[n++] = unescape(s->p[1]);
            s->p += 2;
        } else if (*s->p == q && s->p[1] == q) {
            out[n++] = q;
            s->p += 2;
        } else if (*s->p == q) {
            s->p++;
            break;
        } else {
            out[n++] = *s->p++;
        }
    }
    out[n] = '\0';
    l->v.kind = OBP_PV_STRING;
    l->v.str = out;
    l->v.len = n;
    return OBP_OK;
}

/* Numbers: INT when it fits int64, UINT up to 2^64-1, else texts. */
static int
classify_number(struct obp_part_lit *l, const char *w, size_t n)
{
    char *end;
    size_t i;
    int dot = 0, exp = 0;

    for (i = 0; i < n; i++) {
        if (w[i] == '.')
            dot = 1;
        else if (w[i] == 'e' || w[i] == 'E')
            exp = 1;
    }
    l->v.str = l->owned;
    l->v.len = n;
    if (exp) {
        l->v.kind = OBP_PV_FLOAT;
        return OBP_OK;
    }
    if (dot) {
        l->v.kind = OBP_PV_DECIMAL;
        return OBP_OK;
    }
    errno = 0;
    l->v.i = strtoll(w, &end, 10);
    if (errno == 0 && *end == '\0') {
        l->v.kind = OBP_PV_INT;
        return OBP_OK;
    }
    errno = 0;
    l->v.u = strtoull(w, &end, 10);
    if (errno == 0 && *end == '\0' && w[0] != '-') {
        l->v.kind = OBP_PV_UINT;
        return OBP_OK;
    }
    l->v.kind = OBP_PV_DECIMAL;
    return OBP_OK;
}

static int
is_number(const char *w)
{
    size_t i = (*w == '-' || *w == '+') ? 1 : 0;
    int digits = 0;

    for (; w[i] != '\0'; i++) {
        if (w[i] >= '0' && w[i] <= '9')
            digits++;
        else if (w[i] != '.' && w[i] != 'e' && w[i] != 'E' && w[i] != '-'
                 && w[i] != '+')
            return 0;
    }
    return digits > 0;
}

/* A bare word: NULL, MAXVALUE, DEFAULT or a number. */
static int
scan_word(struct scan *s, struct obp_part_lit *l)
{
    const char *start = s->p;
    size_t n;

    while (*s->p != '\0' && *s->p != ',' && *s->p != '(' && *s->p != ')'
           && !is_space(*s->p))
        s->p++;
    n = (size_t)(s->p - start);
    l->owned = malloc(n + 1);
    if (l->owned == NULL)
        return scan_fail(s, "out of memory");
    memcpy(l->owned, start, n);
    l->owned[n] = '\0';
    if (obp_strcasecmp(l->owned, "NULL") == 0) {
        l->v.kind = OBP_PV_NULL;
    } else if (obp_strcasecmp(l->owned, "MAXVALUE") == 0) {
        l->kind = OBP_LIT_MAXVALUE;
    } else if (obp_strcasecmp(l->owned, "DEFAULT") == 0) {
        l->kind = OBP_LIT_DEFAULT;
    } else if (is_number(l->owned)) {
        return classify_number(l, l->owned, n);
    } else {
        s->p = start;
        return scan_fail(s, "not a literal");
    }
    return OBP_OK;
}

static int
scan_literal(struct scan *s, struct obp_part_lits *out, int group)
{
    struct obp_part_lit *l, *grown;

    grown = realloc(out->lit, (out->n + 1) * sizeof(*grown));
    if (grown == NULL)
        return scan_fail(s, "out of memory");
    out->lit = grown;
    l = &out->lit[out->n++];
    memset(l, 0, sizeof(*l));
    l->group = group;
    skip_spaces(s);
    if (*s->p == '\'' || *s->p == '"')
        return scan_string(s, l);
    if (*s->p == '\0' || *s->p == ',' || *s->p == ')' || *s->p == '(')
        return scan_fail(s, "a value expected");
    return scan_word(s, l);
}

/* A tuple "(v, v, ...)" at s->p, which is on the '('. */
static int
scan_tuple(struct scan *s, struct obp_part_lits *out)
{
    int group = (int)out->ngroups++;

    s->p++;
    for (;;) {
        if (scan_literal(s, out, group) != OBP_OK)
            return OBP_ERROR;
        skip_spaces(s);
        if (*s->p == ')') {
            s->p++;
            return OBP_OK;
        }
        if (*s->p != ',')
            return scan_fail(s, "',' or ')' expected");
        s->p++;
    }
}

/* True when the text is "( ( ... ) ... )": one pair around tuples. */
static int
outer_parens(const char *p)
{
    const char *q;
    int depth = 0, inner = 0;
    char quote = 0;

    while (is_space(*p))
        p++;
    if (*p != '(')
        return 0;
    for (q = p; *q != '\0'; q++) {
        if (quote) {
            if (*q == '\\' && q[1] != '\0')
                q++;
            else if (*q == quote)
                quote = 0;
        } else if (*q == '\'' || *q == '"') {
            quote = *q;
        } else if (*q == '(') {
            inner |= ++depth > 1;
        } else if (*q == ')' && --depth == 0) {
            break;
        }
    }
    if (*q != ')' || !inner)
        return 0;
    for (q++; is_space(*q); q++)
        ;
    return *q == '\0';
}

int
obp_part_lits_parse(const char *text, struct obp_part_lits *out,
                    char *err, size_t errlen)
{
    struct scan s = { text, err, errlen };
    int outer = outer_parens(text);

    memset(out, 0, sizeof(*out));
    skip_spaces(&s);
    if (outer)
        s.p++;
    for (;;) {
        skip_spaces(&s);
        if (*s.p == '(') {
            if (scan_tuple(&s, out) != OBP_OK)
                return OBP_ERROR;
        } else if (scan_literal(&s, out, -1) != OBP_OK) {
            return OBP_ERROR;
        }
        skip_spaces(&s);
        if (outer && *s.p == ')') {
            s.p++;
            outer = 0;
            skip_spaces(&s);
        }
        if (*s.p == '\0')
            return OBP_OK;
        if (*s.p != ',')
            return scan_fail(&s, "',' expected");
        s.p++;
    }
}

void
obp_part_lits_free(struct obp_part_lits *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->lit[i].owned);
    free(l->lit);
    memset(l, 0, sizeof(*l));
}
