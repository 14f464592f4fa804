/*
 * The partitioning a table job read (obmeta.h): the partition info's
 * levels and key columns, the partitions' names and bounds (decoded by
 * obmeta_bound.c), given to the partition builder (shared/part.h) in the
 * order of the leaves, so that the description is built, checked and
 * routed as a declared table's is.
 */
#include "monitor.h"
#include "obmeta_bound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TEXT_MAX    (64u << 20)     /* bytes of one job's names, bounds */

static bool
part_is_hash(int type)
{
    return type == OBP_PART_HASH || type == OBP_PART_KEY;
}

static bool
part_is_list(int type)
{
    return type == OBP_PART_LIST || type == OBP_PART_LIST_COLUMNS;
}

/* <len> bytes at <s> into the job's text pool: their offset, 0 if none. */
static uint32_t
part_text_add(struct obp_obmeta *om, const char *s, size_t len)
{
    uint32_t off;

    if (om->ntext == 0)
        om->ntext = 1;              /* offset 0: the empty text */
    if (len >= TEXT_MAX - om->ntext)
        return 0;
    if (om->ntext + len + 1 > om->captext) {
        uint32_t cap = om->captext > 0 ? om->captext : 256;
        char    *grown;

        while (cap < om->ntext + len + 1)
            cap *= 2;
        if ((grown = realloc(om->text, cap)) == NULL)
            return 0;
        om->text = grown;
        om->captext = cap;
    }
    om->text[0] = '\0';
    off = om->ntext;
    memcpy(om->text + off, s, len);
    om->text[off + len] = '\0';
    om->ntext += (uint32_t)len + 1;
    return off;
}

static const char *
part_text(const struct obp_obmeta *om, uint32_t off)
{
    return off > 0 && off < om->ntext ? om->text + off : "";
}

void
obp_obmeta_part_texts(struct obp_obmeta *om, struct obp_obmeta_leaf *l,
                      int level, const uint8_t *name, size_t nlen,
                      const uint8_t *bin, size_t blen)
{
    int    type = level == 1 ? om->pinfo.type : om->pinfo.sub_type;
    char   why[120] = "out of memory";
    char  *text;
    size_t cap = 8 * blen + 64;

    if (name != NULL)
        l->name_off = part_text_add(om, (const char *)name, nlen);
    if (part_is_hash(type))
        return;
    if (bin == NULL) {
        snprintf(why, sizeof(why), "no high_bound_val_bin");
    } else if ((text = malloc(cap)) != NULL) {
        if (obp_obmeta_bound_text(part_is_list(type), bin, blen, text, cap,
                                  why, sizeof(why)) == OBP_OK
            && (l->bound_off = part_text_add(om, text, strlen(text))) > 0)
            why[0] = '\0';
        free(text);
    }
    if (why[0] != '\0' && om->bound_err[0] == '\0')
        snprintf(om->bound_err, sizeof(om->bound_err), "partition %s: %s",
                 part_text(om, l->name_off), why);
}

/*
 * Whether partition expression <expr> is the bare key columns, "c1,c2"
 * (back quotes, spaces and case aside): the value of a column is then
 * the key (ODP evaluates no other expression).  An empty one is taken
 * as that.
 */
static bool
part_expr_bare(const char *expr, const struct obp_obmeta_pkey *k)
{
    const char *e = expr;

    if (*e == '\0')
        return true;
    for (int i = 0; i < k->rows; i++) {
        size_t n = strlen(k->col[i].name);

        while (*e == ' ' || *e == '`')
            e++;
        if (n == 0 || strncasecmp(e, k->col[i].name, n) != 0)
            return false;
        e += n;
        while (*e == ' ' || *e == '`')
            e++;
        if (*e != (i + 1 < k->rows ? ',' : '\0'))
            return false;
        e += *e == ',';
    }
    return true;
}

/* Whether a level of <type> over key <k> is one we route by. */
static bool
part_level_ok(int type, const struct obp_obmeta_pkey *k, const char *expr)
{
    bool one = type == OBP_PART_HASH || type == OBP_PART_RANGE
               || type == OBP_PART_LIST;

    if (obp_part_method_name(type) == NULL || k->rows < 1
        || k->rows > OBP_OBMETA_KEYS || (one && k->rows != 1)
        || !part_expr_bare(expr, k))
        return false;
    for (int i = 0; i < k->rows; i++)
        if (obp_part_coltype_name((unsigned)k->col[i].type) == NULL)
            return false;
    return true;
}

/* Level <lv> (1, 2) of <type> over key <k> into <b>. */
static int
part_level(struct obp_part_builder *b, int lv, int type,
           const struct obp_obmeta_pkey *k, char *err, size_t errlen)
{
    if (obp_part_level(b, lv, obp_part_method_name(type), err, errlen)
        != OBP_OK)
        return OBP_ERROR;
    for (int i = 0; i < k->rows; i++) {
        const struct obp_obmeta_pcol *c = &k->col[i];

        if (obp_part_column(b, lv, c->name,
                            obp_part_coltype_name((unsigned)c->type),
                            obp_part_coll_name((unsigned)c->coll), err,
                            errlen) != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

/*
 * The partitions into <b>: first-level <firsts> (<n1>), then for a
 * two-level table each one's leaves, which om->parts holds grouped in
 * the same order.
 */
static int
part_adds(const struct obp_obmeta *om, struct obp_part_builder *b,
          const struct obp_obmeta_leaf *firsts, uint32_t n1, bool two,
          char *err, size_t errlen)
{
    uint32_t k = 0;

    for (uint32_t i = 0; i < n1; i++) {
        const struct obp_obmeta_leaf *f = &firsts[i];

        if (obp_part_add(b, part_text(om, f->name_off), f->part_id,
                         part_text(om, f->bound_off), err, errlen) != OBP_OK)
            return OBP_ERROR;
        for (; two && k < om->nparts && om->parts[k].part_id == f->part_id;
             k++)
            if (obp_part_add_sub(b, part_text(om, om->parts[k].name_off),
                                 om->parts[k].sub_id,
                                 part_text(om, om->parts[k].bound_off), err,
                                 errlen) != OBP_OK)
                return OBP_ERROR;
    }
    if (two && k != om->nparts) {
        snprintf(err, errlen, "%u subpartitions out of their partitions' "
                 "order", om->nparts - k);
        return OBP_ERROR;
    }
    return OBP_OK;
}

struct obp_part_desc *
obp_obmeta_part_desc(const struct obp_obmeta *om, char *err, size_t errlen)
{
    const struct obp_obmeta_pinfo *p = &om->pinfo;
    bool                           two = p->level == 2;
    const struct obp_obmeta_leaf  *firsts = two ? om->firsts : om->parts;
    uint32_t                       n1 = two ? om->nparts1 : om->nparts;
    struct obp_part_builder       *b;
    struct obp_part_desc          *d = NULL;
    int                            rc;

    if ((p->level != 1 && !two)
        || !part_level_ok(p->type, &p->key[0], p->expr[0])
        || (two && !part_level_ok(p->sub_type, &p->key[1], p->expr[1]))) {
        snprintf(err, errlen, "partitioning (level %d, part_type %d and "
                 "%d, key columns %d and %d of types %d and %d, "
                 "expressions \"%.40s\" and \"%.40s\") not supported",
                 p->level, p->type, p->sub_type, p->key[0].rows,
                 p->key[1].rows, p->key[0].col[0].type,
                 p->key[1].col[0].type, p->expr[0], p->expr[1]);
        return NULL;
    }
    if (om->bound_err[0] != '\0') {
        snprintf(err, errlen, "%s", om->bound_err);
        return NULL;
    }
    if (p->num != (int64_t)n1 || n1 == 0) {
        snprintf(err, errlen, "%lld partitions for %u rows",
                 (long long)p->num, n1);
        return NULL;
    }
    if ((b = obp_part_builder_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rc = part_level(b, 1, p->type, &p->key[0], err, errlen);
    if (rc == OBP_OK && two)
        rc = part_level(b, 2, p->sub_type, &p->key[1], err, errlen);
    if (rc == OBP_OK && !two && part_is_hash(p->type))
        rc = obp_part_count(b, 1, (long)n1, err, errlen);
    else if (rc == OBP_OK)
        rc = part_adds(om, b, firsts, n1, two, err, errlen);
    if (rc == OBP_OK)
        (void)obp_part_finish(b, &d, err, errlen);
    obp_part_builder_free(b);
    return d;
}
