/*
 * Metadata requests: how a worker asks the monitor's OceanBase source
 * (monitor/obmeta.h) for a table or a tenant the route cache does not
 * hold yet.  A fixed table of OBP_MREQ_SLOTS slots in the shared
 * segment, one request each:
 *
 *   FREE --worker CAS--> FILLING --names written--> PENDING
 *   PENDING --monitor CAS--> TAKEN --fetched, published--> FREE
 *
 * A worker that misses first looks for the same key PENDING or TAKEN
 * (so however many sessions ask, one lookup is under way per table) and
 * otherwise claims a free slot.  Each claim bumps the slot's ticket: a
 * statement waiting for its table (obp_mreq_waiting) knows its request
 * is over once the slot no longer holds that ticket's request.  No
 * lock: a worker killed while FILLING leaves a slot the monitor frees
 * after it saw the same ticket FILLING for a second (obp_mreq_take).
 * Names longer than a slot holds are not requested.
 */
#ifndef OBP_SHARED_MREQ_H
#define OBP_SHARED_MREQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "route.h"

struct obp_shm;

#define OBP_MREQ_SLOTS     64
#define OBP_MREQ_DIRTY     0x100    /* or'ed into a kind: the entry is
                                       stale, read it again (5.9) */
#define OBP_MREQ_NAMES     992      /* bytes of the four names */

enum obp_mreq_state {
    OBP_MREQ_FREE = 0,
    OBP_MREQ_FILLING,
    OBP_MREQ_PENDING,
    OBP_MREQ_TAKEN
};

struct obp_shm_mreq {
    _Atomic uint32_t state;         /* enum obp_mreq_state */
    _Atomic uint32_t ticket;        /* bumped by each claim */
    int64_t          since_us;      /* when it was asked */
    uint32_t         kind;          /* enum obp_route_kind */
    uint16_t         len[4];        /* cluster, tenant, database, table */
    char             names[OBP_MREQ_NAMES];  /* the four, no NULs */
    uint8_t          pad[4];
};

/* A request a worker waits for. */
struct obp_mreq_ticket {
    uint32_t slot;
    uint32_t ticket;
};

/* A request the monitor took: NUL-terminated names. */
struct obp_mreq_req {
    uint32_t slot;
    uint32_t kind;                  /* enum obp_route_kind, with
                                       OBP_MREQ_DIRTY */
    int64_t  since_us;
    char     cluster[OBP_ROUTE_NAME_MAX + 1];
    char     tenant[OBP_ROUTE_NAME_MAX + 1];
    char     database[OBP_ROUTE_NAME_MAX + 1];
    char     table[OBP_ROUTE_NAME_MAX + 1];
};

/*
 * Asks for the entry of <kind> and <key> (tenant entries: empty database
 * and table), or joins the request already under way: OBP_OK with <t>
 * set, OBP_ERROR when the names do not fit a slot or every slot is in
 * use (the statement routes without it).
 */
int obp_mreq_post(const struct obp_shm *shm, uint32_t kind,
                  const struct obp_route_key *key, int64_t now_us,
                  struct obp_mreq_ticket *t);

/* Whether the request of <t> is still asked or being fetched. */
bool obp_mreq_waiting(const struct obp_shm *shm,
                      const struct obp_mreq_ticket *t);

/*
 * Monitor only: takes the next PENDING request from slot *<pos> on into
 * <out> (TAKEN, *<pos> past it): OBP_OK, or OBP_DONE past the last slot.
 * Frees on the way a slot seen FILLING under the same ticket at least a
 * second ago (<seen>: OBP_MREQ_SLOTS tickets and times, the caller's,
 * zeroed at first).
 */
struct obp_mreq_seen {
    uint32_t ticket[OBP_MREQ_SLOTS];
    int64_t  at_us[OBP_MREQ_SLOTS];
};

int obp_mreq_take(const struct obp_shm *shm, unsigned *pos, int64_t now_us,
                  struct obp_mreq_seen *seen, struct obp_mreq_req *out);

/*
 * Monitor only, when its source starts: requests a monitor before it
 * took (and died with, or hands over) are PENDING again.
 */
void obp_mreq_requeue(const struct obp_shm *shm);

/* Monitor only: request <slot> is answered (published or not found). */
void obp_mreq_done(const struct obp_shm *shm, uint32_t slot);

#endif
