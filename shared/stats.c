/*
 * Names and help of the per-worker counters, generated from the
 * OBP_STATS_WORKER X-macro: read by obproxyctl status and later by the
 * admin SHOW STAT and /metrics.
 */
#include "obp.h"

const struct obp_stat_desc obp_stat_descs[OBP_STAT_COUNT] = {
#define OBP_STAT_DESC(name, kind, help) \
    [OBP_STAT_##name] = { #name, OBP_STAT_##kind, help },
    OBP_STATS_WORKER(OBP_STAT_DESC)
#undef OBP_STAT_DESC
};
