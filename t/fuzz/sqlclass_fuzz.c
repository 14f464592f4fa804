/*
 * libFuzzer target for the SQL classifier (shared/sqlclass.h): any bytes
 * must classify without a read outside them (AddressSanitizer), without
 * undefined behaviour (UBSan), in bounded time, and with every slice of
 * the result inside the input.  The first byte picks the flags and
 * whether key columns are given.  Built and run by make fuzz (see
 * t/Makefile.am), not by make check; seeds in t/fuzz/corpus/sqlclass.
 */
#include "obp.h"

#include <stdlib.h>

#include "sqlclass_slices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct obp_sql_name keys[] = {
        { "id", 2, 0, false }, { "k", 1, 0, false }
    };
    static struct obp_sql_class c;
    const char                 *text = (const char *)data + 1;
    unsigned                    mode;

    if (size == 0)
        return 0;
    mode = data[0];
    obp_sql_classify(&c, text, size - 1, mode & OBP_SQL_BACKSLASH,
                     (mode & 2) ? keys : NULL, (mode & 2) ? 2 : 0);
    if (!sqlclass_slices_inside(&c, text, size - 1, (mode & 2) != 0))
        abort();
    /* the cheap reading of the time limit agrees with the full one */
    if (c.time_limit_us < -1
        || (obp_sql_time_limit(text, size - 1, mode & OBP_SQL_BACKSLASH)
            >= 0 && c.time_limit_us < 0))
        abort();
    return 0;
}
