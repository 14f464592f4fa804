/*
 * What the servers announce, shown to clients as the proxy's own: the
 * version string and the capabilities of the first server handshake a
 * worker reads, kept in the segment's header (struct obp_shm_srvinfo)
 * for every worker and the next generation.  srvlogin.c learns it,
 * clogin.c builds the client's handshake from it.
 */
#ifndef OBP_SHARED_SRVINFO_H
#define OBP_SHARED_SRVINFO_H

#include <stdbool.h>
#include <stdint.h>

#define OBP_SHM_SRVINFO_READY UINT32_MAX

struct obp_shm;
struct obp_handshake;

struct obp_srvinfo {
    char     version[64];
    uint32_t caps;
    uint32_t ext_caps;
};

/*
 * Keeps <hs>'s version and capabilities when nothing is kept yet.  One
 * worker writes; a writer that died before it finished is replaced.
 */
void obp_srvinfo_learn(const struct obp_shm *shm,
                       const struct obp_handshake *hs);

/* The kept handshake into <out>; false while none is kept. */
bool obp_srvinfo_get(const struct obp_shm *shm, struct obp_srvinfo *out);

#endif
