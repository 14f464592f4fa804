/*
 * The builder's working state, shared by part_build.c (declarations and
 * validation) and part_blob.c (laying the blob out).  Internal to the
 * partition modules; part.h is the contract.
 */
#ifndef OBP_SHARED_PART_BUILD_H
#define OBP_SHARED_PART_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "part.h"

/* One bound value, cast to its column's type; strings owned. */
struct obp_part_bval {
    int      kind;          /* OBP_PCELL_* */
    int64_t  i;
    uint64_t u;
    char    *s;
    size_t   len;
};

struct obp_part_bpart {
    char                  *name;
    char                  *bound;       /* as declared, for messages */
    int64_t                id;
    int                    is_default;
    size_t                 ntuples;
    struct obp_part_bval  *vals;        /* ntuples * ncols */
    struct obp_part_bpart *subs;
    size_t                 nsub;
};

struct obp_part_blevel {
    int                 declared;
    int                 type;
    size_t              ncols;
    struct obp_part_col cols[OBP_PART_MAX_COLS];
};

struct obp_part_builder {
    struct obp_part_blevel lv[2];
    struct obp_part_bpart *parts;
    size_t                 nparts;
    struct obp_part_bpart *tmpl;        /* templated subpartitions */
    size_t                 ntmpl;
    int                    failed;
};

/* Sets err (prefixed by nothing), marks the builder failed: OBP_ERROR. */
int obp_part_fail(struct obp_part_builder *b, char *err, size_t errlen,
                  const char *fmt, ...) OBP_PRINTF(4, 5);

/* Frees a list of partitions and their subpartitions. */
void obp_part_free_parts(struct obp_part_bpart *list, size_t n, size_t ncols,
                         size_t sub_ncols);

/* Lays the validated declarations out as a malloc'd blob, or NULL. */
struct obp_part_desc *obp_part_blob(const struct obp_part_builder *b);

#endif
