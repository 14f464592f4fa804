/*
 * The servers' handshake in the segment (srvinfo.h).  The state word is
 * claimed with a compare-and-swap holding the writer's pid, so readers
 * see the fields only once they are whole, and a writer killed midway
 * leaves a pid that no longer lives, which the next writer takes over.
 */
#include "obp.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static bool
claim(struct obp_shm_srvinfo *si)
{
    uint32_t seen = atomic_load_explicit(&si->state, memory_order_acquire);
    uint32_t me = (uint32_t)getpid();

    if (seen == OBP_SHM_SRVINFO_READY)
        return false;
    /* 0, or a writer that died: its pid no longer names a process */
    if (seen != 0 && !(kill((pid_t)seen, 0) == -1 && errno == ESRCH))
        return false;
    return atomic_compare_exchange_strong_explicit(&si->state, &seen, me,
                                                   memory_order_acquire,
                                                   memory_order_relaxed);
}

void
obp_srvinfo_learn(const struct obp_shm *shm, const struct obp_handshake *hs)
{
    struct obp_shm_srvinfo *si = &shm->hdr->srvinfo;

    if (!claim(si))
        return;
    si->caps = hs->caps;
    si->ext_caps = hs->ext_caps;
    obp_strlcpy(si->version, hs->version, sizeof(si->version));
    atomic_store_explicit(&si->state, OBP_SHM_SRVINFO_READY,
                          memory_order_release);
}

bool
obp_srvinfo_get(const struct obp_shm *shm, struct obp_srvinfo *out)
{
    const struct obp_shm_srvinfo *si = &shm->hdr->srvinfo;

    if (atomic_load_explicit(&si->state, memory_order_acquire)
        != OBP_SHM_SRVINFO_READY)
        return false;
    out->caps = si->caps;
    out->ext_caps = si->ext_caps;
    memcpy(out->version, si->version, sizeof(out->version));
    out->version[sizeof(out->version) - 1] = '\0';
    return true;
}
