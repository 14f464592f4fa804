/*
 * Client session ids (sessid.h): each worker owns a generator whose ids
 * carry the proxy id, the upgrade bit and the worker slot above a
 * wrapping sequence.  Used by the worker at accept and by KILL to find
 * the worker that holds a session.
 */
#include "obp.h"

#define SESSID_PROXY_SHIFT  18
#define SESSID_PROXY_MAX    8191u
#define SESSID_UPGRADE_BIT  17
#define SESSID_LOW_BITS     17      /* slot and sequence share these */
#define SESSID_SLOTS_MAX    128u

/* Bits that hold a slot number below <nslots>: 0 for a single slot. */
static unsigned
slot_bits(unsigned nslots)
{
    unsigned bits = 0;
    unsigned top;

    if (nslots <= 1)
        return 0;
    for (top = nslots - 1; top != 0; top >>= 1)
        bits++;
    return bits;
}

int
obp_sessid_init(struct obp_sessid_gen *g, unsigned proxy_id,
                unsigned upgrade_bit, unsigned slot, unsigned nslots)
{
    if (proxy_id > SESSID_PROXY_MAX || nslots > SESSID_SLOTS_MAX
        || slot >= nslots)
        return OBP_ERROR;
    g->seq_bits = SESSID_LOW_BITS - slot_bits(nslots);
    g->prefix = (uint32_t)proxy_id << SESSID_PROXY_SHIFT
                | (uint32_t)(upgrade_bit & 1) << SESSID_UPGRADE_BIT
                | (uint32_t)slot << g->seq_bits;
    g->seq = 0;
    return OBP_OK;
}

uint32_t
obp_sessid_next(struct obp_sessid_gen *g)
{
    uint32_t mask = ((uint32_t)1 << g->seq_bits) - 1;

    g->seq = (g->seq + 1) & mask;
    /* Only proxy 0, upgrade bit 0, slot 0 can reach id 0: MySQL clients
     * treat connection id 0 as none. */
    if ((g->prefix | g->seq) == 0)
        g->seq = 1;
    return g->prefix | g->seq;
}

unsigned
obp_sessid_proxy(uint32_t id)
{
    return (unsigned)(id >> SESSID_PROXY_SHIFT) & SESSID_PROXY_MAX;
}

unsigned
obp_sessid_upgrade_bit(uint32_t id)
{
    return (unsigned)(id >> SESSID_UPGRADE_BIT) & 1;
}

unsigned
obp_sessid_slot(uint32_t id, unsigned nslots)
{
    unsigned bits;

    /* More slots than init accepts cannot have made <id>; stay in range. */
    bits = slot_bits(nslots < SESSID_SLOTS_MAX ? nslots : SESSID_SLOTS_MAX);
    if (bits == 0)
        return 0;
    return (unsigned)(id >> (SESSID_LOW_BITS - bits)) & ((1u << bits) - 1);
}
