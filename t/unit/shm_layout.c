/*
 * The shared segment's layout against a checked-in table (a struct that
 * changed without an OBP_SHM_LAYOUT_VERSION bump fails here), the layout
 * computation, create/attach and their refusals, per-worker counters
 * summed across a fork, and the master -> worker channel.
 */
#include "obp.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

struct row {
    const char *name;
    size_t      off;
    size_t      size;
};

/* Layout version 17.  Change it only together with OBP_SHM_LAYOUT_VERSION. */
#define EXPECTED_LAYOUT_VERSION 17

static const struct row expected[] = {
    { "obp_shm_region.off", 0, 8 },
    { "obp_shm_region.size", 8, 8 },
    { "obp_shm_region.nitems", 16, 8 },
    { "obp_shm_region.item_size", 24, 8 },
    { "sizeof obp_shm_region", 0, 32 },
    { "obp_shm_hdr.magic", 0, 8 },
    { "obp_shm_hdr.layout_version", 8, 4 },
    { "obp_shm_hdr.hdr_size", 12, 4 },
    { "obp_shm_hdr.total_size", 16, 8 },
    { "obp_shm_hdr.generation", 24, 8 },
    { "obp_shm_hdr.nworkers", 32, 4 },
    { "obp_shm_hdr.reserved", 36, 4 },
    { "obp_shm_hdr.workers", 40, 32 },
    { "obp_shm_hdr.servers", 72, 32 },
    { "obp_shm_hdr.routes", 104, 32 },
    { "obp_shm_hdr.sessions", 136, 32 },
    { "obp_shm_hdr.srvinfo", 168, 80 },
    { "obp_shm_hdr.tenants", 248, 32 },
    { "obp_shm_hdr.sqlstats", 280, 32 },
    { "obp_shm_hdr.gtids", 312, 32 },
    { "obp_shm_hdr.mreqs", 344, 32 },
    { "sizeof obp_shm_hdr", 0, 376 },
    { "obp_shm_srvinfo.state", 0, 4 },
    { "obp_shm_srvinfo.caps", 4, 4 },
    { "obp_shm_srvinfo.ext_caps", 8, 4 },
    { "obp_shm_srvinfo.version", 16, 64 },
    { "obp_shm_worker.pid", 0, 4 },
    { "obp_shm_worker.state", 4, 4 },
    { "obp_shm_worker.started_us", 8, 8 },
    { "obp_shm_worker.restarts", 16, 8 },
    { "obp_shm_worker.stat", 24, 320 },
    { "obp_shm_worker.route_gen", 344, 8 },
    { "obp_shm_worker.srv_open", 352, 256 },
    { "obp_shm_worker.srv_parked", 608, 256 },
    { "obp_shm_worker.srv_failed", 864, 512 },
    { "obp_shm_worker.pad", 1376, 32 },
    { "sizeof obp_shm_worker", 0, 1408 },
    { "obp_shm_server.seq", 0, 4 },
    { "obp_shm_server.state", 4, 4 },
    { "obp_shm_server.addr", 8, 64 },
    { "obp_shm_server.zone", 72, 32 },
    { "obp_shm_server.region", 104, 32 },
    { "obp_shm_server.idc", 136, 32 },
    { "obp_shm_server.fail_count", 168, 4 },
    { "obp_shm_server.ob_state", 172, 4 },
    { "obp_shm_server.fail_window_us", 176, 8 },
    { "obp_shm_server.dead_since_us", 184, 8 },
    { "obp_shm_server.retry_at_us", 192, 8 },
    { "obp_shm_server.detect", 200, 4 },
    { "obp_shm_server.detect_fails", 204, 4 },
    { "obp_shm_server.detect_since_us", 208, 8 },
    { "obp_shm_server.probe_us", 216, 8 },
    { "obp_shm_server.lag_us", 224, 8 },
    { "obp_shm_server.read_only", 232, 4 },
    { "obp_shm_server.repl", 236, 4 },
    { "obp_shm_server.pad", 240, 16 },
    { "sizeof obp_shm_server", 0, 256 },
    { "obp_shm_sess.seq", 0, 4 },
    { "obp_shm_sess.kill", 4, 4 },
    { "obp_shm_sess.kill_query", 8, 4 },
    { "obp_shm_sess.kill_server", 12, 4 },
    { "obp_shm_sess.id", 16, 4 },
    { "obp_shm_sess.pid", 20, 4 },
    { "obp_shm_sess.srv_thread", 24, 4 },
    { "obp_shm_sess.admin", 28, 1 },
    { "obp_shm_sess.ssl", 29, 1 },
    { "obp_shm_sess.in_trans", 30, 1 },
    { "obp_shm_sess.flags", 31, 1 },
    { "obp_shm_sess.srv_addr", 32, 64 },
    { "obp_shm_sess.user", 96, 128 },
    { "obp_shm_sess.tenant", 224, 64 },
    { "obp_shm_sess.cluster", 288, 64 },
    { "obp_shm_sess.client", 352, 64 },
    { "obp_shm_sess.db", 416, 64 },
    { "obp_shm_sess.login_us", 480, 8 },
    { "obp_shm_sess.nsrv", 488, 4 },
    { "obp_shm_sess.pad", 492, 20 },
    { "sizeof obp_shm_sess", 0, 512 },
    { "obp_shm_tenant.state", 0, 4 },
    { "obp_shm_tenant.cluster", 8, 64 },
    { "obp_shm_tenant.tenant", 72, 64 },
    { "sizeof obp_shm_tenant", 0, 192 },
    { "obp_shm_gtid.seq", 0, 4 },
    { "obp_shm_gtid.read_us", 8, 8 },
    { "obp_shm_gtid.pos", 16, 264 },
    { "obp_shm_gtid.pad", 280, 40 },
    { "sizeof obp_shm_gtid", 0, 320 },
    { "obp_gtid_set.kind", 0, 1 },
    { "obp_gtid_set.n", 1, 1 },
    { "obp_gtid_set.cut", 2, 1 },
    { "obp_gtid_set.src", 8, 256 },
    { "sizeof obp_gtid_src", 0, 32 },
    { "obp_sqlstat_row.requests", 0, 1600 },
    { "obp_sqlstat_row.cost_us", 1600, 600 },
    { "obp_sqlstat_row.buckets", 2200, 120 },
    { "obp_sqlstat_row.total_us", 2320, 8 },
    { "obp_sqlstat_row.transactions", 2328, 8 },
    { "obp_sqlstat_row.sessions", 2336, 16 },
    { "obp_sqlstat_row.logins", 2352, 16 },
    { "sizeof obp_sqlstat_row", 0, 2368 },
    { "sizeof obp_shm_sqlstat", 0, 78208 },
    { "obp_shm_mreq.state", 0, 4 },
    { "obp_shm_mreq.ticket", 4, 4 },
    { "obp_shm_mreq.since_us", 8, 8 },
    { "obp_shm_mreq.kind", 16, 4 },
    { "obp_shm_mreq.len", 20, 8 },
    { "obp_shm_mreq.names", 28, 992 },
    { "sizeof obp_shm_mreq", 0, 1024 },
    { "obp_route_ctl.root", 0, 8 },
    { "obp_route_ctl.live", 8, 4 },
    { "obp_route_ctl.publisher", 12, 4 },
    { "obp_route_ctl.evicted", 16, 8 },
    { "obp_route_ctl.cluster_id", 24, 8 },
    { "sizeof obp_route_ctl", 0, 128 },
    { "obp_route_set.magic", 0, 8 },
    { "obp_route_set.generation", 8, 8 },
    { "obp_route_set.used", 16, 8 },
    { "obp_route_set.nentries", 24, 4 },
    { "obp_route_set.nbuckets", 28, 4 },
    { "obp_route_set.buckets_off", 32, 8 },
    { "obp_route_set.servers_off", 40, 8 },
    { "obp_route_set.nservers", 48, 4 },
    { "obp_route_set.flags", 52, 4 },
    { "sizeof obp_route_set", 0, 56 },
    { "obp_route_ldc.known", 0, 1 },
    { "obp_route_ldc.readonly", 1, 1 },
    { "obp_route_ldc.zone", 8, 64 },
    { "obp_route_ldc.region", 72, 64 },
    { "obp_route_ldc.idc", 136, 64 },
    { "sizeof obp_route_ldc", 0, 200 },
    { "obp_route_bucket.hash", 0, 4 },
    { "obp_route_bucket.off", 4, 4 },
    { "sizeof obp_route_bucket", 0, 8 },
    { "obp_route_replica.server", 0, 2 },
    { "obp_route_replica.role", 2, 1 },
    { "obp_route_replica.type", 3, 1 },
    { "obp_route_replica.priority", 4, 2 },
    { "sizeof obp_route_replica", 0, 8 },
    { "obp_route_leaf.first", 0, 4 },
    { "obp_route_leaf.count", 4, 4 },
    { "sizeof obp_route_leaf", 0, 8 },
    { "obp_route_entry.size", 0, 4 },
    { "obp_route_entry.kind", 4, 4 },
    { "obp_route_entry.state", 8, 4 },
    { "obp_route_entry.hash", 12, 4 },
    { "obp_route_entry.generation", 16, 8 },
    { "obp_route_entry.table_id", 24, 8 },
    { "obp_route_entry.name_len", 32, 8 },
    { "obp_route_entry.names_off", 40, 4 },
    { "obp_route_entry.part_off", 44, 4 },
    { "obp_route_entry.nleaves", 48, 4 },
    { "obp_route_entry.leaves_off", 52, 4 },
    { "obp_route_entry.nreplicas", 56, 4 },
    { "obp_route_entry.replicas_off", 60, 4 },
    { "obp_route_entry.used_ms", 64, 8 },
    { "sizeof obp_route_entry", 0, 72 },
};

#define FIELD(s, f) \
    { #s "." #f, offsetof(struct s, f), sizeof(((struct s *)0)->f) }
#define SIZE(s) { "sizeof " #s, 0, sizeof(struct s) }

static const struct row compiled[] = {
    FIELD(obp_shm_region, off),
    FIELD(obp_shm_region, size),
    FIELD(obp_shm_region, nitems),
    FIELD(obp_shm_region, item_size),
    SIZE(obp_shm_region),
    FIELD(obp_shm_hdr, magic),
    FIELD(obp_shm_hdr, layout_version),
    FIELD(obp_shm_hdr, hdr_size),
    FIELD(obp_shm_hdr, total_size),
    FIELD(obp_shm_hdr, generation),
    FIELD(obp_shm_hdr, nworkers),
    FIELD(obp_shm_hdr, reserved),
    FIELD(obp_shm_hdr, workers),
    FIELD(obp_shm_hdr, servers),
    FIELD(obp_shm_hdr, routes),
    FIELD(obp_shm_hdr, sessions),
    FIELD(obp_shm_hdr, srvinfo),
    FIELD(obp_shm_hdr, tenants),
    FIELD(obp_shm_hdr, sqlstats),
    FIELD(obp_shm_hdr, gtids),
    FIELD(obp_shm_hdr, mreqs),
    SIZE(obp_shm_hdr),
    FIELD(obp_shm_srvinfo, state),
    FIELD(obp_shm_srvinfo, caps),
    FIELD(obp_shm_srvinfo, ext_caps),
    FIELD(obp_shm_srvinfo, version),
    FIELD(obp_shm_worker, pid),
    FIELD(obp_shm_worker, state),
    FIELD(obp_shm_worker, started_us),
    FIELD(obp_shm_worker, restarts),
    FIELD(obp_shm_worker, stat),
    FIELD(obp_shm_worker, route_gen),
    FIELD(obp_shm_worker, srv_open),
    FIELD(obp_shm_worker, srv_parked),
    FIELD(obp_shm_worker, srv_failed),
    FIELD(obp_shm_worker, pad),
    SIZE(obp_shm_worker),
    FIELD(obp_shm_server, seq),
    FIELD(obp_shm_server, state),
    FIELD(obp_shm_server, addr),
    FIELD(obp_shm_server, zone),
    FIELD(obp_shm_server, region),
    FIELD(obp_shm_server, idc),
    FIELD(obp_shm_server, fail_count),
    FIELD(obp_shm_server, ob_state),
    FIELD(obp_shm_server, fail_window_us),
    FIELD(obp_shm_server, dead_since_us),
    FIELD(obp_shm_server, retry_at_us),
    FIELD(obp_shm_server, detect),
    FIELD(obp_shm_server, detect_fails),
    FIELD(obp_shm_server, detect_since_us),
    FIELD(obp_shm_server, probe_us),
    FIELD(obp_shm_server, lag_us),
    FIELD(obp_shm_server, read_only),
    FIELD(obp_shm_server, repl),
    FIELD(obp_shm_server, pad),
    SIZE(obp_shm_server),
    FIELD(obp_shm_sess, seq),
    FIELD(obp_shm_sess, kill),
    FIELD(obp_shm_sess, kill_query),
    FIELD(obp_shm_sess, kill_server),
    FIELD(obp_shm_sess, id),
    FIELD(obp_shm_sess, pid),
    FIELD(obp_shm_sess, srv_thread),
    FIELD(obp_shm_sess, admin),
    FIELD(obp_shm_sess, ssl),
    FIELD(obp_shm_sess, in_trans),
    FIELD(obp_shm_sess, flags),
    FIELD(obp_shm_sess, srv_addr),
    FIELD(obp_shm_sess, user),
    FIELD(obp_shm_sess, tenant),
    FIELD(obp_shm_sess, cluster),
    FIELD(obp_shm_sess, client),
    FIELD(obp_shm_sess, db),
    FIELD(obp_shm_sess, login_us),
    FIELD(obp_shm_sess, nsrv),
    FIELD(obp_shm_sess, pad),
    SIZE(obp_shm_sess),
    FIELD(obp_shm_tenant, state),
    FIELD(obp_shm_tenant, cluster),
    FIELD(obp_shm_tenant, tenant),
    SIZE(obp_shm_tenant),
    FIELD(obp_shm_gtid, seq),
    FIELD(obp_shm_gtid, read_us),
    FIELD(obp_shm_gtid, pos),
    FIELD(obp_shm_gtid, pad),
    SIZE(obp_shm_gtid),
    FIELD(obp_gtid_set, kind),
    FIELD(obp_gtid_set, n),
    FIELD(obp_gtid_set, cut),
    FIELD(obp_gtid_set, src),
    SIZE(obp_gtid_src),
    FIELD(obp_sqlstat_row, requests),
    FIELD(obp_sqlstat_row, cost_us),
    FIELD(obp_sqlstat_row, buckets),
    FIELD(obp_sqlstat_row, total_us),
    FIELD(obp_sqlstat_row, transactions),
    FIELD(obp_sqlstat_row, sessions),
    FIELD(obp_sqlstat_row, logins),
    SIZE(obp_sqlstat_row),
    SIZE(obp_shm_sqlstat),
    FIELD(obp_shm_mreq, state),
    FIELD(obp_shm_mreq, ticket),
    FIELD(obp_shm_mreq, since_us),
    FIELD(obp_shm_mreq, kind),
    FIELD(obp_shm_mreq, len),
    FIELD(obp_shm_mreq, names),
    SIZE(obp_shm_mreq),
    FIELD(obp_route_ctl, root),
    FIELD(obp_route_ctl, live),
    FIELD(obp_route_ctl, publisher),
    FIELD(obp_route_ctl, evicted),
    FIELD(obp_route_ctl, cluster_id),
    SIZE(obp_route_ctl),
    FIELD(obp_route_set, magic),
    FIELD(obp_route_set, generation),
    FIELD(obp_route_set, used),
    FIELD(obp_route_set, nentries),
    FIELD(obp_route_set, nbuckets),
    FIELD(obp_route_set, buckets_off),
    FIELD(obp_route_set, servers_off),
    FIELD(obp_route_set, nservers),
    FIELD(obp_route_set, flags),
    SIZE(obp_route_set),
    FIELD(obp_route_ldc, known),
    FIELD(obp_route_ldc, readonly),
    FIELD(obp_route_ldc, zone),
    FIELD(obp_route_ldc, region),
    FIELD(obp_route_ldc, idc),
    SIZE(obp_route_ldc),
    FIELD(obp_route_bucket, hash),
    FIELD(obp_route_bucket, off),
    SIZE(obp_route_bucket),
    FIELD(obp_route_replica, server),
    FIELD(obp_route_replica, role),
    FIELD(obp_route_replica, type),
    FIELD(obp_route_replica, priority),
    SIZE(obp_route_replica),
    FIELD(obp_route_leaf, first),
    FIELD(obp_route_leaf, count),
    SIZE(obp_route_leaf),
    FIELD(obp_route_entry, size),
    FIELD(obp_route_entry, kind),
    FIELD(obp_route_entry, state),
    FIELD(obp_route_entry, hash),
    FIELD(obp_route_entry, generation),
    FIELD(obp_route_entry, table_id),
    FIELD(obp_route_entry, name_len),
    FIELD(obp_route_entry, names_off),
    FIELD(obp_route_entry, part_off),
    FIELD(obp_route_entry, nleaves),
    FIELD(obp_route_entry, leaves_off),
    FIELD(obp_route_entry, nreplicas),
    FIELD(obp_route_entry, replicas_off),
    FIELD(obp_route_entry, used_ms),
    SIZE(obp_route_entry),
};

static void
test_table(void)
{
    char name[160];
    int  bad = 0;

    tap_is_int(OBP_NELEMS(compiled), OBP_NELEMS(expected), "table rows");
    for (size_t i = 0; i < OBP_NELEMS(expected); i++) {
        const struct row *e = &expected[i], *c = &compiled[i];
        int same = strcmp(e->name, c->name) == 0 && e->off == c->off
                   && e->size == c->size;

        snprintf(name, sizeof(name), "%s at %zu, %zu bytes", e->name,
                 e->off, e->size);
        if (!tap_ok(same, name)) {
            printf("#   compiled: %s at %zu, %zu bytes\n", c->name, c->off,
                   c->size);
            bad++;
        }
    }
    if (!tap_is_int(OBP_SHM_LAYOUT_VERSION, EXPECTED_LAYOUT_VERSION,
                    "layout version of the table"))
        bad++;
    if (bad)
        tap_diag("the shared segment layout changed: bump "
                 "OBP_SHM_LAYOUT_VERSION in shared/shm.h and update the "
                 "table in t/unit/shm_layout.c");
}

static int
region_fits(const struct obp_shm_region *r, uint64_t item_size,
            uint64_t nitems)
{
    return r->off % OBP_SHM_ALIGN == 0 && r->item_size == item_size
           && r->nitems == nitems && r->size == nitems * item_size;
}

static void
test_layout_one(uint32_t nworkers, uint64_t route_bytes)
{
    struct obp_shm_hdr h;
    char               name[96];
    uint64_t           routes = (route_bytes + 4095) / 4096 * 4096;
    long               page = sysconf(_SC_PAGESIZE);
    int                ok;

    snprintf(name, sizeof(name), "layout for %u workers, %llu route bytes",
             nworkers, (unsigned long long)route_bytes);
    if (!tap_ok(obp_shm_layout(&h, nworkers, route_bytes) == OBP_OK, name))
        return;
    ok = h.magic == OBP_SHM_MAGIC
         && h.layout_version == EXPECTED_LAYOUT_VERSION
         && h.hdr_size == sizeof(h) && h.nworkers == nworkers
         && region_fits(&h.workers, sizeof(struct obp_shm_worker), nworkers)
         && region_fits(&h.servers, sizeof(struct obp_shm_server),
                        OBP_SHM_MAX_SERVERS)
         && region_fits(&h.routes, 1, routes)
         && region_fits(&h.sessions, sizeof(struct obp_shm_sess),
                        (uint64_t)nworkers * OBP_SHM_SESS_PER_WORKER);
    tap_ok(ok, "  header fields, aligned regions, item sizes");
    ok = h.workers.off >= sizeof(h)
         && h.workers.off + h.workers.size <= h.servers.off
         && h.servers.off + h.servers.size <= h.routes.off
         && h.routes.off + h.routes.size <= h.sessions.off
         && h.sessions.off + h.sessions.size <= h.total_size
         && h.total_size % (uint64_t)page == 0;
    tap_ok(ok, "  regions in order, no overlap, inside a page-rounded total");
    ok = obp_route_bank_size(h.routes.size) >= OBP_SHM_ALIGN
         && sizeof(struct obp_route_ctl)
            + 2 * obp_route_bank_size(h.routes.size) <= h.routes.size;
    tap_ok(ok, "  route region: control word and two banks");
}

static void
test_layout(void)
{
    struct obp_shm_hdr h;

    test_layout_one(1, 4096);
    test_layout_one(2, 10000);
    test_layout_one(128, 1 << 20);
    errno = 0;
    tap_ok(obp_shm_layout(&h, 0, 4096) == OBP_ERROR && errno == EINVAL,
           "0 workers refused");
    tap_ok(obp_shm_layout(&h, 129, 4096) == OBP_ERROR, "129 workers refused");
    tap_ok(obp_shm_layout(&h, 1, 4095) == OBP_ERROR,
           "less than 4096 route bytes refused");
}

/* Attaching a dup of <fd> must fail with EPROTO, leaving the fd open. */
static void
refused(int fd, const char *name)
{
    struct obp_shm s;
    int            dfd = dup(fd);

    errno = 0;
    tap_ok(obp_shm_attach(&s, dfd) == OBP_ERROR && errno == EPROTO
           && s.hdr == NULL, name);
    tap_ok(fcntl(dfd, F_GETFD) != -1, "  the fd is still the caller's");
    close(dfd);
}

static void
test_attach_refusals(void)
{
    struct obp_shm s;

    if (!tap_ok(obp_shm_create(&s, 1, 4096) == OBP_OK, "create for refusals"))
        return;
    s.hdr->magic ^= 1;
    refused(s.fd, "attach refuses a wrong magic");
    s.hdr->magic ^= 1;
    s.hdr->layout_version = OBP_SHM_LAYOUT_VERSION + 1;
    refused(s.fd, "attach refuses another layout version");
    s.hdr->layout_version = OBP_SHM_LAYOUT_VERSION;
    s.hdr->workers.item_size = 64;
    refused(s.fd, "attach refuses another worker slot size");
    s.hdr->workers.item_size = sizeof(struct obp_shm_worker);
    if (ftruncate(s.fd, (off_t)s.size - 4096) == -1)
        tap_diag("ftruncate failed");
    refused(s.fd, "attach refuses a truncated segment");
    obp_shm_detach(&s);
    tap_ok(s.fd == -1 && s.hdr == NULL, "detach resets the mapping");
}

static void
test_two_mappings(struct obp_shm *a, struct obp_shm *b)
{
    struct obp_shm_worker *wa, *wb;

    tap_ok(a->hdr->nworkers == 2 && a->size == a->hdr->total_size
           && atomic_load(&a->hdr->generation) == 1,
           "created: 2 workers, generation 1");
    if (!tap_ok(obp_shm_attach(b, dup(a->fd)) == OBP_OK,
                "attach a second mapping of the same memfd"))
        return;
    tap_ok(b->hdr != a->hdr && b->size == a->size, "  a distinct mapping");
    wa = obp_shm_worker(a, 1);
    wb = obp_shm_worker(b, 1);
    tap_ok(wa != NULL && wb != NULL && atomic_load(&wb->pid) == 0,
           "  slots start zeroed");
    atomic_store(&wa->pid, 4242);
    tap_is_int(atomic_load(&wb->pid), 4242, "  written through one, read "
               "through the other");
    obp_strlcpy(obp_shm_server(b, 7)->addr, "10.0.0.1:2881", OBP_ADDR_STRLEN);
    tap_is_str(obp_shm_server(a, 7)->addr, "10.0.0.1:2881",
               "  server table shared too");
}

static void
test_bounds(const struct obp_shm *a)
{
    tap_ok(obp_shm_worker(a, 0) != NULL && obp_shm_worker(a, 2) == NULL,
           "worker slot out of range is NULL");
    tap_ok(obp_shm_server(a, OBP_SHM_MAX_SERVERS - 1) != NULL
           && obp_shm_server(a, OBP_SHM_MAX_SERVERS) == NULL,
           "server index out of range is NULL");
    tap_ok(obp_shm_worker(NULL, 0) == NULL, "no segment, no slot");
}

static void
test_fork_stats(struct obp_shm *a)
{
    uint64_t sum[OBP_STAT_COUNT];
    int      status = -1;
    pid_t    pid;

    obp_stat_add(obp_shm_worker(a, 0), OBP_STAT_client_accepted, 2);
    pid = fork();
    if (pid == 0) {
        struct obp_shm_worker *w = obp_shm_worker(a, 1);

        obp_stat_add(w, OBP_STAT_client_accepted, 5);
        obp_stat_add(w, OBP_STAT_client_active, 3);
        obp_stat_add(w, OBP_STAT_client_active, -1);
        obp_stat_add(w, OBP_STAT_bytes_from_client, 1000);
        _exit(0);
    }
    if (!tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
                "child added to its slot and exited"))
        return;
    obp_shm_stats_sum(a, sum);
    tap_is_int((int64_t)sum[OBP_STAT_client_accepted], 7,
               "sum of client_accepted over both slots");
    tap_is_int((int64_t)sum[OBP_STAT_client_active], 2,
               "a gauge sums its ups and downs");
    tap_is_int((int64_t)sum[OBP_STAT_bytes_from_client], 1000,
               "bytes_from_client");
    tap_is_int((int64_t)sum[OBP_STAT_server_active], 0, "untouched is 0");
    tap_is_str(obp_stat_descs[OBP_STAT_client_active].name, "client_active",
               "stat names from the X-macro");
    tap_ok(obp_stat_descs[OBP_STAT_client_active].kind == OBP_STAT_GAUGE
           && obp_stat_descs[OBP_STAT_client_accepted].kind
              == OBP_STAT_COUNTER, "stat kinds from the X-macro");
}

static void
test_segment(void)
{
    struct obp_shm a, b = { .fd = -1 };

    if (!tap_ok(obp_shm_create(&a, 2, 65536) == OBP_OK, "create"))
        return;
    tap_ok(fcntl(a.fd, F_GETFD) & FD_CLOEXEC, "  the memfd is close-on-exec");
    test_two_mappings(&a, &b);
    test_bounds(&a);
    test_fork_stats(&a);
    obp_shm_detach(&b);
    obp_shm_detach(&a);
}

static void
test_chan_messages(int fds[2])
{
    size_t   big = 100 * 1024;
    uint8_t *out = malloc(big), *in = malloc(OBP_CHAN_MAX_PAYLOAD);
    uint32_t cmd = 0;

    if (out == NULL || in == NULL)
        goto done;
    for (size_t i = 0; i < big; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    tap_is_int(obp_chan_send(fds[0], OBP_CHAN_REOPEN, NULL, 0), OBP_OK,
               "send a header-only message");
    tap_is_int(obp_chan_recv(fds[1], &cmd, in, OBP_CHAN_MAX_PAYLOAD), 0,
               "  received with no payload");
    tap_is_int(cmd, OBP_CHAN_REOPEN, "  command REOPEN");
    tap_is_int(obp_chan_send(fds[0], OBP_CHAN_CONF, out, big), OBP_OK,
               "send a 100 KiB payload");
    tap_is_int(obp_chan_recv(fds[1], &cmd, in, OBP_CHAN_MAX_PAYLOAD),
               (int64_t)big, "  received whole");
    tap_ok(cmd == OBP_CHAN_CONF && memcmp(in, out, big) == 0,
           "  command CONF, same bytes");
    tap_is_int(obp_chan_recv(fds[1], &cmd, in, OBP_CHAN_MAX_PAYLOAD),
               OBP_AGAIN, "nothing queued: OBP_AGAIN");
    tap_is_int(obp_chan_send(fds[0], OBP_CHAN_CONF, out,
                             OBP_CHAN_MAX_PAYLOAD + 1), OBP_ERROR,
               "a payload over OBP_CHAN_MAX_PAYLOAD is refused");
    obp_chan_send(fds[0], OBP_CHAN_CONF, out, 100);
    tap_ok(obp_chan_recv(fds[1], &cmd, in, 50) == OBP_ERROR
           && errno == EMSGSIZE, "a payload over <cap> is an error");
done:
    free(out);
    free(in);
}

static void
test_channel(void)
{
    int      fds[2];
    uint32_t cmd;
    char     buf[16];

    if (!tap_ok(obp_chan_pair(fds) == OBP_OK, "channel pair"))
        return;
    tap_ok((fcntl(fds[0], F_GETFL) & O_NONBLOCK)
           && (fcntl(fds[1], F_GETFD) & FD_CLOEXEC),
           "  non-blocking, close-on-exec");
    test_chan_messages(fds);
    obp_chan_send(fds[0], OBP_CHAN_QUIT, NULL, 0);
    close(fds[0]);
    tap_is_int(obp_chan_recv(fds[1], &cmd, buf, sizeof(buf)), 0,
               "a queued message survives the peer's close");
    tap_is_int(obp_chan_recv(fds[1], &cmd, buf, sizeof(buf)), OBP_DONE,
               "then OBP_DONE: the master is gone");
    tap_is_int(obp_chan_send(fds[1], OBP_CHAN_QUIT, NULL, 0), OBP_ERROR,
               "sending to a closed peer fails without SIGPIPE");
    close(fds[1]);
}

int
main(void)
{
    obp_log_set_level(OBP_LOG_WARN);    /* attach refusals log at INFO */
    test_table();
    test_layout();
    test_attach_refusals();
    test_segment();
    test_channel();
    return tap_done();
}
