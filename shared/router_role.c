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

/* What the monitor read of <r> (all unknown past the table). */
static struct obp_srvstate
state_of(const struct obp_router_ctx *x, const struct obp_route_replica *r)
{
    struct obp_srvstate st = { .read_only = -1, .lag_us = -1 };

    if (obp_srvstate_get(x->in->shm, r->server, &st) != OBP_OK)
        st.read_only = -1;
    return st;
}

static bool
blocked(const struct obp_router_ctx *x, const struct obp_route_replica *r)
{
    return obp_bl_blocked(x->in->shm, r->server, x->in->now_us,
                          x->in->conf);
}

bool
obp_router_writable(struct obp_router_ctx *x,
                    const struct obp_route_replica *r)
{
    if (r->role == OBP_ROUTE_AUTO) {
        struct obp_srvstate st = state_of(x, r);

        /* discovered: only what the monitor saw writable */
        return st.read_only == 0 && st.detect != OBP_DETECT_DEAD
               && !blocked(x, r);
    }
    return r->role == OBP_ROUTE_LEADER && !blocked(x, r)
           && obp_srvstate_writable(x->in->shm, r->server);
}

bool
obp_router_replica_ok(struct obp_router_ctx *x,
                      const struct obp_route_replica *r)
{
    if (r->role == OBP_ROUTE_LEADER || blocked(x, r))
        return false;
    if (r->role == OBP_ROUTE_AUTO && state_of(x, r).read_only != 1)
        return false;
    /* the tenant's ob_max_read_stale_time (level.h) */
    return obp_srvstate_readable(x->in->shm, r->server, x->in->now_us,
                                 x->in->levels->max_read_stale);
}

bool
obp_router_has_roles(const struct obp_route_replica *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (r[i].role == OBP_ROUTE_LEADER || r[i].role == OBP_ROUTE_AUTO)
            return true;
    return false;
}

/* The declared primary (role LEADER) among <r>[0..n), or NULL. */
static const struct obp_route_replica *
declared_primary(const struct obp_route_replica *r, uint32_t n)
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
 * Read-your-writes by GTID (router.h obp_router_raw): whether <r> has
 * applied the session's last write, going by the position of its set's
 * primary <p> read since that write.  Without GTIDs to go by, only
 * beyond read_after_write_window.
 */
static bool
caught_up(struct obp_router_ctx *x, const struct obp_route_replica *p,
          const struct obp_route_replica *r)
{
    struct obp_router_raw *raw = x->in->raw;
    struct obp_gtid_set    pos;
    int64_t                read_us;

    if (raw == NULL || p == NULL)
        return true;
    if (raw->primary != p->server) {
        if (obp_srvstate_gtid(x->in->shm, p->server, &pos, &read_us)
            != OBP_OK || read_us < raw->since_us)
            return false;       /* not read since the write yet */
        if (pos.kind == OBP_GTID_NONE || pos.cut)
            return !raw->window;
        raw->want = pos;
        raw->primary = p->server;
    }
    return obp_srvstate_gtid(x->in->shm, r->server, &pos, &read_us) == OBP_OK
           && obp_gtid_covers(&pos, &raw->want);
}

/*
 * The replicas that may serve the read, by LDC class; in the best class
 * one is drawn by weight and ranked alone before the others, so each
 * statement makes its own draw.  False when there is none.  <p>: the
 * set's primary, or NULL.
 */
static bool
add_replicas(struct obp_router_ctx *x, const struct obp_route_replica *r,
             uint32_t n, const struct obp_route_replica *p)
{
    uint32_t rank[OBP_ROUTE_MAX_REPL], best = OBP_ROUTER_NEVER;
    uint64_t sum = 0, pick;
    uint32_t i, chosen = n;

    for (i = 0; i < n && i < OBP_ROUTE_MAX_REPL; i++) {
        rank[i] = obp_router_replica_ok(x, &r[i]) && caught_up(x, p, &r[i])
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

/* The set's servers, "a,b,c", into <buf> for messages. */
static void
set_text(const struct obp_router_ctx *x, const struct obp_route_replica *r,
         uint32_t n, char *buf, size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (uint32_t i = 0; i < n && used < cap; i++) {
        int k = snprintf(buf + used, cap - used, "%s%s", i > 0 ? "," : "",
                         obp_router_server_text(x, r[i].server));

        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/*
 * The set's primary: the declared one, or in a set of role auto the one
 * server writable by the monitor's reading.  NULL with an error in
 * x->out->err (kind left to the caller) when a write has none.
 */
static const struct obp_route_replica *
set_primary(struct obp_router_ctx *x, const struct obp_route_replica *r,
            uint32_t n)
{
    const struct obp_route_replica *w[2] = { NULL, NULL };
    const struct obp_route_replica *p = declared_primary(r, n);
    char set[96];
    uint32_t nw = 0;

    if (n == 0 || r[0].role != OBP_ROUTE_AUTO) {
        if (p == NULL)
            snprintf(x->out->err, sizeof(x->out->err),
                     "no primary is declared for %.64s%s%.64s", x->db,
                     x->db[0] != '\0' ? "." : "", x->table);
        return p;
    }
    for (uint32_t i = 0; i < n; i++)
        if (obp_router_writable(x, &r[i]) && nw++ < 2)
            w[nw - 1] = &r[i];
    if (nw == 1)
        return w[0];
    set_text(x, r, n, set, sizeof(set));
    if (nw == 0)
        snprintf(x->out->err, sizeof(x->out->err), "no primary in the set "
                 "%.80s: no server reports read_only=0 (yet); writes are "
                 "refused", set);
    else
        snprintf(x->out->err, sizeof(x->out->err), "two primaries in the "
                 "set %.40s: %.24s and %.24s report read_only=0; writes "
                 "are refused",
                 set, obp_router_server_text(x, w[0]->server),
                 obp_router_server_text(x, w[1]->server));
    return NULL;
}

/* Why the declared primary <p> takes no write, for the client. */
static const char *
refusal(struct obp_router_ctx *x, const struct obp_route_replica *p)
{
    if (blocked(x, p))
        return "is unreachable (blocked)";
    if (obp_srvstate_dead(x->in->shm, p->server))
        return "is unreachable (detect-dead)";
    return "reports read_only=1";
}

void
obp_router_by_role(struct obp_router_ctx *x,
                   const struct obp_route_replica *r, uint32_t n)
{
    const struct obp_route_replica *p = set_primary(x, r, n);
    bool reads = replica_read(x);

    x->out->roles = true;
    if (reads && add_replicas(x, r, n, p)) {
        x->out->err[0] = '\0';
        if (p != NULL)
            obp_router_add(x, p->server, RANK_PRIMARY);
        obp_router_emit(x, OBP_RT_WEAK);
        return;
    }
    if (p == NULL && reads && n > 0 && r[0].role == OBP_ROUTE_AUTO) {
        char set[96];

        set_text(x, r, n, set, sizeof(set));
        snprintf(x->out->err, sizeof(x->out->err), "no server of the set "
                 "%.80s may serve the read: no replica readable, no primary",
                 set);
    }
    if (p == NULL) {
        x->out->kind = OBP_RT_ERROR;
        return;
    }
    if (!obp_router_writable(x, p) && !reads) {
        snprintf(x->out->err, sizeof(x->out->err),
                 "the primary, server %s, %s: the statement is refused",
                 obp_router_server_text(x, p->server), refusal(x, p));
        x->out->kind = OBP_RT_ERROR;
        return;
    }
    obp_router_add(x, p->server, 0);
    obp_router_emit(x, OBP_RT_LEADER);
}

/* Rank of <r> for a statement any server takes: the writable primary,
   then replicas, then the rest. */
static uint32_t
any_rank(struct obp_router_ctx *x, const struct obp_route_replica *r)
{
    if (r->role == OBP_ROUTE_FOLLOWER)
        return 1;
    if (obp_router_writable(x, r))
        return 0;
    if (r->role == OBP_ROUTE_AUTO && state_of(x, r).read_only == 1)
        return 1;
    return 2;
}

void
obp_router_role_any(struct obp_router_ctx *x,
                    const struct obp_route_replica *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        obp_router_add(x, r[i].server, any_rank(x, &r[i]));
    x->out->roles = true;
    obp_router_emit(x, OBP_RT_TENANT);
}
