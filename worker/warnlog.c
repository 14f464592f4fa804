/*
 * The ring of the worker's last WARN and ERROR lines (warnlog.h).
 */
#include "worker.h"

#include <string.h>

static struct {
    struct obp_warnlog_line line[OBP_WARNLOG_LINES];
    uint64_t                last;       /* the newest line's id, 0: none */
} ring;

/* The log's tap: line <id> takes slot (id - 1) % OBP_WARNLOG_LINES. */
static void
keep(int level, int64_t at_us, const char *text, size_t len)
{
    struct obp_warnlog_line *l = &ring.line[ring.last % OBP_WARNLOG_LINES];
    size_t                   n = len;

    l->id = ++ring.last;
    l->at_us = at_us;
    l->level = level;
    if (n >= sizeof(l->text)) {
        /* "..." replaces the end, never half of a UTF-8 character */
        n = sizeof(l->text) - 4;
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--;
        memcpy(l->text + n, "...", 4);
    } else {
        l->text[n] = '\0';
    }
    memcpy(l->text, text, n);
}

void
obp_warnlog_start(void)
{
    obp_log_set_tap(keep);
}

const struct obp_warnlog_line *
obp_warnlog_next(uint64_t *pos)
{
    uint64_t first = ring.last > OBP_WARNLOG_LINES
                     ? ring.last - OBP_WARNLOG_LINES + 1 : 1;
    uint64_t id = *pos + 1 < first ? first : *pos + 1;

    if (id > ring.last)
        return NULL;
    *pos = id;
    return &ring.line[(id - 1) % OBP_WARNLOG_LINES];
}
