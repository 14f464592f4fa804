/*
 * In-place rewrites of statement texts (sqlfix.h).
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool
obp_sqlfix_has_word(const char *text, size_t n, const char *word)
{
    size_t len = strlen(word);

    for (size_t i = 0; i + len <= n; i++) {
        if ((text[i] & ~0x20) != word[0])
            continue;
        if (strncasecmp(text + i, word, len) == 0)
            return true;
    }
    return false;
}

void
obp_sqlfix_span(char *p, size_t n, const char *with)
{
    size_t k = strlen(with);

    if (k > n)
        k = n;
    memcpy(p, with, k);
    memset(p + k, ' ', n - k);
}

unsigned
obp_sqlfix_connid(char *text, size_t n, bool backslash, uint32_t id)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t, open, close;
    char                  num[16];
    unsigned              done = 0;

    if (!obp_sqlfix_has_word(text, n, "CONNECTION_ID"))
        return 0;
    snprintf(num, sizeof(num), "%u", id);
    obp_sqllex_init(&lx, text, n, backslash ? OBP_SQLLEX_BACKSLASH : 0);
    for (obp_sqllex_next(&lx, &t); t.type != OBP_SQLLEX_END;
         obp_sqllex_next(&lx, &t)) {
        if (!obp_sqllex_kw(&t, "CONNECTION_ID"))
            continue;
        obp_sqllex_next(&lx, &open);
        if (open.type != OBP_SQLLEX_LPAREN)
            continue;
        obp_sqllex_next(&lx, &close);
        if (close.type != OBP_SQLLEX_RPAREN)
            continue;
        /* "CONNECTION_ID()" is 15 bytes; an id has 10 digits at most */
        obp_sqlfix_span(text + (t.s - text),
                        (size_t)(close.s + 1 - t.s), num);
        done++;
    }
    return done;
}
