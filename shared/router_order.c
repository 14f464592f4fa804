/*
 * The router's candidate ordering (router.h "Order of weak reads",
 * "Blocked"): LDC classes, policies, read-only zones, random order
 * within a rank, and the blocklist.
 */
#include "obp.h"
#include "router_int.h"

#include <strings.h>

uint64_t
obp_router_rand(struct obp_router_ctx *x)
{
    uint64_t s = *x->rng != 0 ? *x->rng : UINT64_C(0x9e3779b97f4a7c15);

    /* xorshift64*: cheap, and plenty to spread sessions */
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    *x->rng = s;
    return s * UINT64_C(0x2545f4914f6cdd1d);
}

void
obp_router_add(struct obp_router_ctx *x, uint16_t server, uint32_t rank)
{
    if (rank == OBP_ROUTER_NEVER || x->ncand >= OBP_ROUTER_WORK)
        return;
    for (unsigned i = 0; i < x->ncand; i++)
        if (x->cand[i].server == server)
            return;
    x->cand[x->ncand].server = server;
    x->cand[x->ncand].rank = rank;
    x->cand[x->ncand].rnd = obp_router_rand(x);
    x->ncand++;
}

/* The proxy's IDC and its region, once per call (router.h). */
static void
ldc_init(struct obp_router_ctx *x)
{
    const char *idc = x->in->session_idc;
    uint32_t    n = obp_route_ldc_count(&x->v);

    if (x->ldc_done)
        return;
    x->ldc_done = true;
    if (idc == NULL || idc[0] == '\0')
        idc = x->in->levels->idc;
    if (idc == NULL || idc[0] == '\0')
        return;
    for (uint32_t i = 0; i < n; i++) {
        const struct obp_route_ldc *l = obp_route_ldc(&x->v, i);

        if (l != NULL && l->idc[0] != '\0' && strcasecmp(l->idc, idc) == 0) {
            x->ldc_on = true;
            x->idc = idc;
            x->region = l->region;
            return;
        }
    }
}

/* 0: same IDC (or LDC off), 1: same region, 2: elsewhere. */
static unsigned
ldc_class(struct obp_router_ctx *x, uint16_t server)
{
    const struct obp_route_ldc *l;

    ldc_init(x);
    if (!x->ldc_on)
        return 0;
    l = obp_route_ldc(&x->v, server);
    if (l == NULL)
        return 2;
    if (strcasecmp(l->idc, x->idc) == 0)
        return 0;
    if (x->region[0] != '\0' && strcasecmp(l->region, x->region) == 0)
        return 1;
    return 2;
}

bool
obp_router_readonly(struct obp_router_ctx *x,
                    const struct obp_route_replica *r)
{
    const struct obp_route_ldc *l = obp_route_ldc(&x->v, r->server);

    return r->type == OBP_ROUTE_READONLY || (l != NULL && l->readonly);
}

/* The session's policy when it names one, else the parameter's. */
static int
policy(const struct obp_router_ctx *x)
{
    const char *s = x->in->session_policy;

    if (s != NULL && s[0] != '\0')
        for (const struct obp_enum *e = obp_enum_route_policy;
             e->name != NULL; e++)
            if (strcasecmp(e->name, s) == 0)
                return e->value;
    return x->in->levels->route_policy;
}

uint32_t
obp_router_weak_rank(struct obp_router_ctx *x,
                     const struct obp_route_replica *r, bool tenant_only)
{
    unsigned cls = ldc_class(x, r->server);
    uint32_t far = cls == 2 ? 1000 : 0, b = cls == 1, t = tenant_only;
    bool     leader = r->role == OBP_ROUTE_LEADER && !tenant_only;

    /* READONLY_ZONE_FIRST replaces the policy (ODP-REFERENCE 7.3) */
    if (obp_route_set_flags(&x->v) & OBP_ROUTE_SET_READONLY_ZONE)
        return far + t * 100 + !obp_router_readonly(x, r) * 10 + b;
    switch (policy(x)) {
    case OBP_POLICY_FOLLOWER_ONLY:
        return leader ? OBP_ROUTER_NEVER : far + t * 100 + b;
    case OBP_POLICY_FOLLOWER_FIRST:
    case OBP_POLICY_UNMERGE_FOLLOWER_FIRST:
        return far + (t ? 200 : leader ? 100 : 0) + b;
    default:
        return far + t * 100 + b;
    }
}

uint32_t
obp_router_strong_rank(struct obp_router_ctx *x,
                       const struct obp_route_replica *r)
{
    if (obp_router_readonly(x, r))
        return OBP_ROUTER_NEVER;
    if (r->role == OBP_ROUTE_LEADER)
        return 0;
    return 1 + ldc_class(x, r->server);
}

static bool
before(const struct obp_router_cand *a, const struct obp_router_cand *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->rnd < b->rnd);
}

/* Candidate <i> goes out; those of the first one's rank are the best. */
static void
emit_one(struct obp_router_ctx *x, unsigned i)
{
    struct obp_router_out *out = x->out;

    if (out->n == 0 || (out->best == out->n
                        && x->cand[i].rank == x->best_rank))
        out->best++;
    if (out->n == 0)
        x->best_rank = x->cand[i].rank;
    out->server[out->n++] = x->cand[i].server;
}

void
obp_router_emit(struct obp_router_ctx *x, enum obp_router_kind kind)
{
    struct obp_router_out *out = x->out;
    unsigned               i, j, live = 0;

    /* insertion sort: a few dozen at most */
    for (i = 1; i < x->ncand; i++) {
        struct obp_router_cand c = x->cand[i];

        for (j = i; j > 0 && before(&c, &x->cand[j - 1]); j--)
            x->cand[j] = x->cand[j - 1];
        x->cand[j] = c;
    }
    out->kind = kind;
    out->n = 0;
    out->best = 0;
    for (i = 0; i < x->ncand && out->n < OBP_ROUTER_MAX_CAND; i++) {
        if (obp_bl_blocked(x->in->shm, x->cand[i].server, x->in->now_us,
                           x->in->conf))
            continue;
        emit_one(x, i);
        live++;
    }
    if (live > 0)
        return;
    for (i = 0; i < x->ncand && out->n < OBP_ROUTER_MAX_CAND; i++)
        emit_one(x, i);
}
