/*
 * A table's tablet locations in batches (obmeta.h): the replicas query
 * (ODP-REFERENCE 5.3, its batch form) names OBP_OBMETA_LOC_BATCH tablets
 * at most, so a table of any number of leaves is read one batch after
 * the other on the metadata connection, each query well within a packet.
 */
#include "monitor.h"

#include <stdio.h>

/* The batch's end: one past its last leaf. */
static uint32_t
locs_end(const struct obp_obmeta *om)
{
    uint32_t n = om->nparts - om->loc_from;

    return om->loc_from + (n < OBP_OBMETA_LOC_BATCH ? n
                                                    : OBP_OBMETA_LOC_BATCH);
}

bool
obp_obmeta_locs_ids(const struct obp_obmeta *om, char *buf, size_t cap)
{
    uint32_t end = locs_end(om);
    size_t   n = 0;

    if (cap == 0 || om->loc_from >= om->nparts)
        return false;
    buf[0] = '\0';
    for (uint32_t i = om->loc_from; i < end; i++) {
        int k = snprintf(buf + n, cap - n, "%s%lld",
                         i > om->loc_from ? ", " : "",
                         (long long)om->parts[i].tablet);

        if (k < 0 || (size_t)k >= cap - n)
            return false;
        n += (size_t)k;
    }
    return true;
}

struct obp_obmeta_leaf *
obp_obmeta_locs_leaf(struct obp_obmeta *om, int64_t tablet)
{
    uint32_t end = locs_end(om);

    for (uint32_t i = om->loc_from; i < end; i++)
        if (om->parts[i].tablet == tablet)
            return &om->parts[i];
    return NULL;
}

bool
obp_obmeta_locs_next(struct obp_obmeta *om)
{
    om->loc_from = locs_end(om);
    return om->loc_from < om->nparts;
}
