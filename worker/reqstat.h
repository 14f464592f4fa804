/*
 * The statement statistics of relayed commands (shared/sqlstat.h): the
 * type and start of each command as it is dispatched, counted into the
 * worker's slot under the session's tenant when its response ends.
 * Commands the proxy answers itself are not counted.
 */
#ifndef OBP_WORKER_REQSTAT_H
#define OBP_WORKER_REQSTAT_H

#include <stddef.h>
#include <stdint.h>

struct obp_iobuf;
struct obp_session;

/* A new command, its packet at the head of <b> (<len>: its payload). */
void obp_reqstat_begin(struct obp_session *s, const struct obp_iobuf *b,
                       uint32_t len);

/* Its response ended (after obp_trace_ended). */
void obp_reqstat_end(struct obp_session *s);

#endif
