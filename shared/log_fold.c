/*
 * Folding of repeated log lines (log_fold.h).
 */
#include "obp.h"
#include "log_fold.h"

#include <stdio.h>
#include <string.h>

struct fold_slot {
    uint64_t hash;              /* of the whole text; 0: free */
    size_t   len;               /* of the whole text */
    int      level;
    unsigned seen;              /* lines in the window */
    unsigned repeats;           /* of them, the lines not written */
    int64_t  first_us;          /* the window's start */
    int64_t  last_us;           /* last seen, for replacement */
    size_t   kept;              /* bytes in text[] */
    char     text[OBP_LOG_FOLD_TEXT];
};

static struct fold_slot slots[OBP_LOG_FOLD_SLOTS];

/* FNV-1a, never 0 (0 marks a free slot). */
static uint64_t
hash_text(int level, const char *text, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037) ^ (uint64_t)level;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * UINT64_C(1099511628211);
    return h != 0 ? h : 1;
}

static void
summarize(struct fold_slot *s, obp_log_fold_out out)
{
    char   line[OBP_LOG_FOLD_TEXT + 96];
    int    n;

    if (s->repeats == 0)
        return;
    n = snprintf(line, sizeof(line), "%.*s%s (repeated %u times in %.0f s)",
                 (int)s->kept, s->text, s->kept < s->len ? "..." : "",
                 s->repeats, (double)(s->last_us - s->first_us) / 1e6);
    if (n > 0)
        out(s->level, line, (size_t)n < sizeof(line) ? (size_t)n
                                                     : sizeof(line) - 1);
    s->repeats = 0;
}

static void
open_window(struct fold_slot *s, int level, uint64_t h, const char *text,
            size_t len, int64_t now_us)
{
    s->hash = h;
    s->len = len;
    s->level = level;
    s->seen = 1;
    s->repeats = 0;
    s->first_us = now_us;
    s->last_us = now_us;
    s->kept = len < sizeof(s->text) ? len : sizeof(s->text);
    memcpy(s->text, text, s->kept);
}

bool
obp_log_fold_seen(int level, const char *text, size_t len, int64_t now_us,
                  obp_log_fold_out out)
{
    uint64_t          h = hash_text(level, text, len);
    struct fold_slot *lru = &slots[0];

    for (size_t i = 0; i < OBP_NELEMS(slots); i++) {
        struct fold_slot *s = &slots[i];

        if (s->hash == h && s->len == len && s->level == level) {
            if (now_us - s->first_us >= OBP_LOG_FOLD_WINDOW) {
                summarize(s, out);
                open_window(s, level, h, text, len, now_us);
                return false;
            }
            s->last_us = now_us;
            if (++s->seen <= OBP_LOG_FOLD_BURST)
                return false;
            s->repeats++;
            return true;
        }
        if (s->last_us < lru->last_us)
            lru = s;
    }
    summarize(lru, out);
    open_window(lru, level, h, text, len, now_us);
    return false;
}

void
obp_log_fold_expire(int64_t now_us, bool all, obp_log_fold_out out)
{
    for (size_t i = 0; i < OBP_NELEMS(slots); i++) {
        if (all || now_us - slots[i].first_us >= OBP_LOG_FOLD_WINDOW)
            summarize(&slots[i], out);
    }
}
