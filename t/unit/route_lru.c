/*
 * Unit tests of the route cache within its bound (shared/route_lru.c,
 * route.h "Last use and eviction"): the measuring sink against what the
 * builder lays out, the choice of the tables to leave out, the workers'
 * stamps carried into a set and read back by the publisher, the count.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define CLUSTER "c1"

static char err[256];

static struct obp_part_desc *
hash_part(long n)
{
    struct obp_part_builder *b = obp_part_builder_new();
    struct obp_part_desc    *d = NULL;

    if (obp_part_level(b, 1, "HASH", err, sizeof(err)) != OBP_OK
        || obp_part_column(b, 1, "id", "BIGINT", NULL, err, sizeof(err))
           != OBP_OK
        || obp_part_count(b, 1, n, err, sizeof(err)) != OBP_OK
        || obp_part_finish(b, &d, err, sizeof(err)) != OBP_OK) {
        printf("Bail out! partition blob: %s\n", err);
        exit(1);
    }
    obp_part_builder_free(b);
    return d;
}

/*
 * A source of two servers, a tenant and <ntables> tables of growing
 * sizes (table i: i + 1 partitions, 3 replicas each, stamped i * 10).
 */
static int
source(const struct obp_route_sink *sink, unsigned ntables)
{
    struct obp_route_replica   r[3 * 16] = { { 0 } };
    uint32_t                   nrepl[16];
    struct obp_route_server_in s = { 4, false, "z1", "r1", "i1" };
    struct obp_route_tenant_in tn = { obp_route_name(CLUSTER),
                                      obp_route_name("tenant"), 3, r };
    int                        rc = sink->ops->begin(sink->ctx, err,
                                                     sizeof(err));

    for (unsigned i = 0; i < 3 * 16; i++)
        r[i] = (struct obp_route_replica){ (uint16_t)(i % 3 + 1),
                                           i % 3 == 0 ? OBP_ROUTE_LEADER
                                           : OBP_ROUTE_FOLLOWER, 0, 0, 0 };
    if (rc == OBP_OK)
        rc = sink->ops->add_server(sink->ctx, &s, err, sizeof(err));
    if (rc == OBP_OK)
        rc = sink->ops->add_tenant(sink->ctx, &tn, err, sizeof(err));
    for (unsigned i = 0; rc == OBP_OK && i < ntables; i++) {
        struct obp_part_desc     *d = i > 0 ? hash_part(i + 1) : NULL;
        struct obp_route_table_in in = {
            { obp_route_name(CLUSTER), obp_route_name("tenant"),
              obp_route_name("db"), { NULL, 0 } },
            100 + i, d, i + 1, nrepl, r, (int64_t)i * 10 };
        char                      name[24];

        snprintf(name, sizeof(name), "table_%u", i);
        in.key.table = obp_route_name(name);
        for (unsigned j = 0; j <= i; j++)
            nrepl[j] = 3;
        rc = sink->ops->add_table(sink->ctx, &in, err, sizeof(err));
        free(d);
    }
    if (rc == OBP_OK)
        return sink->ops->commit(sink->ctx, err, sizeof(err));
    sink->ops->abort(sink->ctx);
    return rc;
}

/* The measure of a set is what the builder makes of it, to the byte. */
static void
test_measure(struct obp_shm *shm)
{
    uint64_t                   bytes[16] = { 0 }, sum = 0;
    struct obp_route_measure   m = { .table_bytes = bytes, .cap = 16 };
    struct obp_route_builder   b;
    struct obp_route_sink_ctx  ctx;
    struct obp_route_sink      sink;
    struct obp_route_view      v;
    const struct obp_route_set *set;

    obp_route_measure_sink(&sink, &m);
    tap_is_int(source(&sink, 12), OBP_OK, "a set measured");
    tap_is_int(m.ntables, 12, "  twelve tables");
    tap_is_int(m.nfixed, 1, "  one tenant entry");
    tap_ok(bytes[0] < bytes[1] && bytes[10] < bytes[11],
           "  more partitions, more bytes");
    obp_route_sink_init(&sink, &ctx, &b, shm);
    tap_is_int(source(&sink, 12), OBP_OK, "the same set published");
    if (err[0] != '\0')
        tap_diag(err);
    for (unsigned i = 0; i < 12; i++)
        sum += bytes[i];
    obp_route_read_begin(&v, shm, 0);
    set = (const void *)v.bank;
    tap_is_int((int64_t)obp_route_set_bytes(m.fixed + sum, 13),
               set != NULL ? (int64_t)set->used : -1,
               "  it takes the bytes measured, index included");
    obp_route_read_end(&v);
}

/* Stamps go into a set, workers update them, the publisher reads them. */
static void
test_stamps(struct obp_shm *shm)
{
    struct obp_route_view         v;
    struct obp_route_key          k = { obp_route_name(CLUSTER),
                                        obp_route_name("tenant"),
                                        obp_route_name("db"),
                                        obp_route_name("table_3") };
    const struct obp_route_entry *e;

    obp_route_read_begin(&v, shm, 0);
    e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
    tap_is_int(e != NULL ? obp_route_used_ms(e) : -1, 30,
               "a table's stamp as the source gave it");
    if (e != NULL)
        obp_route_touch(e, INT64_C(123456789));
    obp_route_read_end(&v);
    tap_is_int(obp_route_peek_begin(&v, shm, err, sizeof(err)), OBP_OK,
               "the publisher reads the published set");
    e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
    tap_is_int(e != NULL ? obp_route_used_ms(e) : -1, 123456,
               "  a worker's hit stamped it, in milliseconds");
    obp_route_peek_end(&v, shm);
    obp_route_count_evictions(shm, 3);
    obp_route_count_evictions(shm, 2);
    tap_is_int((int64_t)obp_route_evictions(shm), 5, "evictions counted");
}

/* Evicted items, as a string of their indexes. */
static const char *
marked(const struct obp_route_lru_item *it, size_t n)
{
    static char buf[64];
    size_t      len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && len + 4 < sizeof(buf); i++)
        if (it[i].evict)
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%zu",
                                    len > 0 ? " " : "", i);
    return buf;
}

static void
test_pick(void)
{
    struct obp_route_lru_item it[6];
    /* the index of 7 entries or fewer: 16 slots of 8 bytes */
    uint64_t                  idx = 16 * sizeof(struct obp_route_bucket);
    int64_t                   stamps[6] = { 50, 10, 40, 10, 60, 20 };

    for (unsigned i = 0; i < 6; i++)
        it[i] = (struct obp_route_lru_item){ 1000, stamps[i], false, true };
    tap_is_int(obp_route_lru_pick(it, 6, 500, 1, 6500 + idx), 0,
               "everything fits: nothing left out");
    tap_is_str(marked(it, 6), "", "  none marked");
    tap_is_int(obp_route_lru_pick(it, 6, 500, 1, 4500 + idx), 2,
               "two tables too many: two left out");
    tap_is_str(marked(it, 6), "1 3", "  the least recently used, the "
               "older first among equal stamps");
    it[1].pinned = true;
    tap_is_int(obp_route_lru_pick(it, 6, 500, 1, 3500 + idx), 3,
               "one waited for: kept");
    tap_is_str(marked(it, 6), "2 3 5", "  the next ones go instead");
    for (unsigned i = 0; i < 6; i++)
        it[i].pinned = true;
    tap_is_int(obp_route_lru_pick(it, 6, 500, 1, 3500 + idx), -1,
               "all waited for and too big: -1");
    tap_is_str(marked(it, 6), "", "  none marked");
    it[0].pinned = false;
    it[0].bytes = 4000;
    tap_is_int(obp_route_lru_pick(it, 6, 500, 1, 5500 + idx), 1,
               "a big one goes first when it is the oldest free one");
    tap_is_str(marked(it, 6), "0", "  only it");
}

int
main(void)
{
    struct obp_shm shm;

    if (obp_shm_create(&shm, 2, 1024 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create: %s\n", strerror(errno));
        return 1;
    }
    test_measure(&shm);
    test_stamps(&shm);
    test_pick();
    obp_shm_detach(&shm);
    return tap_done();
}
