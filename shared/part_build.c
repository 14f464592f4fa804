/*
 * The partition description builder: declarations as text, validation
 * with messages for the configuration loader, then part_blob.c lays the
 * blob out.  See part.h for the calls.
 */
#include "obp.h"
#include "part_build.h"
#include "part_cast.h"
#include "part_hash.h"
#include "part_lit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every function here has b, err and errlen in scope. */
#define FAIL(...)   obp_part_fail(b, err, errlen, __VA_ARGS__)

static const struct {
    const char *name;
    int         type;
} part_types[] = {
    { "HASH", OBP_PART_HASH },
    { "KEY", OBP_PART_KEY },
    { "KEY_IMPLICIT", OBP_PART_KEY_IMPLICIT },
    { "RANGE", OBP_PART_RANGE },
    { "RANGE_COLUMNS", OBP_PART_RANGE_COLUMNS },
    { "LIST", OBP_PART_LIST },
    { "LIST_COLUMNS", OBP_PART_LIST_COLUMNS },
};

static const struct {
    const char *name;
    unsigned    type;
} col_types[] = {
    { "TINYINT", OBP_PCOL_TINYINT },
    { "SMALLINT", OBP_PCOL_SMALLINT },
    { "MEDIUMINT", OBP_PCOL_MEDIUMINT },
    { "INT", OBP_PCOL_INT },
    { "INTEGER", OBP_PCOL_INT },
    { "BIGINT", OBP_PCOL_BIGINT },
    { "TINYINT UNSIGNED", OBP_PCOL_UTINYINT },
    { "SMALLINT UNSIGNED", OBP_PCOL_USMALLINT },
    { "MEDIUMINT UNSIGNED", OBP_PCOL_UMEDIUMINT },
    { "INT UNSIGNED", OBP_PCOL_UINT },
    { "INTEGER UNSIGNED", OBP_PCOL_UINT },
    { "BIGINT UNSIGNED", OBP_PCOL_UBIGINT },
    { "DATETIME", OBP_PCOL_DATETIME },
    { "DATE", OBP_PCOL_DATE },
    { "TIME", OBP_PCOL_TIME },
    { "YEAR", OBP_PCOL_YEAR },
    { "VARCHAR", OBP_PCOL_VARCHAR },
    { "CHAR", OBP_PCOL_CHAR },
    { "VARBINARY", OBP_PCOL_VARCHAR },
};

static const struct {
    const char *name;
    unsigned    id;
} collations[] = {
    { "utf8mb4_general_ci", OBP_COLL_UTF8MB4_GENERAL_CI },
    { "utf8_general_ci", OBP_COLL_UTF8MB4_GENERAL_CI },
    { "utf8mb4_bin", OBP_COLL_UTF8MB4_BIN },
    { "utf8_bin", OBP_COLL_UTF8MB4_BIN },
    { "binary", OBP_COLL_BINARY },
};

const char *
obp_part_method_name(int type)
{
    for (size_t i = 0; i < OBP_NELEMS(part_types); i++)
        if (part_types[i].type == type)
            return part_types[i].name;
    return NULL;
}

const char *
obp_part_coltype_name(unsigned type)
{
    for (size_t i = 0; i < OBP_NELEMS(col_types); i++)
        if (col_types[i].type == type)
            return col_types[i].name;
    return NULL;
}

const char *
obp_part_coll_name(unsigned id)
{
    for (size_t i = 0; i < OBP_NELEMS(collations); i++)
        if (collations[i].id == id)
            return collations[i].name;
    return NULL;
}

int
obp_part_fail(struct obp_part_builder *b, char *err, size_t errlen,
              const char *fmt, ...)
{
    va_list ap;

    b->failed = 1;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OBP_ERROR;
}

/* Upper-cases <s> into <out>, runs of spaces or '_' made one <sep>. */
static void
normalize(const char *s, char sep, char *out, size_t size)
{
    size_t n = 0;
    int gap = 0;

    for (; *s == ' '; s++)
        ;
    for (; *s != '\0' && n + 2 < size; s++) {
        if (*s == ' ' || *s == '_') {
            gap = 1;
            continue;
        }
        if (gap && n > 0)
            out[n++] = sep;
        gap = 0;
        out[n++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s;
    }
    out[n] = '\0';
}

struct obp_part_builder *
obp_part_builder_new(void)
{
    return calloc(1, sizeof(struct obp_part_builder));
}

void
obp_part_free_parts(struct obp_part_bpart *list, size_t n, size_t ncols,
                    size_t sub_ncols)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].bound);
        for (j = 0; j < list[i].ntuples * ncols; j++)
            free(list[i].vals[j].s);
        free(list[i].vals);
        obp_part_free_parts(list[i].subs, list[i].nsub, sub_ncols, 0);
    }
    free(list);
}

void
obp_part_builder_free(struct obp_part_builder *b)
{
    if (b == NULL)
        return;
    obp_part_free_parts(b->parts, b->nparts, b->lv[0].ncols,
                        b->lv[1].ncols);
    obp_part_free_parts(b->tmpl, b->ntmpl, b->lv[1].ncols, 0);
    free(b);
}

static int
check_level(struct obp_part_builder *b, int level, char *err, size_t errlen)
{
    if (b->failed)
        return FAIL("an earlier declaration failed");
    if (level != 1 && level != 2)
        return FAIL("partition level %d is not 1 or 2",
                    level);
    if (level == 2 && !b->lv[0].declared)
        return FAIL("subpartitioning declared before partitioning");
    return OBP_OK;
}

int
obp_part_level(struct obp_part_builder *b, int level, const char *type,
               char *err, size_t errlen)
{
    struct obp_part_blevel *lv;
    char name[32];
    size_t i;

    if (check_level(b, level, err, errlen) != OBP_OK)
        return OBP_ERROR;
    lv = &b->lv[level - 1];
    if (lv->declared)
        return FAIL("level %d declared twice", level);
    normalize(type, '_', name, sizeof(name));
    for (i = 0; i < OBP_NELEMS(part_types); i++) {
        if (strcmp(part_types[i].name, name) == 0) {
            lv->declared = 1;
            lv->type = part_types[i].type;
            return OBP_OK;
        }
    }
    return FAIL("unknown partition type \"%s\"", type);
}

/* "DATETIME(6)", "varchar(32)", "bigint unsigned". */
static int
parse_col_type(const char *text, struct obp_part_col *col)
{
    char name[48], *open, *close;
    long arg = -1;
    size_t i;

    normalize(text, ' ', name, sizeof(name));
    open = strchr(name, '(');
    if (open != NULL) {
        arg = strtol(open + 1, &close, 10);
        if (*close != ')' || arg < 0)
            return OBP_ERROR;
        /* "INT(11) UNSIGNED": drop the width, keep what follows. */
        memmove(open, close + 1, strlen(close + 1) + 1);
    }
    for (i = 0; i < OBP_NELEMS(col_types); i++) {
        if (strcmp(col_types[i].name, name) != 0)
            continue;
        col->type = (uint8_t)col_types[i].type;
        col->scale = 0;
        if (col->type == OBP_PCOL_DATETIME || col->type == OBP_PCOL_TIME) {
            if (arg > 6)
                return OBP_ERROR;
            col->scale = arg > 0 ? (uint8_t)arg : 0;
        }
        col->collation = strcmp(name, "VARBINARY") == 0
                         || !obp_part_type_is_str(col->type)
                         ? OBP_COLL_BINARY : OBP_COLL_UTF8MB4_GENERAL_CI;
        return OBP_OK;
    }
    return OBP_ERROR;
}

static int
parse_collation(const char *name, unsigned *id)
{
    size_t i;

    for (i = 0; i < OBP_NELEMS(collations); i++) {
        if (obp_strcasecmp(collations[i].name, name) == 0) {
            *id = collations[i].id;
            return OBP_OK;
        }
    }
    return OBP_ERROR;
}

/* What a column may be under its level's part type. */
static int
check_column(struct obp_part_builder *b, const struct obp_part_blevel *lv,
             const struct obp_part_col *col, char *err, size_t errlen)
{
    const char *what = NULL;

    switch (lv->type) {
    case OBP_PART_HASH:
    case OBP_PART_RANGE:
    case OBP_PART_LIST:
        if (lv->ncols > 0 || !obp_part_type_is_int(col->type))
            what = "takes one integer column";
        break;
    default:
        if (lv->ncols == OBP_PART_MAX_COLS)
            what = "takes at most 16 columns";
    }
    if (what == NULL)
        return OBP_OK;
    return FAIL("column %s: %s partitioning %s", col->name,
                lv->type == OBP_PART_HASH ? "HASH"
                : lv->type == OBP_PART_RANGE ? "RANGE"
                : lv->type == OBP_PART_LIST ? "LIST" : "COLUMNS", what);
}

/* Subpartitions exist: templated, or of some partition. */
static bool
has_subs(const struct obp_part_builder *b)
{
    for (size_t i = 0; i < b->nparts; i++) {
        if (b->parts[i].nsub > 0)
            return true;
    }
    return b->ntmpl > 0;
}

int
obp_part_column(struct obp_part_builder *b, int level, const char *name,
                const char *type, const char *collation,
                char *err, size_t errlen)
{
    struct obp_part_blevel *lv;
    struct obp_part_col col;
    unsigned id;

    if (check_level(b, level, err, errlen) != OBP_OK)
        return OBP_ERROR;
    lv = &b->lv[level - 1];
    if (!lv->declared)
        return FAIL("column %s before level %d's type",
                    name, level);
    /* their bounds hold one value per column already declared */
    if ((level == 1 && b->nparts > 0) || (level == 2 && has_subs(b)))
        return FAIL("column %s after the partitions", name);
    memset(&col, 0, sizeof(col));
    if (name[0] == '\0' || obp_strlcpy(col.name, name, sizeof(col.name))
                           >= sizeof(col.name))
        return FAIL("bad column name \"%s\"", name);
    if (parse_col_type(type, &col) != OBP_OK)
        return FAIL("column %s: unknown column type \"%s\"",
                    name, type);
    if (collation != NULL && collation[0] != '\0') {
        if (parse_collation(collation, &id) != OBP_OK)
            return FAIL("column %s: unknown collation "
                        "\"%s\"", name, collation);
        if (!obp_part_type_is_str(col.type) && id != OBP_COLL_BINARY)
            return FAIL("column %s: collation %s on a %s "
                        "column", name, collation, type);
        col.collation = (uint16_t)id;
    }
    if (check_column(b, lv, &col, err, errlen) != OBP_OK)
        return OBP_ERROR;
    lv->cols[lv->ncols++] = col;
    return OBP_OK;
}
