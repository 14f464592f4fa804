/*
 * Roles (router.h "Roles"): a MySQL/MariaDB primary and its replicas.
 * Which server may take a write and which may serve a read is decided in
 * one place, obp_router_writable() and obp_router_replica_ok(), so that
 * the monitor's findings (read_only, replication lag) can join the
 * declared role and the blocklist there.
 */
#include "obp.h"
#include "router_int.h"

#include <stdio.h>

/* Ranks past the replicas' LDC ranks: weight 0, then the primary. */
#define RANK_UNWEIGHTED 50000u
#define RANK_PRIMARY    100000u

bool
obp_router_writable(struct obp_router_ctx *x,
                    const struct obp_route_replica *r)
{
    return r->role == OBP_ROUTE_LEADER
           && !obp_bl_blocked(x->in->shm, r->server, x->in->now_us,
                              x->in->conf);
}

bool
obp_router_replica_ok(struct obp_router_ctx *x,
                      const struct obp_route_replica *r)
{
    return r->role != OBP_ROUTE_LEADER
           && !obp_bl_blocked(x->in->shm, r->server, x->in->now_us,
                              x->in->conf);
}

const struct obp_route_replica *
obp_router_primary(const struct obp_route_replica *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (r[i].role == OBP_ROUTE_LEADER)
            return &r[i];
    return NULL;
}

/*
 * A read the replicas may serve: weak (router.h rule 4, which
 * enable_read_write_split makes of every SELECT outside a transaction),
 * no lock function, nothing about the last write (LAST_INSERT_ID()), one
 * statement, and no reason of the session's to stay on the primary.
 */
static bool
replica_read(const struct obp_router_ctx *x)
{
    return x->out->weak && !x->in->primary_reads
           && (x->c.flags & (OBP_SQL_F_LOCK_FUNC | OBP_SQL_F_MORE
                             | OBP_SQL_F_TEMPORARY
                             | OBP_SQL_F_LAST_WRITE)) == 0;
}

/*
 * The replicas that may serve the read, by LDC class; in the best class
 * one is drawn by weight and ranked alone before the others, so each
 * statement makes its own draw.  False when there is none.
 */
static bool
add_replicas(struct obp_router_ctx *x, const struct obp_route_replica *r,
             uint32_t n)
{
    uint32_t rank[OBP_ROUTE_MAX_REPL], best = OBP_ROUTER_NEVER;
    uint64_t sum = 0, pick;
    uint32_t i, chosen = n;

    for (i = 0; i < n && i < OBP_ROUTE_MAX_REPL; i++) {
        rank[i] = obp_router_replica_ok(x, &r[i])
                  ? obp_router_weak_rank(x, &r[i], false) * 2 + 1
                  : OBP_ROUTER_NEVER;
        /* weight 0: only when no weighted replica may serve */
        if (rank[i] != OBP_ROUTER_NEVER && r[i].weight == 0)
            rank[i] += RANK_UNWEIGHTED;
        if (rank[i] < best)
            best = rank[i];
    }
    if (best == OBP_ROUTER_NEVER)
        return false;
    for (i = 0; i < n && i < OBP_ROUTE_MAX_REPL; i++)
        if (rank[i] == best)
            sum += r[i].weight > 0 ? r[i].weight : 1;
    pick = obp_router_rand(x) % sum;
    for (i = 0; i < n && i < OBP_ROUTE_MAX_REPL && chosen == n; i++) {
        uint64_t w = r[i].weight > 0 ? r[i].weight : 1;

        if (rank[i] == best && pick < w)
            chosen = i;
        else if (rank[i] == best)
            pick -= w;
    }
    for (i = 0; i < n && i < OBP_ROUTE_MAX_REPL; i++)
        obp_router_add(x, r[i].server, i == chosen ? best - 1 : rank[i]);
    return true;
}

void
obp_router_by_role(struct obp_router_ctx *x,
                   const struct obp_route_replica *r, uint32_t n)
{
    const struct obp_route_replica *p = obp_router_primary(r, n);
    bool reads = replica_read(x);

    x->out->roles = true;
    if (reads && add_replicas(x, r, n)) {
        if (p != NULL)
            obp_router_add(x, p->server, RANK_PRIMARY);
        obp_router_emit(x, OBP_RT_WEAK);
        return;
    }
    if (p == NULL) {
        snprintf(x->out->err, sizeof(x->out->err),
                 "no primary is declared for %.64s%s%.64s", x->db,
                 x->db[0] != '\0' ? "." : "", x->table);
        x->out->kind = OBP_RT_ERROR;
        return;
    }
    if (!obp_router_writable(x, p) && !reads) {
        snprintf(x->out->err, sizeof(x->out->err),
                 "the primary, server %s, is unreachable (blocked): the "
                 "statement is refused",
                 obp_router_server_text(x, p->server));
        x->out->kind = OBP_RT_ERROR;
        return;
    }
    obp_router_add(x, p->server, 0);
    obp_router_emit(x, OBP_RT_LEADER);
}

void
obp_router_role_any(struct obp_router_ctx *x,
                    const struct obp_route_replica *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (r[i].role == OBP_ROUTE_LEADER)
            obp_router_add(x, r[i].server,
                           obp_router_writable(x, &r[i]) ? 0 : 2);
        else
            obp_router_add(x, r[i].server, 1);
    }
    x->out->roles = true;
    obp_router_emit(x, OBP_RT_TENANT);
}
