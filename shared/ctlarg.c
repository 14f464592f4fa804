/*
 * Quoting of control-socket arguments (ctlarg.h): SQL's single-quoted
 * string literal with a doubled quote, or a bare word.
 */
#include "obp.h"

#include <limits.h>
#include <string.h>

static int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int
obp_ctlarg_add(char *line, size_t cap, size_t *len, const char *s)
{
    size_t n = *len;

    if (strpbrk(s, "\r\n") != NULL || n + 3 + (n > 0) > cap)
        return OBP_ERROR;
    if (n > 0)
        line[n++] = ' ';
    line[n++] = '\'';
    for (; *s != '\0'; s++) {
        if (n + 2 + (*s == '\'') >= cap) {
            line[*len] = '\0';
            return OBP_ERROR;
        }
        if (*s == '\'')
            line[n++] = '\'';
        line[n++] = *s;
    }
    line[n++] = '\'';
    line[n] = '\0';
    *len = n;
    return OBP_OK;
}

/* A quoted argument, *p after its opening quote. */
static int
quoted(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t      n = 0;

    for (;; s++) {
        if (*s == '\0' || *s == '\r' || *s == '\n')
            return OBP_ERROR;
        if (*s == '\'' && s[1] != '\'')
            break;
        s += *s == '\'';        /* '' is one quote */
        if (n + 1 >= cap)
            return OBP_ERROR;
        out[n++] = *s;
    }
    s++;
    if (*s != '\0' && !is_blank(*s))
        return OBP_ERROR;
    out[n] = '\0';
    *p = s;
    return n <= INT_MAX ? (int)n : OBP_ERROR;
}

int
obp_ctlarg_next(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t      n;

    while (is_blank(*s))
        s++;
    if (*s == '\0')
        return OBP_DONE;
    if (*s == '\'') {
        *p = s + 1;
        return quoted(p, out, cap);
    }
    n = strcspn(s, " \t'\r\n");
    if (s[n] == '\'' || s[n] == '\r' || s[n] == '\n' || n + 1 > cap
        || n > INT_MAX)
        return OBP_ERROR;
    memcpy(out, s, n);
    out[n] = '\0';
    *p = s + n;
    return (int)n;
}
