/*
 * The last WARN and ERROR lines of this worker, for SHOW WARNLOG
 * (adm_log.c).  The log's tap (shared/log.h) copies each line into a
 * ring of OBP_WARNLOG_LINES fixed slots in the worker's own memory, so
 * keeping a line allocates nothing and the ring never grows: the newest
 * line takes the oldest one's slot.  Each worker keeps its own lines; a
 * line another worker logged is in that worker's ring and in the log
 * file only.  loop.c turns it on at the worker's start.
 */
#ifndef OBP_WORKER_WARNLOG_H
#define OBP_WORKER_WARNLOG_H

#include <stdint.h>

#define OBP_WARNLOG_LINES 128
#define OBP_WARNLOG_TEXT  512   /* bytes of a line kept, the NUL included */

struct obp_warnlog_line {
    uint64_t id;                        /* 1, 2, ... in this worker */
    int64_t  at_us;                     /* when it was logged, wall clock */
    int      level;                     /* OBP_LOG_WARN, ERROR or ALERT */
    char     text[OBP_WARNLOG_TEXT];    /* as written; a longer line is
                                           cut, "..." at its end */
};

/* Keeps every WARN and ERROR line from now on (the worker's start). */
void obp_warnlog_start(void);

/*
 * The kept line after the one numbered *<pos>, oldest first, or NULL
 * past the newest; *<pos> becomes its id.  Start at 0.
 */
const struct obp_warnlog_line *obp_warnlog_next(uint64_t *pos);

#endif
