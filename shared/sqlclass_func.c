/*
 * The functions and system variables whose answer depends on the server
 * that runs them (sqlclass.h): the router keeps such statements where
 * the answer is.
 */
#include "obp.h"

#include <string.h>
#include <strings.h>

struct func {
    const char *name;
    unsigned    flags;
};

#define DEP   OBP_SQL_F_DEP_FUNC
#define WRITE (OBP_SQL_F_DEP_FUNC | OBP_SQL_F_LAST_WRITE)
#define LOCK  OBP_SQL_F_LOCK_FUNC

static const struct func functions[] = {
    { "LAST_INSERT_ID", WRITE }, { "ROW_COUNT", WRITE },
    { "FOUND_ROWS", DEP },
    /* user-level locks live on the server that granted them */
    { "GET_LOCK", LOCK }, { "RELEASE_LOCK", LOCK },
    { "RELEASE_ALL_LOCKS", LOCK }, { "IS_FREE_LOCK", LOCK },
    { "IS_USED_LOCK", LOCK },
    { NULL, 0 }
};

static const struct func sysvars[] = {
    { "identity", WRITE }, { "last_insert_id", WRITE },
    { "insert_id", WRITE }, { "last_gtid", WRITE },
    { "warning_count", DEP }, { "error_count", DEP },
    { NULL, 0 }
};

static unsigned
lookup(const struct func *f, const char *s, size_t n)
{
    for (; f->name != NULL; f++)
        if (strlen(f->name) == n && strncasecmp(f->name, s, n) == 0)
            return f->flags;
    return 0;
}

unsigned
obp_sql_func_flags(const char *name, size_t n)
{
    return lookup(functions, name, n);
}

unsigned
obp_sql_sysvar_flags(const char *name, size_t n)
{
    const char *s = name, *e = name + n;

    /* @@session.x, @@global.x: the name after the scope */
    for (const char *p = name; p < e; p++)
        if (*p == '.')
            s = p + 1;
    return lookup(sysvars, s, (size_t)(e - s));
}
