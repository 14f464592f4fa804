/*
 * The check that the SQL classifier's output stays in its input: every
 * slice of a struct obp_sql_class lies in the text, every count within
 * its array (the column names too, unless the caller gave them: <keyed>).
 * Shared by t/unit/sqlclass.c and t/fuzz/sqlclass_fuzz.c.
 */
#ifndef OBP_T_SQLCLASS_SLICES_H
#define OBP_T_SQLCLASS_SLICES_H

#include "obp.h"

static inline bool
sqlclass_inside(const struct obp_sql_name *nm, const char *s, size_t len)
{
    return nm->s == NULL
           || (nm->s >= s && nm->n <= len
               && (size_t)(nm->s - s) <= len - nm->n);
}

static inline bool
sqlclass_slices_inside(const struct obp_sql_class *c, const char *s,
                       size_t len, bool keyed)
{
    bool ok = sqlclass_inside(&c->table, s, len)
              && sqlclass_inside(&c->db, s, len)
              && sqlclass_inside(&c->alias, s, len)
              && sqlclass_inside(&c->hint, s, len)
              && sqlclass_inside(&c->target_db_server, s, len)
              && sqlclass_inside(&c->route_table, s, len)
              && sqlclass_inside(&c->route_part_key, s, len)
              && c->next <= len && c->ncolumns <= OBP_SQL_KEYS_MAX;

    for (unsigned i = 0; ok && i < c->ncolumns; i++) {
        const struct obp_sql_column *col = &c->columns[i];

        ok = col->nvalues <= OBP_SQL_VALUES_MAX
             && (keyed || sqlclass_inside(&col->name, s, len));
        for (unsigned k = 0; ok && k < col->nvalues; k++) {
            ok = sqlclass_inside(&col->values[k].text, s, len)
                 && sqlclass_inside(&col->values[k].charset, s, len)
                 && (col->values[k].type != OBP_SQL_V_PARAM
                     || col->values[k].param < c->nparams);
        }
    }
    return ok;
}

#endif
