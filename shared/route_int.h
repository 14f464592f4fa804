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

struct obp_route_ctl *obp_route_ctl(const struct obp_shm *shm);

/* The bank generation <generation> lives in. */
char *obp_route_bank(const struct obp_shm *shm, uint64_t generation);

uint32_t obp_route_hash(uint32_t kind, const struct obp_route_name names[4]);

void obp_route_key_names(const struct obp_route_key *key,
                         struct obp_route_name names[4]);

/* Whether <e> is the entry of kind and names. */
bool obp_route_entry_is(const struct obp_route_entry *e, uint32_t kind,
                        const struct obp_route_name names[4]);

#endif
