/*
 * The monitor's growable text buffer (mbuf.h).
 */
#include "monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MBUF_FIRST 4096

static bool
reserve(struct obp_mbuf *b, size_t more)
{
    size_t cap = b->cap != 0 ? b->cap : MBUF_FIRST;
    char  *p;

    if (b->len + more < b->cap)
        return true;
    while (cap <= b->len + more)
        cap *= 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
obp_mbuf_printf(struct obp_mbuf *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n + 1)) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
obp_mbuf_free(struct obp_mbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
