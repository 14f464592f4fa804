/*
 * The router's key values (router.h rule 3): the statement's values for
 * the table's partition-key columns, as obp_part_value (strings
 * unescaped into the call's scratch area, integers with their overflow,
 * placeholders from the caller's parameters), and the leaf they give.
 */
#include "obp.h"
#include "router_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
obp_router_fold(const struct obp_sql_name *n, char *buf, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n->n; i++) {
        if (n->quote != 0 && n->s[i] == n->quote && i + 1 < n->n)
            i++;                /* the first of a doubled quote */
        if (o + 1 >= cap)
            return false;
        buf[o++] = lower(n->s[i]);
    }
    buf[o] = '\0';
    return true;
}

/* Whether the SQL's column name <n> is <col>, without ASCII case. */
static bool
name_is(const struct obp_sql_name *n, const char *col)
{
    char buf[OBP_PART_NAME_MAX];

    return n->s != NULL && obp_router_fold(n, buf, sizeof(buf))
           && strcasecmp(buf, col) == 0;
}

/* <len> bytes of the call's scratch area, or NULL when it is used up. */
static char *
scratch(struct obp_router_ctx *x, size_t len)
{
    char *p = x->scratch + x->scratch_used;

    if (len > sizeof(x->scratch) - x->scratch_used)
        return NULL;
    x->scratch_used += len;
    return p;
}

/* MySQL's backslash escapes; \% and \_ keep their backslash. */
static size_t
unescape_byte(const char *s, size_t *i, char *out)
{
    char c = s[*i + 1];

    *i += 1;
    switch (c) {
    case 'n': out[0] = '\n'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 'b': out[0] = '\b'; return 1;
    case '0': out[0] = '\0'; return 1;
    case 'Z': out[0] = '\032'; return 1;
    case '%':
    case '_':
        out[0] = '\\';
        out[1] = c;
        return 2;
    default:
        out[0] = c;
        return 1;
    }
}

/* A string literal's bytes into <v>: in place, or unescaped. */
static bool
string_value(struct obp_router_ctx *x, const struct obp_sql_name *t,
             struct obp_part_value *v)
{
    bool   bs = (x->in->sql_flags & OBP_SQL_BACKSLASH) != 0;
    char  *o;
    size_t len = 0;

    v->kind = OBP_PV_STRING;
    if (!t->escaped) {
        v->str = t->s;
        v->len = t->n;
        return true;
    }
    /* an escape never lengthens: \% is two bytes either way */
    o = scratch(x, t->n);
    if (o == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        if (bs && t->s[i] == '\\' && i + 1 < t->n)
            len += unescape_byte(t->s, &i, o + len);
        else if (t->s[i] == t->quote && i + 1 < t->n
                 && t->s[i + 1] == t->quote)
            o[len++] = t->s[i++];
        else
            o[len++] = t->s[i];
    }
    v->str = o;
    v->len = len;
    return true;
}

/* The literal's digits as a text with its sign, into <v>. */
static bool
signed_text(struct obp_router_ctx *x, const struct obp_sql_value *sv,
            struct obp_part_value *v)
{
    char *o;

    v->str = sv->text.s;
    v->len = sv->text.n;
    if (!sv->negative)
        return true;
    o = scratch(x, sv->text.n + 1);
    if (o == NULL)
        return false;
    o[0] = '-';
    memcpy(o + 1, sv->text.s, sv->text.n);
    v->str = o;
    v->len = sv->text.n + 1;
    return true;
}

/* An integer literal: INT, UINT, or past 2^64 a DECIMAL text. */
static bool
int_value(struct obp_router_ctx *x, const struct obp_sql_value *sv,
          struct obp_part_value *v)
{
    uint64_t u = 0;
    bool     over = false;

    for (size_t i = 0; i < sv->text.n; i++) {
        unsigned d = (unsigned)(sv->text.s[i] - '0');

        if (d > 9)
            return false;
        if (u > (UINT64_MAX - d) / 10)
            over = true;
        u = u * 10 + d;
    }
    if (!over && !sv->negative) {
        v->kind = u <= INT64_MAX ? OBP_PV_INT : OBP_PV_UINT;
        v->i = (int64_t)(u <= INT64_MAX ? u : 0);
        v->u = u;
        return true;
    }
    if (!over && u <= (uint64_t)INT64_MAX + 1) {
        v->kind = OBP_PV_INT;
        v->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
        return true;
    }
    v->kind = OBP_PV_DECIMAL;
    return signed_text(x, sv, v);
}

/* 1.5 or 1e3: DECIMAL or FLOAT text, with its sign. */
static bool
decimal_value(struct obp_router_ctx *x, const struct obp_sql_value *sv,
              struct obp_part_value *v)
{
    v->kind = memchr(sv->text.s, 'e', sv->text.n) != NULL
              || memchr(sv->text.s, 'E', sv->text.n) != NULL
              ? OBP_PV_FLOAT : OBP_PV_DECIMAL;
    return signed_text(x, sv, v);
}

/* A classifier value as a key value; false when it cannot be one. */
static bool
part_value(struct obp_router_ctx *x, const struct obp_sql_value *sv,
           struct obp_part_value *v)
{
    const struct obp_router_in *in = x->in;

    memset(v, 0, sizeof(*v));
    switch (sv->type) {
    case OBP_SQL_V_INT:
        return int_value(x, sv, v);
    case OBP_SQL_V_DECIMAL:
        return decimal_value(x, sv, v);
    case OBP_SQL_V_STRING:
        if (sv->charset.n == 6 && strncasecmp(sv->charset.s, "binary", 6)
                                  == 0)
            v->collation = OBP_COLL_BINARY;
        return string_value(x, &sv->text, v);
    case OBP_SQL_V_NULL:
        v->kind = OBP_PV_NULL;
        return true;
    case OBP_SQL_V_BOOL:
        v->kind = OBP_PV_INT;
        v->i = sv->text.n == 4;     /* TRUE, not FALSE */
        v->u = (uint64_t)v->i;
        return true;
    case OBP_SQL_V_PARAM:
        if (in->params == NULL || sv->param >= in->nparams)
            return false;
        *v = in->params[sv->param];
        return v->kind != OBP_PV_UNKNOWN;
    default:
        return false;           /* hex, bit: their meaning depends on
                                   the column; expressions */
    }
}

/* The table's key columns, level 1 then 2; false past the classifier's. */
static bool
key_columns(const struct obp_part_desc *d, const struct obp_part_col **cols,
            unsigned *n1, unsigned *n)
{
    const struct obp_part_col *c1, *c2;
    unsigned                   k2 = d->levels == 2 ? d->level[1].ncols : 0;

    *n1 = d->level[0].ncols;
    *n = *n1 + k2;
    if (*n > OBP_SQL_KEYS_MAX)
        return false;
    c1 = OBP_PART_AT(d, d->level[0].cols_off, struct obp_part_col);
    c2 = OBP_PART_AT(d, d->level[1].cols_off, struct obp_part_col);
    for (unsigned i = 0; i < *n1; i++)
        cols[i] = &c1[i];
    for (unsigned i = 0; i < k2; i++)
        cols[*n1 + i] = &c2[i];
    return true;
}

/* map[k]: the classifier's column of key column k; false if one lacks. */
static bool
map_columns(const struct obp_sql_class *c,
            const struct obp_part_col *const *cols, unsigned n,
            unsigned *map)
{
    for (unsigned k = 0; k < n; k++) {
        unsigned i;

        for (i = 0; i < c->ncolumns && !name_is(&c->columns[i].name,
                                                  cols[k]->name); i++)
            ;
        if (i == c->ncolumns)
            return false;
        map[k] = i;
    }
    return true;
}

/*
 * How many alternatives the values give: INSERT rows (every key column
 * one value per row), or the values of the one key column with several
 * (an IN list); *multi is that column, or -1.  0: not usable.
 */
static unsigned
alternatives(const struct obp_sql_class *c, const unsigned *map,
             unsigned n, int *multi)
{
    bool     rows = c->kind == OBP_SQL_INSERT || c->kind == OBP_SQL_REPLACE;
    unsigned nalt = 1;

    *multi = -1;
    for (unsigned k = 0; k < n; k++) {
        const struct obp_sql_column *col = &c->columns[map[k]];

        if (col->state != OBP_SQL_COL_VALUES || col->capped
            || col->nvalues == 0)
            return 0;
        if (rows) {
            if (k > 0 && col->nvalues != nalt)
                return 0;
            nalt = col->nvalues;
        } else if (col->nvalues > 1) {
            if (*multi >= 0)
                return 0;       /* a cross product: not followed */
            *multi = (int)k;
            nalt = col->nvalues;
        }
    }
    return nalt;
}

/* <len> bytes of <s> as a shown text of <out> (cut to fit). */
static void
shown(char out[OBP_ROUTER_KEY_TEXT], const char *s, size_t len)
{
    size_t n = len < OBP_ROUTER_KEY_TEXT - 1 ? len : OBP_ROUTER_KEY_TEXT - 1;

    if (n > 0)
        memcpy(out, s, n);
    out[n] = '\0';
}

/* Key <k> for the diagnosis: the literal <sv> (NULL: <tok>) and <v>. */
static void
note_key(struct obp_router_ctx *x, unsigned k, const struct obp_sql_value *sv,
         const struct obp_sql_name *tok, const struct obp_part_value *v)
{
    struct obp_router_key *o = &x->out->key.keys[k];

    if (k >= OBP_ROUTER_KEYS_SHOWN)
        return;
    o->given = 1;
    o->kind = (uint8_t)v->kind;
    o->token_type = (uint8_t)(sv != NULL ? sv->type : OBP_SQL_V_STRING);
    if (sv != NULL && sv->type == OBP_SQL_V_PARAM)
        shown(o->token, "?", 1);
    else if (sv != NULL && sv->negative)
        snprintf(o->token, sizeof(o->token), "-%.*s",
                 (int)(sv->text.n < OBP_ROUTER_KEY_TEXT ? sv->text.n
                       : OBP_ROUTER_KEY_TEXT), sv->text.s);
    else if (sv != NULL)
        shown(o->token, sv->text.s, sv->text.n);
    else
        shown(o->token, tok->s, tok->n);
    if (v->kind == OBP_PV_INT)
        snprintf(o->value, sizeof(o->value), "%" PRId64, v->i);
    else if (v->kind == OBP_PV_UINT)
        snprintf(o->value, sizeof(o->value), "%" PRIu64, v->u);
    else if (v->kind != OBP_PV_NULL && v->str != NULL)
        shown(o->value, v->str, v->len);
}

/* The table's partitioning and key columns, for the diagnosis. */
static void
note_table(struct obp_router_ctx *x, const struct obp_part_desc *d,
           const struct obp_part_col *const *cols, unsigned n1, unsigned n)
{
    struct obp_router_keys *o = &x->out->key;

    o->levels = (uint8_t)d->levels;
    o->type[0] = d->level[0].type;
    o->type[1] = d->levels == 2 ? d->level[1].type : 0;
    o->count = d->level[0].count;
    o->n = n < OBP_ROUTER_KEYS_SHOWN ? n : OBP_ROUTER_KEYS_SHOWN;
    for (unsigned k = 0; k < o->n; k++) {
        obp_strlcpy(o->keys[k].column, cols[k]->name,
                    sizeof(o->keys[k].column));
        o->keys[k].level = k < n1 ? 1 : 2;
    }
}

/* The leaf of alternative <a>, or -1. */
static int32_t
leaf_of(struct obp_router_ctx *x, const struct obp_part_desc *d,
        const unsigned *map, unsigned n, unsigned n1, unsigned a, int multi)
{
    const struct obp_sql_class *c = &x->c;
    bool                        rows = c->kind == OBP_SQL_INSERT
                                       || c->kind == OBP_SQL_REPLACE;
    struct obp_part_value       kv[OBP_SQL_KEYS_MAX];
    struct obp_part_result      res;

    x->scratch_used = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned                    vi = rows || (int)k == multi ? a : 0;
        const struct obp_sql_value *sv = &c->columns[map[k]].values[vi];

        if (!part_value(x, sv, &kv[k]))
            return -1;
        if (a == 0)
            note_key(x, k, sv, NULL, &kv[k]);
    }
    if (obp_part_calc(d, kv, n1, n > n1 ? kv + n1 : NULL, n - n1, &res)
        == OBP_PART_NO_KEY)
        return -1;
    if (a == 0) {
        x->out->key.part_idx = res.part_idx;
        x->out->key.sub_idx = res.sub_idx;
    }
    return obp_route_leaf_index(d, &res);
}

/* ODP's simple route info, table=t part_key=v: v as the one key. */
static int32_t
simple_leaf(struct obp_router_ctx *x, const struct obp_part_desc *d)
{
    const struct obp_sql_name *k = &x->c.route_part_key;
    struct obp_part_value      v;
    struct obp_part_result     res;

    if (d->levels != 1 || d->level[0].ncols != 1)
        return -1;
    memset(&v, 0, sizeof(v));
    v.kind = OBP_PV_STRING;     /* cast to the column's type (6.1) */
    v.str = k->s;
    v.len = k->n;
    note_key(x, 0, NULL, k, &v);
    if (obp_part_calc(d, &v, 1, NULL, 0, &res) == OBP_PART_NO_KEY)
        return -1;
    x->out->key.part_idx = res.part_idx;
    x->out->key.sub_idx = res.sub_idx;
    return obp_route_leaf_index(d, &res);
}

int32_t
obp_router_leaf(struct obp_router_ctx *x)
{
    const struct obp_part_desc *d = obp_route_part(x->e);
    const struct obp_part_col  *cols[OBP_SQL_KEYS_MAX];
    struct obp_sql_name         keys[OBP_SQL_KEYS_MAX];
    unsigned                    map[OBP_SQL_KEYS_MAX], n1, n, nalt;
    int32_t                     leaf = -1, l;
    int                         multi;

    if (d == NULL)
        return 0;
    if (!key_columns(d, cols, &n1, &n))
        return -1;
    note_table(x, d, cols, n1, n);
    if (x->c.route_table.n > 0 && x->c.route_part_key.n > 0)
        return simple_leaf(x, d);
    if (!map_columns(&x->c, cols, n, map)) {
        /* absent, or beyond the columns a first pass follows */
        if (x->c.ncolumns < OBP_SQL_KEYS_MAX)
            return -1;
        for (unsigned k = 0; k < n; k++) {
            keys[k] = (struct obp_sql_name){ cols[k]->name,
                                             strlen(cols[k]->name), 0,
                                             false };
            map[k] = k;
        }
        obp_sql_classify(&x->c, x->in->sql, x->in->sql_len,
                         x->in->sql_flags, keys, n);
    }
    nalt = alternatives(&x->c, map, n, &multi);
    for (unsigned a = 0; a < nalt; a++) {
        l = leaf_of(x, d, map, n, n1, a, multi);
        if (l < 0 || (a > 0 && l != leaf))
            return -1;
        leaf = l;
    }
    return leaf;
}
