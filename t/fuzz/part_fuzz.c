/*
 * libFuzzer target for partitions (shared/part.h): partitioning blobs
 * built from text declarations (part_build.c, bound literals read by
 * part_lit.c, bounds cast and ordered by part_cast.c and part_bound.c,
 * laid out by part_blob.c), then partitions computed for values
 * (part_calc.c, part_hash.c), as a table of the configuration is built
 * and the router computes a statement's partition.
 *
 * The input is lines of fields split by '|' (the last field takes the
 * rest of the line), run in order:
 *
 *   level|L|TYPE                   obp_part_level (L: 1 or 2)
 *   column|L|NAME|TYPE|COLLATION   obp_part_column (COLLATION may be "")
 *   count|L|N                      obp_part_count
 *   part|NAME|ID|BOUND             obp_part_add (ID -1: its index)
 *   sub|NAME|ID|BOUND              obp_part_add_sub
 *   template|NAME|BOUND            obp_part_add_sub_template
 *   finish                         obp_part_finish: the blob
 *   key|L|KIND|TEXT|COLLATION      a value of level L: int, uint, dec,
 *                                  float, str, time, null or unknown
 *   calc                           obp_part_calc with the values so far,
 *                                  which are then forgotten
 *   name|NAME                      obp_part_find_name
 *   lits|TEXT                      obp_part_lits_parse alone
 *
 * Checked: a builder that refused a declaration says why; a blob is
 * consistent (magic, size, levels, counts); a computed partition and
 * subpartition exist and carry their ids, the leaf they make is one of
 * the blob's, a second calculation agrees; names found are the
 * partitions'; literals lie in their groups.  Seeds
 * (t/fuzz/corpus/part) are the tables of etc/cluster.yaml and of
 * t/unit/part.c with values of the statements captured for the other
 * targets.
 */
#include "obp.h"

#include <string.h>

#include "fuzz.h"
#include "part_lit.h"

#define FIELDS_MAX 5
#define KEYS_MAX   OBP_PART_MAX_COLS

struct keys {
    struct obp_part_value v[2][KEYS_MAX];
    size_t                n[2];
    char                 *text[2][KEYS_MAX];    /* owned by the values */
};

struct run {
    struct obp_part_builder *b;
    struct obp_part_desc    *desc;      /* once finished */
    struct keys              keys;
    char                     err[256];
};

/* Splits <line> in place at '|' into at most <max> fields. */
static size_t
split(char *line, char **field, size_t max)
{
    size_t n = 0;

    field[n++] = line;
    while (n < max && (line = strchr(line, '|')) != NULL) {
        *line++ = '\0';
        field[n++] = line;
    }
    return n;
}

static int
level_of(const char *s)
{
    return s[0] == '2' ? 2 : 1;
}

static void
forget_keys(struct keys *k)
{
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < k->n[l]; i++)
            free(k->text[l][i]);
        k->n[l] = 0;
    }
}

static const struct {
    const char         *name;
    enum obp_part_vkind kind;
} kinds[] = {
    { "unknown", OBP_PV_UNKNOWN }, { "null", OBP_PV_NULL },
    { "int", OBP_PV_INT }, { "uint", OBP_PV_UINT },
    { "dec", OBP_PV_DECIMAL }, { "float", OBP_PV_FLOAT },
    { "str", OBP_PV_STRING }, { "time", OBP_PV_DATETIME }
};

/* key|L|KIND|TEXT|COLLATION */
static void
add_key(struct keys *k, char **f, size_t nf)
{
    int                    l = nf > 1 ? level_of(f[1]) - 1 : 0;
    struct obp_part_value *v;

    if (nf < 4 || k->n[l] == KEYS_MAX)
        return;
    v = &k->v[l][k->n[l]];
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < OBP_NELEMS(kinds); i++) {
        if (strcmp(f[2], kinds[i].name) == 0)
            v->kind = kinds[i].kind;
    }
    k->text[l][k->n[l]] = fuzz_strndup(f[3], strlen(f[3]));
    v->str = k->text[l][k->n[l]];
    v->len = strlen(f[3]);
    v->i = strtoll(f[3], NULL, 10);
    v->u = strtoull(f[3], NULL, 10);
    v->collation = nf > 4 ? (uint16_t)atoi(f[4]) : 0;
    k->n[l]++;
}

static const struct obp_part_entry *
entries(const struct obp_part_desc *d)
{
    return OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
}

static void
check_blob(const struct obp_part_desc *d)
{
    FUZZ_CHECK(d->magic == OBP_PART_MAGIC);
    FUZZ_CHECK(d->levels == 1 || d->levels == 2);
    FUZZ_CHECK(d->parts_off + (uint64_t)d->level[0].count
               * sizeof(struct obp_part_entry) <= d->size);
    FUZZ_CHECK(d->level[0].ncols <= OBP_PART_MAX_COLS
               && d->level[1].ncols <= OBP_PART_MAX_COLS);
}

/* A computed partition exists, carries its id, and makes a leaf. */
static void
check_result(const struct obp_part_desc *d, enum obp_part_rc rc,
             const struct obp_part_result *r)
{
    const struct obp_part_entry *p, *sub;
    int32_t                      leaf;

    FUZZ_CHECK(rc == OBP_PART_COMPUTED || rc == OBP_PART_NO_KEY
               || rc == OBP_PART_NO_FIT);
    if (rc == OBP_PART_NO_FIT)
        FUZZ_CHECK(r->part_idx == 0 || r->part_idx == -1);
    if (rc != OBP_PART_COMPUTED)
        return;
    FUZZ_CHECK(r->part_idx >= 0
               && (uint32_t)r->part_idx < d->level[0].count);
    p = &entries(d)[r->part_idx];
    FUZZ_CHECK(r->part_id == p->id);
    if (d->levels == 1) {
        FUZZ_CHECK(r->sub_idx == -1 && r->sub_id == -1);
    } else {
        FUZZ_CHECK(r->sub_idx >= 0 && (uint32_t)r->sub_idx < p->nsub);
        sub = OBP_PART_AT(d, p->sub_off, struct obp_part_entry);
        FUZZ_CHECK(r->sub_id == sub[r->sub_idx].id);
    }
    leaf = obp_route_leaf_index(d, r);
    FUZZ_CHECK(leaf >= 0 && (uint32_t)leaf < obp_route_leaf_count(d));
}

static void
calc(struct run *run)
{
    struct keys           *k = &run->keys;
    struct obp_part_result r, again;
    enum obp_part_rc       rc;

    if (run->desc != NULL) {
        rc = obp_part_calc(run->desc, k->v[0], k->n[0],
                           run->desc->levels == 2 ? k->v[1] : NULL,
                           run->desc->levels == 2 ? k->n[1] : 0, &r);
        check_result(run->desc, rc, &r);
        FUZZ_CHECK(obp_part_calc(run->desc, k->v[0], k->n[0],
                                 run->desc->levels == 2 ? k->v[1] : NULL,
                                 run->desc->levels == 2 ? k->n[1] : 0,
                                 &again) == rc);
        FUZZ_CHECK(rc != OBP_PART_COMPUTED
                   || memcmp(&r, &again, sizeof(r)) == 0);
    }
    forget_keys(k);
}

static void
find_name(const struct run *run, const char *name)
{
    const struct obp_part_entry *p;
    int                          i;

    if (run->desc == NULL)
        return;
    i = obp_part_find_name(run->desc, name);
    FUZZ_CHECK(i >= -1 && i < (int)run->desc->level[0].count);
    if (i >= 0) {
        p = &entries(run->desc)[i];
        /* names compare without case, as MySQL's */
        FUZZ_CHECK(obp_strcasecmp(OBP_PART_AT(run->desc, p->name_off,
                                              char), name) == 0);
    }
}

static void
lits(const char *text)
{
    struct obp_part_lits l;
    char                 err[128] = "";

    if (obp_part_lits_parse(text, &l, err, sizeof(err)) == OBP_OK) {
        for (size_t i = 0; i < l.n; i++)
            FUZZ_CHECK(l.lit[i].group >= -1
                       && (l.lit[i].group < 0
                           || (size_t)l.lit[i].group < l.ngroups));
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    obp_part_lits_free(&l);
}

/* A declaration line; false once the builder refused one. */
static bool
declare(struct run *run, char **f, size_t nf)
{
    struct obp_part_builder *b = run->b;
    int                      rc = OBP_OK;

    run->err[0] = '\0';
    if (strcmp(f[0], "level") == 0 && nf == 3)
        rc = obp_part_level(b, level_of(f[1]), f[2], run->err,
                            sizeof(run->err));
    else if (strcmp(f[0], "column") == 0 && nf == 5)
        rc = obp_part_column(b, level_of(f[1]), f[2], f[3],
                             f[4][0] != '\0' ? f[4] : NULL, run->err,
                             sizeof(run->err));
    else if (strcmp(f[0], "count") == 0 && nf == 3)
        rc = obp_part_count(b, level_of(f[1]), strtol(f[2], NULL, 10),
                            run->err, sizeof(run->err));
    else if (strcmp(f[0], "part") == 0 && nf == 4)
        rc = obp_part_add(b, f[1], strtoll(f[2], NULL, 10), f[3], run->err,
                          sizeof(run->err));
    else if (strcmp(f[0], "sub") == 0 && nf == 4)
        rc = obp_part_add_sub(b, f[1], strtoll(f[2], NULL, 10), f[3],
                              run->err, sizeof(run->err));
    else if (strcmp(f[0], "template") == 0 && nf == 3)
        rc = obp_part_add_sub_template(b, f[1], f[2], run->err,
                                       sizeof(run->err));
    else if (strcmp(f[0], "finish") == 0 && run->desc == NULL) {
        rc = obp_part_finish(b, &run->desc, run->err, sizeof(run->err));
        if (rc == OBP_OK)
            check_blob(run->desc);
    }
    FUZZ_CHECK(rc == OBP_OK || run->err[0] != '\0');
    return rc == OBP_OK;
}

static void
line(struct run *run, char *text)
{
    char  *f[FIELDS_MAX];
    size_t nf;

    if (strncmp(text, "lits|", 5) == 0) {
        lits(text + 5);
        return;
    }
    nf = split(text, f, FIELDS_MAX);
    if (strcmp(f[0], "key") == 0)
        add_key(&run->keys, f, nf);
    else if (strcmp(f[0], "calc") == 0)
        calc(run);
    else if (strcmp(f[0], "name") == 0 && nf == 2)
        find_name(run, f[1]);
    else if (run->b != NULL && run->desc == NULL && !declare(run, f, nf)) {
        /* after an error the builder may only be freed */
        obp_part_builder_free(run->b);
        run->b = NULL;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char      *text = fuzz_strndup(data, size), *p, *nl;
    struct run run;

    memset(&run, 0, sizeof(run));
    run.b = obp_part_builder_new();
    FUZZ_CHECK(run.b != NULL);
    for (p = text; p != NULL; p = nl) {
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        line(&run, p);
    }
    forget_keys(&run.keys);
    obp_part_builder_free(run.b);
    free(run.desc);
    free(text);
    return 0;
}
