/*
 * The routing decision (router.h).
 */
#include "obp.h"
#include "router.h"

#include <stdio.h>
#include <string.h>

void
obp_router_route(const struct obp_router_in *in, struct obp_router_out *out)
{
    struct obp_sql_class c;
    char addr[64];
    int idx;

    memset(out, 0, sizeof(*out));
    out->leaf = -1;
    obp_sql_classify(&c, in->sql, in->sql_len, in->sql_flags, NULL, 0);
    out->sql_kind = c.kind;
    out->sql_flags = c.flags;
    if (c.target_db_server.s != NULL && c.target_db_server.n < sizeof(addr)) {
        snprintf(addr, sizeof(addr), "%.*s", (int)c.target_db_server.n, c.target_db_server.s);
        idx = obp_bl_find(in->shm, addr);
        if (idx >= 0) {
            out->kind = OBP_RT_FORCED;
            out->server[0] = (uint16_t)idx;
            out->n = 1;
            return;
        }
    }
    out->kind = OBP_RT_NONE;
}
