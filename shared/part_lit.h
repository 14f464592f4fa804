/*
 * Reading the bound texts of partition declarations: SQL literals
 * (integers, decimals, 'strings' with '' and backslash escapes, NULL,
 * MAXVALUE, DEFAULT), alone or in parenthesised tuples, separated by
 * commas: "10, 'abc'", "(1, 'a'), (2, 'b')", "((1, 'a'), (2, 'b'))".
 * One level of tuples; an outer pair of parentheses around tuples is
 * dropped.  Used by the builder only.
 */
#ifndef OBP_SHARED_PART_LIT_H
#define OBP_SHARED_PART_LIT_H

#include <stddef.h>

#include "part.h"

enum obp_part_lit_kind {
    OBP_LIT_VALUE = 0,
    OBP_LIT_MAXVALUE,
    OBP_LIT_DEFAULT
};

struct obp_part_lit {
    enum obp_part_lit_kind kind;
    struct obp_part_value  v;       /* strings point into owned */
    char                  *owned;   /* malloc'd, unescaped */
    int                    group;   /* its tuple, or -1 outside any */
};

struct obp_part_lits {
    struct obp_part_lit *lit;
    size_t               n;
    size_t               ngroups;
};

/* OBP_OK, or OBP_ERROR with a message; free with _free either way. */
int obp_part_lits_parse(const char *text, struct obp_part_lits *out,
                        char *err, size_t errlen);
void obp_part_lits_free(struct obp_part_lits *l);

#endif
