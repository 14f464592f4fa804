/*
 * Internals shared by the router's decision (router.c), its key values
 * (router_key.c) and its candidate ordering (router_order.c); router.h is
 * the contract.  One context per call, on the caller's stack.
 */
#ifndef OBP_SHARED_ROUTER_INT_H
#define OBP_SHARED_ROUTER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "router.h"

/* Candidates before ordering: a leaf's replicas and the tenant's. */
#define OBP_ROUTER_WORK   (2 * OBP_ROUTE_MAX_REPL)
#define OBP_ROUTER_NEVER  UINT32_MAX    /* a rank: not a candidate */
#define OBP_ROUTER_SCRATCH 2048         /* unescaped key strings */

struct obp_router_cand {
    uint16_t server;
    uint32_t rank;                      /* lower first */
    uint64_t rnd;                       /* random order within a rank */
};

struct obp_router_ctx {
    const struct obp_router_in   *in;
    struct obp_router_out        *out;
    uint64_t                     *rng;
    struct obp_route_view         v;
    const struct obp_route_entry *e;    /* the table's, or NULL */
    const struct obp_route_entry *roles;/* the tenant's when its servers
                                           have roles, else NULL */
    char                          db[OBP_ROUTE_NAME_MAX + 1];
    char                          table[OBP_ROUTE_NAME_MAX + 1];
    bool                          ldc_done; /* idc and region looked up */
    bool                          ldc_on;
    const char                   *idc;
    const char                   *region;
    uint32_t                      best_rank; /* of out->server[0] */
    unsigned                      ncand;
    struct obp_router_cand        cand[OBP_ROUTER_WORK];
    size_t                        scratch_used;
    char                          scratch[OBP_ROUTER_SCRATCH];
    struct obp_sql_class          c;    /* the statement, last: large */
};

/*
 * <n> (a name as the SQL wrote it) without its doubled quotes, in ASCII
 * lower case, into <buf> (<cap> bytes, NUL-terminated); false when it
 * does not fit.
 */
bool obp_router_fold(const struct obp_sql_name *n, char *buf, size_t cap);

/*
 * The leaf partition the statement's key values give in x->e (which may
 * classify the statement again, following the table's key columns), or
 * -1: no usable key, values in several leaves, or no partition.
 */
int32_t obp_router_leaf(struct obp_router_ctx *x);

/* The next pseudo-random number of the call's state. */
uint64_t obp_router_rand(struct obp_router_ctx *x);

/* Server <idx>'s address for a message ("?" when unknown). */
const char *obp_router_server_text(const struct obp_router_ctx *x,
                                   uint16_t idx);

/* Adds server <server> at <rank> (NEVER: not), unless it is there. */
void obp_router_add(struct obp_router_ctx *x, uint16_t server,
                    uint32_t rank);

/* Rank of a replica (or, <tenant_only>, a tenant server without one)
   for a weak read (router.h "Order of weak reads"). */
uint32_t obp_router_weak_rank(struct obp_router_ctx *x,
                              const struct obp_route_replica *r,
                              bool tenant_only);

/* Rank of a follower for a strong read: after the leader, by LDC class;
   NEVER for a read-only zone or replica. */
uint32_t obp_router_strong_rank(struct obp_router_ctx *x,
                                const struct obp_route_replica *r);

/* Whether <r> is a read-only replica or in a read-only zone. */
bool obp_router_readonly(struct obp_router_ctx *x,
                         const struct obp_route_replica *r);

/*
 * Roles (router_role.c): whether server <r> may take writes (the
 * declared primary, or in a set of role auto a server the monitor reads
 * read_only 0 from; not blocked, not detect-dead, not read_only 1) and
 * whether it may serve reads as a replica (not blocked, not detect-dead,
 * its SQL thread running and its lag within ob_max_read_stale_time; in a
 * set of role auto, read_only 1).  The one place that reads what the
 * monitor learns of a server (srvstate.h).
 */
bool obp_router_writable(struct obp_router_ctx *x,
                         const struct obp_route_replica *r);
bool obp_router_replica_ok(struct obp_router_ctx *x,
                           const struct obp_route_replica *r);

/* Whether <r>[0..n) has a declared primary (role LEADER) or is a set
   of role auto. */
bool obp_router_has_roles(const struct obp_route_replica *r, uint32_t n);

/* A statement that only needs a server (SET, USE...): the primary,
   else a replica. */
void obp_router_role_any(struct obp_router_ctx *x,
                         const struct obp_route_replica *r, uint32_t n);

/* Routes the statement among the primary and replicas <r>[0..n). */
void obp_router_by_role(struct obp_router_ctx *x,
                        const struct obp_route_replica *r, uint32_t n);

/*
 * Orders the candidates, leaves blocked ones out (all of them kept when
 * every one is blocked) and writes the first OBP_ROUTER_MAX_CAND into
 * x->out with <kind>.
 */
void obp_router_emit(struct obp_router_ctx *x, enum obp_router_kind kind);

#endif
