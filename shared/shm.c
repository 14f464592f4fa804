/*
 * The shared segment (shm.h): its layout, creation as a memfd by the
 * master, attachment of an inherited one (hot upgrade) after checking it
 * was laid out by a binary like this one, and the stats reader.  Workers
 * only use the mapping they inherit.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_ROUTE_UNIT  4096
#define SHM_ROUTE_MAX   (UINT64_C(1) << 48)     /* keeps the sums exact */

static uint64_t
round_up(uint64_t v, uint64_t unit)
{
    return (v + unit - 1) / unit * unit;
}

static uint64_t
page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);

    return ps > 0 ? (uint64_t)ps : 4096;
}

/* Places a region at the next aligned offset; returns the offset after. */
static uint64_t
place(struct obp_shm_region *r, uint64_t off, uint64_t nitems,
      uint64_t item_size)
{
    r->off = round_up(off, OBP_SHM_ALIGN);
    r->nitems = nitems;
    r->item_size = item_size;
    r->size = nitems * item_size;
    return r->off + r->size;
}

uint32_t
obp_shm_layout_version(void)
{
    const char *test = getenv("OBPROXY_TEST_SHM_LAYOUT");
    char       *end;
    long        v;

    if (test == NULL || *test == '\0')
        return OBP_SHM_LAYOUT_VERSION;
    v = strtol(test, &end, 10);
    return *end == '\0' && v > 0 && v <= INT32_MAX ? (uint32_t)v
                                                   : OBP_SHM_LAYOUT_VERSION;
}

int
obp_shm_layout(struct obp_shm_hdr *hdr, uint32_t nworkers,
               uint64_t route_bytes)
{
    uint64_t end;

    if (nworkers < 1 || nworkers > OBP_SHM_MAX_WORKERS
        || route_bytes < SHM_ROUTE_UNIT || route_bytes > SHM_ROUTE_MAX) {
        errno = EINVAL;
        return OBP_ERROR;
    }
    memset(hdr, 0, sizeof(*hdr));
    hdr->magic = OBP_SHM_MAGIC;
    hdr->layout_version = obp_shm_layout_version();
    hdr->hdr_size = sizeof(*hdr);
    hdr->nworkers = nworkers;
    end = place(&hdr->workers, sizeof(*hdr), nworkers,
                sizeof(struct obp_shm_worker));
    end = place(&hdr->servers, end, OBP_SHM_MAX_SERVERS,
                sizeof(struct obp_shm_server));
    end = place(&hdr->routes, end, round_up(route_bytes, SHM_ROUTE_UNIT), 1);
    end = place(&hdr->sessions, end,
                (uint64_t)nworkers * OBP_SHM_SESS_PER_WORKER,
                sizeof(struct obp_shm_sess));
    end = place(&hdr->tenants, end, OBP_SQLSTAT_TENANTS,
                sizeof(struct obp_shm_tenant));
    end = place(&hdr->sqlstats, end, nworkers,
                sizeof(struct obp_shm_sqlstat));
    end = place(&hdr->gtids, end, OBP_SHM_MAX_SERVERS,
                sizeof(struct obp_shm_gtid));
    end = place(&hdr->mreqs, end, OBP_MREQ_SLOTS,
                sizeof(struct obp_shm_mreq));
    hdr->total_size = round_up(end, page_size());
    return OBP_OK;
}

int
obp_shm_create(struct obp_shm *shm, uint32_t nworkers, uint64_t route_bytes)
{
    struct obp_shm_hdr  layout;
    struct obp_shm_hdr *hdr;
    int                 fd, err;

    shm->fd = -1;
    shm->size = 0;
    shm->hdr = NULL;
    if (obp_shm_layout(&layout, nworkers, route_bytes) == OBP_ERROR)
        return OBP_ERROR;
    fd = memfd_create("obproxy-shm", MFD_CLOEXEC);
    if (fd == -1)
        return OBP_ERROR;
    /* ftruncate() hands out zeroed pages: every slot starts empty. */
    if (ftruncate(fd, (off_t)layout.total_size) == -1)
        goto failed;
    hdr = mmap(NULL, layout.total_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               fd, 0);
    if (hdr == MAP_FAILED)
        goto failed;
    memcpy(hdr, &layout, sizeof(layout));
    atomic_store_explicit(&hdr->generation, 1, memory_order_relaxed);
    shm->fd = fd;
    shm->size = layout.total_size;
    shm->hdr = hdr;
    return OBP_OK;

failed:
    err = errno;
    close(fd);
    errno = err;
    return OBP_ERROR;
}

/* An array of <item_size> items, aligned, after the header, in the file. */
static bool
region_ok(const struct obp_shm_region *r, uint64_t item_size,
          uint64_t total)
{
    return r->item_size == item_size
           && r->off % OBP_SHM_ALIGN == 0
           && r->off >= sizeof(struct obp_shm_hdr) && r->off <= total
           && r->nitems <= total / item_size
           && r->size == r->nitems * item_size
           && r->size <= total - r->off;
}

/* NULL when the segment matches this binary, else what does not. */
static const char *
check_hdr(const struct obp_shm_hdr *h, uint64_t size)
{
    if (h->magic != OBP_SHM_MAGIC)
        return "bad magic";
    if (h->layout_version != obp_shm_layout_version())
        return "another layout version";
    if (h->hdr_size != sizeof(*h))
        return "another header size";
    if (h->total_size != size)
        return "a size that is not the file's";
    if (h->nworkers < 1 || h->nworkers > OBP_SHM_MAX_WORKERS
        || h->workers.nitems != h->nworkers)
        return "a bad worker count";
    if (!region_ok(&h->workers, sizeof(struct obp_shm_worker), size)
        || !region_ok(&h->servers, sizeof(struct obp_shm_server), size)
        || !region_ok(&h->routes, 1, size)
        || !region_ok(&h->sessions, sizeof(struct obp_shm_sess), size)
        || h->sessions.nitems
           != (uint64_t)h->nworkers * OBP_SHM_SESS_PER_WORKER
        || !region_ok(&h->tenants, sizeof(struct obp_shm_tenant), size)
        || h->tenants.nitems != OBP_SQLSTAT_TENANTS
        || !region_ok(&h->sqlstats, sizeof(struct obp_shm_sqlstat), size)
        || h->sqlstats.nitems != h->nworkers
        || !region_ok(&h->gtids, sizeof(struct obp_shm_gtid), size)
        || h->gtids.nitems != OBP_SHM_MAX_SERVERS
        || !region_ok(&h->mreqs, sizeof(struct obp_shm_mreq), size)
        || h->mreqs.nitems != OBP_MREQ_SLOTS)
        return "a bad region";
    return NULL;
}

int
obp_shm_attach(struct obp_shm *shm, int fd)
{
    struct stat         st;
    struct obp_shm_hdr *hdr;
    const char         *bad;

    shm->fd = -1;
    shm->size = 0;
    shm->hdr = NULL;
    if (fstat(fd, &st) == -1)
        return OBP_ERROR;
    if (st.st_size < (off_t)sizeof(*hdr)) {
        obp_log(OBP_LOG_INFO, 0, 0, "shared segment fd %d: too small (%lld "
                "bytes)", fd, (long long)st.st_size);
        errno = EPROTO;
        return OBP_ERROR;
    }
    hdr = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               fd, 0);
    if (hdr == MAP_FAILED)
        return OBP_ERROR;
    bad = check_hdr(hdr, (uint64_t)st.st_size);
    if (bad != NULL) {
        obp_log(OBP_LOG_INFO, 0, 0, "shared segment fd %d: %s (layout "
                "version %u, this binary %u)", fd, bad, hdr->layout_version,
                obp_shm_layout_version());
        munmap(hdr, (size_t)st.st_size);
        errno = EPROTO;
        return OBP_ERROR;
    }
    shm->fd = fd;
    shm->size = (size_t)st.st_size;
    shm->hdr = hdr;
    return OBP_OK;
}

void
obp_shm_detach(struct obp_shm *shm)
{
    if (shm->hdr != NULL)
        munmap(shm->hdr, shm->size);
    if (shm->fd != -1)
        close(shm->fd);
    shm->fd = -1;
    shm->size = 0;
    shm->hdr = NULL;
}

struct obp_shm_worker *
obp_shm_worker(const struct obp_shm *shm, unsigned slot)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;

    if (h == NULL || slot >= h->workers.nitems)
        return NULL;
    return (struct obp_shm_worker *)((char *)h + h->workers.off
                                     + slot * h->workers.item_size);
}

struct obp_shm_server *
obp_shm_server(const struct obp_shm *shm, unsigned idx)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;

    if (h == NULL || idx >= h->servers.nitems)
        return NULL;
    return (struct obp_shm_server *)((char *)h + h->servers.off
                                     + idx * h->servers.item_size);
}

struct obp_shm_sess *
obp_shm_sess(const struct obp_shm *shm, unsigned slot, unsigned idx)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;
    uint64_t            i = (uint64_t)slot * OBP_SHM_SESS_PER_WORKER + idx;

    if (h == NULL || idx >= OBP_SHM_SESS_PER_WORKER
        || i >= h->sessions.nitems)
        return NULL;
    return (struct obp_shm_sess *)((char *)h + h->sessions.off
                                   + i * h->sessions.item_size);
}

struct obp_shm_tenant *
obp_shm_tenants(const struct obp_shm *shm)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;

    return h != NULL ? (struct obp_shm_tenant *)((char *)h + h->tenants.off)
                     : NULL;
}

struct obp_shm_gtid *
obp_shm_gtid(const struct obp_shm *shm, unsigned idx)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;

    if (h == NULL || idx >= h->gtids.nitems)
        return NULL;
    return (struct obp_shm_gtid *)((char *)h + h->gtids.off
                                   + idx * h->gtids.item_size);
}

struct obp_shm_sqlstat *
obp_shm_sqlstat(const struct obp_shm *shm, unsigned slot)
{
    struct obp_shm_hdr *h = shm != NULL ? shm->hdr : NULL;

    if (h == NULL || slot >= h->sqlstats.nitems)
        return NULL;
    return (struct obp_shm_sqlstat *)((char *)h + h->sqlstats.off
                                      + slot * h->sqlstats.item_size);
}

void
obp_shm_stats_sum(const struct obp_shm *shm, uint64_t out[OBP_STAT_COUNT])
{
    struct obp_shm_worker *w;

    memset(out, 0, OBP_STAT_COUNT * sizeof(out[0]));
    for (unsigned slot = 0; (w = obp_shm_worker(shm, slot)) != NULL; slot++)
        for (int i = 0; i < OBP_STAT_COUNT; i++)
            out[i] += atomic_load_explicit(&w->stat[i],
                                           memory_order_relaxed);
    /* the monitor evicts, and has no slot: its count is the route
       cache's own */
    if (shm->hdr->routes.size >= sizeof(struct obp_route_ctl))
        out[OBP_STAT_route_evicted] += obp_route_evictions(shm);
}
