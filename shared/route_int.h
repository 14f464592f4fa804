/*
 * Internals shared by the route cache's reader (route.c) and builder
 * (route_build.c); route.h is the contract.
 */
#ifndef OBP_SHARED_ROUTE_INT_H
#define OBP_SHARED_ROUTE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"

/* Offsets inside a bank are 32-bit. */
#define ROUTE_BANK_MAX  (UINT64_C(0xffffffff) & ~(uint64_t)(OBP_SHM_ALIGN - 1))

#define ROUND8(n)       (((uint64_t)(n) + 7) & ~(uint64_t)7)
#define ROUTE_SET_HDR   ROUND8(sizeof(struct obp_route_set))

struct obp_route_ctl *obp_route_ctl(const struct obp_shm *shm);

/* Bytes of one entry in a bank, its arrays included (8-aligned). */
uint64_t obp_route_entry_bytes(const struct obp_route_name names[4],
                               const struct obp_part_desc *part,
                               size_t nleaves, uint64_t nreplicas);

/* Slots of the hash index of <nentries> entries: at most half full. */
uint64_t obp_route_index_slots(uint32_t nentries);

/* The bank generation <generation> lives in. */
char *obp_route_bank(const struct obp_shm *shm, uint64_t generation);

uint32_t obp_route_hash(uint32_t kind, const struct obp_route_name names[4]);

void obp_route_key_names(const struct obp_route_key *key,
                         struct obp_route_name names[4]);

/* Whether <e> is the entry of kind and names. */
bool obp_route_entry_is(const struct obp_route_entry *e, uint32_t kind,
                        const struct obp_route_name names[4]);

#endif
