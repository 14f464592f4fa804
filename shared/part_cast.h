/*
 * Casting a key value from the SQL (or a bound literal from the
 * configuration) to a partition key column's type, as OceanBase's MySQL
 * mode does (ODP-REFERENCE 6.1), for the cases that have one exact
 * answer: integers in the column's range, integral decimal and float
 * texts, strings holding an integer ('123' for BIGINT), DATETIME texts to
 * microseconds since 1970-01-01, DATE texts to days, TIME texts to
 * microseconds, YEAR as OceanBase stores it (year - 1900, 0 for 0000).
 * Anything else (a fraction for an integer column, '12abc', digits past
 * a DATETIME's scale, a zero date, a TIMESTAMP needing the session's
 * time zone, a string in another character set) fails: the caller routes
 * without a partition rather than guess.
 */
#ifndef OBP_SHARED_PART_CAST_H
#define OBP_SHARED_PART_CAST_H

#include <stddef.h>
#include <stdint.h>

#include "part.h"

/* A cast value: kind is an OBP_PCELL_* (never MAX). */
struct obp_part_key {
    int         kind;
    int64_t     i;
    uint64_t    u;
    const char *s;      /* OBP_PCELL_STR: into the value, or into buf */
    size_t      len;
    char        buf[24];
};

int obp_part_cast(const struct obp_part_col *col,
                  const struct obp_part_value *v, struct obp_part_key *k);

int obp_part_type_is_int(unsigned type);
int obp_part_type_is_str(unsigned type);

/* The type's SQL name ("BIGINT UNSIGNED") for messages. */
const char *obp_part_type_name(unsigned type);

#endif
