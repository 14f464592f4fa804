/*
 * The metadata request table (shared/mreq.h): a request posted once and
 * joined by the next askers of the same key, taken by the monitor once,
 * answered; a slot left FILLING by a dead worker freed; a full table and
 * names too long refused; requests taken by a monitor that died put back.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static struct obp_route_key
key(const char *table)
{
    struct obp_route_key k = { obp_route_name("c"), obp_route_name("t"),
                               obp_route_name("db"), obp_route_name(table) };

    return k;
}

static void
test_post_take(const struct obp_shm *shm)
{
    struct obp_route_key   k = key("orders");
    struct obp_mreq_ticket a, b, c;
    struct obp_mreq_req    r;
    struct obp_mreq_seen   seen;
    unsigned               pos = 0;

    memset(&seen, 0, sizeof(seen));
    tap_ok(obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 1, &a) == OBP_OK
           && obp_mreq_waiting(shm, &a), "a request is posted");
    tap_ok(obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 2, &b) == OBP_OK
           && b.slot == a.slot && b.ticket == a.ticket,
           "the same key joins it: one lookup");
    k = key("items");
    tap_ok(obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 3, &c) == OBP_OK
           && c.slot != a.slot, "another table gets its own slot");
    tap_ok(obp_mreq_take(shm, &pos, 10, &seen, &r) == OBP_OK
           && r.slot == a.slot && r.kind == OBP_ROUTE_TABLE
           && strcmp(r.cluster, "c") == 0 && strcmp(r.tenant, "t") == 0
           && strcmp(r.database, "db") == 0
           && strcmp(r.table, "orders") == 0 && r.since_us == 1,
           "the monitor takes it with its names");
    k = key("orders");
    tap_ok(obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 4, &b) == OBP_OK
           && b.slot == a.slot && b.ticket == a.ticket,
           "a taken request is joined too");
    tap_ok(obp_mreq_take(shm, &pos, 10, &seen, &r) == OBP_OK
           && strcmp(r.table, "items") == 0, "then the next one");
    tap_is_int(obp_mreq_take(shm, &pos, 10, &seen, &r), OBP_DONE,
               "then none");
    obp_mreq_done(shm, a.slot);
    tap_ok(!obp_mreq_waiting(shm, &a) && obp_mreq_waiting(shm, &c),
           "answered: its waiters go on, the other still waits");
    obp_mreq_requeue(shm);
    pos = 0;
    tap_ok(obp_mreq_take(shm, &pos, 10, &seen, &r) == OBP_OK
           && r.slot == c.slot, "a request a dead monitor took is put back");
    obp_mreq_done(shm, c.slot);
}

static void
test_limits(const struct obp_shm *shm)
{
    char                   longname[OBP_ROUTE_NAME_MAX + 2];
    struct obp_route_key   k;
    struct obp_mreq_ticket t[OBP_MREQ_SLOTS + 1];
    char                   name[OBP_MREQ_SLOTS][16];
    int                    ok = 1;

    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    k = key(longname);
    tap_is_int(obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 1, &t[0]),
               OBP_ERROR, "a name longer than a key holds is not asked");
    for (int i = 0; i < OBP_MREQ_SLOTS; i++) {
        snprintf(name[i], sizeof(name[i]), "t%d", i);
        k = key(name[i]);
        ok = ok && obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 1, &t[i])
                   == OBP_OK;
    }
    k = key("one more");
    tap_ok(ok && obp_mreq_post(shm, OBP_ROUTE_TABLE, &k, 1,
                               &t[OBP_MREQ_SLOTS]) == OBP_ERROR,
           "every slot in use: the next table is not asked");
    for (int i = 0; i < OBP_MREQ_SLOTS; i++)
        obp_mreq_done(shm, t[i].slot);
}

/* A worker killed between claiming a slot and filling it. */
static void
test_reap(const struct obp_shm *shm)
{
    struct obp_shm_mreq *m = (struct obp_shm_mreq *)(void *)
                             ((char *)shm->hdr + shm->hdr->mreqs.off);
    struct obp_mreq_seen seen;
    struct obp_mreq_req  r;
    unsigned             pos = 0;

    memset(&seen, 0, sizeof(seen));
    atomic_store(&m[5].state, OBP_MREQ_FILLING);
    atomic_fetch_add(&m[5].ticket, 1);
    tap_is_int(obp_mreq_take(shm, &pos, 1000000, &seen, &r), OBP_DONE,
               "a slot being filled is not taken");
    pos = 0;
    (void)obp_mreq_take(shm, &pos, 1500000, &seen, &r);
    tap_is_int(atomic_load(&m[5].state), OBP_MREQ_FILLING,
               "  nor freed within a second");
    pos = 0;
    (void)obp_mreq_take(shm, &pos, 2000000, &seen, &r);
    tap_is_int(atomic_load(&m[5].state), OBP_MREQ_FREE,
               "  freed once seen filling for a second");
}

int
main(void)
{
    struct obp_shm shm;

    if (obp_shm_create(&shm, 1, 64 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create: %s\n", strerror(errno));
        return 1;
    }
    test_post_take(&shm);
    test_limits(&shm);
    test_reap(&shm);
    obp_shm_detach(&shm);
    return tap_done();
}
