/*
 * The builder's partitions: their bounds read and cast to the key
 * columns, then the checks on the whole (RANGE bounds increasing, LIST
 * values unique, one DEFAULT, subpartitions everywhere) before the blob
 * is laid out.
 */
#include "obp.h"
#include "part_build.h"
#include "part_cast.h"
#include "part_hash.h"
#include "part_lit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)   obp_part_fail(b, err, errlen, __VA_ARGS__)
#define MAX_PARTS   OBP_PART_MAX_PARTS

static int
is_hash(int type)
{
    return type == OBP_PART_HASH || type == OBP_PART_KEY
           || type == OBP_PART_KEY_IMPLICIT;
}

static int
is_range(int type)
{
    return type == OBP_PART_RANGE || type == OBP_PART_RANGE_COLUMNS;
}

static char *
dup_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* How many tuples of ncols the literals make, or OBP_ERROR. */
static int
tuple_count(const struct obp_part_lits *l, int type, size_t ncols,
            size_t *ntuples)
{
    size_t i, per = 0;

    if (is_range(type) || l->ngroups == 0 || ncols == 1) {
        *ntuples = ncols == 1 && !is_range(type) ? l->n : 1;
        if (is_range(type) && l->ngroups > 1)
            return OBP_ERROR;
        return l->n == *ntuples * ncols ? OBP_OK : OBP_ERROR;
    }
    for (i = 0; i < l->n; i++) {
        if (l->lit[i].group < 0)
            return OBP_ERROR;
        per += l->lit[i].group == l->lit[0].group;
    }
    *ntuples = l->ngroups;
    return per == ncols && l->n == l->ngroups * ncols ? OBP_OK : OBP_ERROR;
}

static int
cast_lit(struct obp_part_builder *b, const struct obp_part_col *col,
         int type, const char *pname, const struct obp_part_lit *lit,
         struct obp_part_bval *v, char *err, size_t errlen)
{
    struct obp_part_key k;

    if (lit->kind == OBP_LIT_DEFAULT)
        return FAIL("partition %s: DEFAULT must stand alone", pname);
    if (lit->kind == OBP_LIT_MAXVALUE) {
        if (!is_range(type))
            return FAIL("partition %s: MAXVALUE outside a RANGE", pname);
        v->kind = OBP_PCELL_MAX;
        return OBP_OK;
    }
    if (lit->v.kind == OBP_PV_NULL && is_range(type))
        return FAIL("partition %s: NULL in a RANGE bound", pname);
    if (obp_part_cast(col, &lit->v, &k) != OBP_OK)
        return FAIL("partition %s: %s%s%s does not parse as %s", pname,
                    lit->v.kind == OBP_PV_STRING ? "'" : "", lit->owned,
                    lit->v.kind == OBP_PV_STRING ? "'" : "",
                    obp_part_type_name(col->type));
    v->kind = k.kind;
    v->i = k.i;
    v->u = k.u;
    if (k.kind == OBP_PCELL_STR) {
        v->s = dup_bytes(k.s, k.len);
        v->len = k.len;
        if (v->s == NULL)
            return FAIL("out of memory");
    }
    return OBP_OK;
}

static int
read_bound(struct obp_part_builder *b, const struct obp_part_blevel *lv,
           struct obp_part_bpart *p, const char *bound, char *err,
           size_t errlen)
{
    struct obp_part_lits lits;
    size_t i, n, nt;
    int rc = OBP_ERROR;

    if (obp_part_lits_parse(bound, &lits, err, errlen) != OBP_OK) {
        char why[160];

        obp_strlcpy(why, err, sizeof(why));
        obp_part_lits_free(&lits);
        return FAIL("partition %s: %s", p->name, why);
    }
    if (lits.n == 1 && lits.lit[0].kind == OBP_LIT_DEFAULT) {
        p->is_default = 1;
        if (!(lv->type == OBP_PART_LIST || lv->type == OBP_PART_LIST_COLUMNS))
            FAIL("partition %s: DEFAULT outside a LIST", p->name);
        else
            rc = OBP_OK;
    } else if (tuple_count(&lits, lv->type, lv->ncols, &nt) != OBP_OK) {
        FAIL("partition %s: %zu values do not make tuples of %zu "
             "columns", p->name, lits.n, lv->ncols);
    } else if ((p->vals = calloc(lits.n, sizeof(*p->vals))) == NULL) {
        FAIL("out of memory");
    } else {
        /* Counted only once allocated: the free walks ntuples. */
        p->ntuples = nt;
        n = lits.n;
        for (i = 0, rc = OBP_OK; i < n && rc == OBP_OK; i++)
            rc = cast_lit(b, &lv->cols[i % lv->ncols], lv->type, p->name,
                          &lits.lit[i], &p->vals[i], err, errlen);
    }
    obp_part_lits_free(&lits);
    return rc;
}

/* Entries a list of <n> has room for: the lists grow by doubling. */
static size_t
list_room(size_t n)
{
    size_t room = 1;

    while (room < n)
        room *= 2;
    return room;
}

/*
 * Adds partition <name> to <list>, whose first <known> entries may have
 * the same name: a count's own names never clash, and comparing each
 * with all before it made 65536 of them take half a minute.
 */
static int
add_to(struct obp_part_builder *b, int level, struct obp_part_bpart **list,
       size_t *n, size_t known, const char *name, int64_t id,
       const char *bound, char *err, size_t errlen)
{
    const struct obp_part_blevel *lv = &b->lv[level - 1];
    struct obp_part_bpart *grown, *p;
    int has_bound = bound != NULL && bound[0] != '\0';
    size_t i;

    if (b->failed)
        return FAIL("an earlier declaration failed");
    if (!lv->declared || lv->ncols == 0)
        return FAIL("partition %s before level %d's columns", name, level);
    if (*n >= MAX_PARTS)
        return FAIL("more than %d partitions", MAX_PARTS);
    for (i = 0; i < known; i++) {
        if (obp_strcasecmp((*list)[i].name, name) == 0)
            return FAIL("partition %s declared twice", name);
    }
    if (is_hash(lv->type) == has_bound)
        return FAIL(has_bound ? "partition %s: HASH and KEY partitions "
                    "take no bound" : "partition %s needs a bound", name);
    if (*n == 0 || *n == list_room(*n)) {
        grown = realloc(*list, list_room(*n + 1) * sizeof(*grown));
        if (grown == NULL)
            return FAIL("out of memory");
        *list = grown;
    }
    p = &(*list)[(*n)++];
    memset(p, 0, sizeof(*p));
    p->id = id < 0 ? (int64_t)(*n - 1) : id;
    p->name = strdup(name);
    p->bound = strdup(has_bound ? bound : "");
    if (p->name == NULL || p->bound == NULL)
        return FAIL("out of memory");
    return has_bound ? read_bound(b, lv, p, bound, err, errlen) : OBP_OK;
}

int
obp_part_add(struct obp_part_builder *b, const char *name, int64_t id,
             const char *bound, char *err, size_t errlen)
{
    return add_to(b, 1, &b->parts, &b->nparts, b->nparts, name, id, bound,
                  err, errlen);
}

int
obp_part_add_sub(struct obp_part_builder *b, const char *name, int64_t id,
                 const char *bound, char *err, size_t errlen)
{
    struct obp_part_bpart *p;

    if (b->nparts == 0)
        return FAIL("subpartition %s before any partition", name);
    p = &b->parts[b->nparts - 1];
    return add_to(b, 2, &p->subs, &p->nsub, p->nsub, name, id, bound, err,
                  errlen);
}

int
obp_part_add_sub_template(struct obp_part_builder *b, const char *name,
                          const char *bound, char *err, size_t errlen)
{
    return add_to(b, 2, &b->tmpl, &b->ntmpl, b->ntmpl, name, -1, bound,
                  err, errlen);
}

int
obp_part_count(struct obp_part_builder *b, int level, long n, char *err,
               size_t errlen)
{
    size_t known = level == 1 ? b->nparts : b->ntmpl;
    char   name[32];
    long   i;

    if (level != 1 && level != 2)
        return FAIL("partition level %d is not 1 or 2", level);
    if (!b->lv[level - 1].declared || !is_hash(b->lv[level - 1].type))
        return FAIL("a partition count needs HASH or KEY partitioning");
    if (n <= 0 || n > MAX_PARTS)
        return FAIL("partition count %ld is not in 1..%d", n, MAX_PARTS);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s%ld", level == 1 ? "p" : "sp", i);
        if ((level == 1 ? add_to(b, 1, &b->parts, &b->nparts, known, name,
                                 i, NULL, err, errlen)
             : add_to(b, 2, &b->tmpl, &b->ntmpl, known, name, -1, NULL,
                      err, errlen))
            != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

static int
bval_cmp(const struct obp_part_col *col, const struct obp_part_bval *x,
         const struct obp_part_bval *y, int *out)
{
    if (x->kind == OBP_PCELL_MAX || y->kind == OBP_PCELL_MAX
        || x->kind == OBP_PCELL_NULL || y->kind == OBP_PCELL_NULL) {
        *out = x->kind == y->kind ? 0
               : x->kind == OBP_PCELL_MAX || y->kind == OBP_PCELL_NULL
               ? 1 : -1;
        return OBP_OK;
    }
    if (x->kind == OBP_PCELL_STR)
        return obp_part_str_cmp(col->collation, x->s, x->len, y->s, y->len,
                                out);
    if (x->kind == OBP_PCELL_UINT)
        *out = x->u < y->u ? -1 : x->u > y->u;
    else
        *out = x->i < y->i ? -1 : x->i > y->i;
    return OBP_OK;
}

static int
tuple_cmp(const struct obp_part_blevel *lv, const struct obp_part_bval *x,
          const struct obp_part_bval *y, int *out)
{
    size_t i;

    *out = 0;
    for (i = 0; i < lv->ncols && *out == 0; i++) {
        if (bval_cmp(&lv->cols[i], &x[i], &y[i], out) != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

static int
all_max(const struct obp_part_blevel *lv, const struct obp_part_bval *v)
{
    size_t i;

    for (i = 0; i < lv->ncols; i++) {
        if (v[i].kind != OBP_PCELL_MAX)
            return 0;
    }
    return 1;
}

static int
check_range(struct obp_part_builder *b, const struct obp_part_blevel *lv,
            const struct obp_part_bpart *list, size_t n, char *err,
            size_t errlen)
{
    size_t i;
    int c;

    for (i = 1; i < n; i++) {
        if (all_max(lv, list[i - 1].vals))
            return FAIL("partition %s: MAXVALUE partition %s is not the "
                        "last", list[i].name, list[i - 1].name);
        if (tuple_cmp(lv, list[i - 1].vals, list[i].vals, &c) != OBP_OK)
            return FAIL("partition %s: its bound cannot be ordered under "
                        "the column's collation", list[i].name);
        if (c >= 0)
            return FAIL("partition %s: bound (%s) is not above (%s) of "
                        "partition %s: RANGE bounds must be strictly "
                        "increasing", list[i].name, list[i].bound,
                        list[i - 1].bound, list[i - 1].name);
    }
    return OBP_OK;
}

/* Is tuple t of p equal to any tuple declared before it? */
static const struct obp_part_bpart *
list_dup(const struct obp_part_blevel *lv, const struct obp_part_bpart *list,
         size_t pi, size_t t, int *bad)
{
    const struct obp_part_bval *v = list[pi].vals + t * lv->ncols;
    size_t i, u, nt;
    int c;

    for (i = 0; i <= pi; i++) {
        nt = i == pi ? t : list[i].ntuples;
        for (u = 0; u < nt; u++) {
            if (tuple_cmp(lv, list[i].vals + u * lv->ncols, v, &c)
                != OBP_OK)
                *bad = 1;
            if (c == 0 || *bad)
                return &list[i];
        }
    }
    return NULL;
}

static int
check_list(struct obp_part_builder *b, const struct obp_part_blevel *lv,
           const struct obp_part_bpart *list, size_t n, char *err,
           size_t errlen)
{
    const struct obp_part_bpart *other, *dflt = NULL;
    size_t i, t;
    int bad = 0;

    for (i = 0; i < n; i++) {
        if (list[i].is_default && dflt != NULL)
            return FAIL("partition %s: a second DEFAULT partition (the "
                        "first is %s)", list[i].name, dflt->name);
        if (list[i].is_default)
            dflt = &list[i];
        for (t = 0; t < list[i].ntuples; t++) {
            other = list_dup(lv, list, i, t, &bad);
            if (bad)
                return FAIL("partition %s: its values cannot be compared "
                            "under the column's collation", list[i].name);
            if (other != NULL)
                return FAIL("partition %s: value %zu of (%s) is also in "
                            "partition %s", list[i].name, t + 1,
                            list[i].bound, other->name);
        }
    }
    return OBP_OK;
}

static int
check_parts(struct obp_part_builder *b, const struct obp_part_blevel *lv,
            const struct obp_part_bpart *list, size_t n, char *err,
            size_t errlen)
{
    if (is_range(lv->type))
        return check_range(b, lv, list, n, err, errlen);
    if (!is_hash(lv->type))
        return check_list(b, lv, list, n, err, errlen);
    return OBP_OK;
}

/* Gives partition p its own copy of the template, names prefixed. */
static int
apply_template(const struct obp_part_builder *b, struct obp_part_bpart *p)
{
    const struct obp_part_bpart *t;
    struct obp_part_bpart *s;
    size_t i, j, nv;

    p->subs = calloc(list_room(b->ntmpl), sizeof(*p->subs));
    if (p->subs == NULL)
        return OBP_ERROR;
    p->nsub = b->ntmpl;
    for (i = 0; i < b->ntmpl; i++) {
        t = &b->tmpl[i];
        s = &p->subs[i];
        *s = *t;
        nv = t->ntuples * b->lv[1].ncols;
        s->name = malloc(strlen(p->name) + strlen(t->name) + 1);
        s->bound = strdup(t->bound);
        s->vals = nv > 0 ? calloc(nv, sizeof(*s->vals)) : NULL;
        if (s->name == NULL || s->bound == NULL || (nv > 0 && !s->vals))
            return OBP_ERROR;
        sprintf(s->name, "%s%s", p->name, t->name);
        for (j = 0; j < nv; j++) {
            s->vals[j] = t->vals[j];
            if (t->vals[j].s != NULL
                && (s->vals[j].s = dup_bytes(t->vals[j].s, t->vals[j].len))
                   == NULL)
                return OBP_ERROR;
        }
    }
    return OBP_OK;
}

static int
check_subs(struct obp_part_builder *b, char *err, size_t errlen)
{
    struct obp_part_bpart *p;
    size_t i;

    for (i = 0; i < b->nparts; i++) {
        p = &b->parts[i];
        if (!b->lv[1].declared) {
            if (p->nsub > 0 || b->ntmpl > 0)
                return FAIL("subpartitions without subpartitioning");
            continue;
        }
        if (p->nsub == 0 && b->ntmpl == 0)
            return FAIL("partition %s has no subpartitions", p->name);
        if (p->nsub == 0 && apply_template(b, p) != OBP_OK)
            return FAIL("out of memory");
        if (check_parts(b, &b->lv[1], p->subs, p->nsub, err, errlen)
            != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_part_finish(struct obp_part_builder *b, struct obp_part_desc **desc,
                char *err, size_t errlen)
{
    *desc = NULL;
    if (b->failed)
        return FAIL("an earlier declaration failed");
    if (!b->lv[0].declared)
        return FAIL("no partitioning declared");
    if (b->lv[0].ncols == 0 || (b->lv[1].declared && b->lv[1].ncols == 0))
        return FAIL("level %d has no key column", b->lv[0].ncols ? 2 : 1);
    if (b->nparts == 0)
        return FAIL("no partitions");
    if (check_parts(b, &b->lv[0], b->parts, b->nparts, err, errlen) != OBP_OK
        || check_subs(b, err, errlen) != OBP_OK)
        return OBP_ERROR;
    *desc = obp_part_blob(b);
    if (*desc == NULL)
        return FAIL("out of memory (or a description over 4 GiB)");
    return OBP_OK;
}
