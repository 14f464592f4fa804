/*
 * SQL text the proxy writes (sqltext.h): a buffer that doubles as it
 * grows, and the two ways a value may enter it.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>

void
obp_sqltext_add(struct obp_sqltext *q, const void *s, size_t n)
{
    char *p;

    if (q->err)
        return;
    if (q->len + n + 1 > q->cap) {
        p = realloc(q->p, (q->len + n + 1) * 2);
        if (p == NULL) {
            q->err = true;
            return;
        }
        q->p = p;
        q->cap = (q->len + n + 1) * 2;
    }
    memcpy(q->p + q->len, s, n);
    q->len += n;
    q->p[q->len] = '\0';
}

void
obp_sqltext_adds(struct obp_sqltext *q, const char *s)
{
    obp_sqltext_add(q, s, strlen(s));
}

void
obp_sqltext_ident(struct obp_sqltext *q, const char *name)
{
    obp_sqltext_add(q, "`", 1);
    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '`')
            obp_sqltext_add(q, "``", 2);
        else
            obp_sqltext_add(q, c, 1);
    }
    obp_sqltext_add(q, "`", 1);
}

void
obp_sqltext_hex(struct obp_sqltext *q, const void *p, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    const uint8_t    *b = p;
    char              two[2];

    obp_sqltext_adds(q, "X'");
    for (size_t i = 0; i < n; i++) {
        two[0] = digits[b[i] >> 4];
        two[1] = digits[b[i] & 15];
        obp_sqltext_add(q, two, 2);
    }
    obp_sqltext_adds(q, "'");
}

void
obp_sqltext_free(struct obp_sqltext *q)
{
    free(q->p);
    memset(q, 0, sizeof(*q));
}
