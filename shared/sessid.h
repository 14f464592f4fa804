/*
 * Client session ids, the MySQL connection id a client sees.  Layout of
 * ODP's client_session_id_version 2 (ODP-REFERENCE 9.2), 32 bits:
 *
 *   bit 31      0 (server session ids have it set)
 *   bits 30-18  proxy_id (0..8191)
 *   bit 17      upgrade bit: flips across a hot upgrade
 *   next T bits worker slot, T = bits needed for nslots - 1 (0 for one)
 *   the rest    a per-worker sequence
 *
 * So an id names its proxy and its worker: KILL through any worker finds
 * the one holding the session.
 */
#ifndef OBP_SHARED_SESSID_H
#define OBP_SHARED_SESSID_H

#include <stdint.h>

struct obp_sessid_gen {
    uint32_t prefix;        /* proxy_id, upgrade bit and slot, in place */
    unsigned seq_bits;
    uint32_t seq;           /* last sequence handed out */
};

/* OBP_ERROR when proxy_id > 8191 or slot >= nslots or nslots > 128. */
int obp_sessid_init(struct obp_sessid_gen *g, unsigned proxy_id,
                    unsigned upgrade_bit, unsigned slot, unsigned nslots);

/* The next id; the sequence wraps, skipping 0. */
uint32_t obp_sessid_next(struct obp_sessid_gen *g);

unsigned obp_sessid_proxy(uint32_t id);
unsigned obp_sessid_upgrade_bit(uint32_t id);
unsigned obp_sessid_slot(uint32_t id, unsigned nslots);

#endif
