/*
 * Unit tests of the route cache (shared/route.h): building and publishing
 * sets, lookups, partition calculation on a blob read from the segment,
 * republishing, a set too large for its bank, refused inputs, the source
 * interface, and readers in forked processes that check every entry they
 * see against the generation they entered while the master republishes.
 */
#include "obp.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "route_int.h"
#include "tap.h"

#define CLUSTER "c1"
#define TENANT  "t1"

static char err[256];

static struct obp_part_desc *
build_part(const char *l1, const char *c1, const char *parts[][2],
           size_t nparts, long count, const char *l2, long sub_count)
{
    struct obp_part_builder *b = obp_part_builder_new();
    struct obp_part_desc    *d = NULL;
    int                      rc;

    rc = obp_part_level(b, 1, l1, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_column(b, 1, c1, "BIGINT", NULL, err, sizeof(err));
    for (size_t i = 0; rc == OBP_OK && i < nparts; i++)
        rc = obp_part_add(b, parts[i][0], -1, parts[i][1], err,
                          sizeof(err));
    if (rc == OBP_OK && count > 0)
        rc = obp_part_count(b, 1, count, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_level(b, 2, l2, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_column(b, 2, "c2", "BIGINT", NULL, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_count(b, 2, sub_count, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_finish(b, &d, err, sizeof(err));
    obp_part_builder_free(b);
    if (rc != OBP_OK) {
        printf("Bail out! partition description: %s\n", err);
        exit(1);
    }
    return d;
}

static struct obp_part_desc *
hash_part(long n)
{
    return build_part("HASH", "c1", NULL, 0, n, NULL, 0);
}

static struct obp_route_key
key(const char *db, const char *table)
{
    struct obp_route_key k = { obp_route_name(CLUSTER),
                               obp_route_name(TENANT), obp_route_name(db),
                               obp_route_name(table) };

    return k;
}

static struct obp_route_replica
repl(unsigned server, unsigned role, unsigned type, unsigned priority)
{
    struct obp_route_replica r = { (uint16_t)server, (uint8_t)role,
                                   (uint8_t)type, (uint16_t)priority, 0 };

    return r;
}

/* A RANGE partition by c1 with HASH subpartitions by c2: 4 leaves. */
static struct obp_part_desc *
two_level_part(void)
{
    const char *parts[][2] = { { "p0", "10" }, { "p1", "MAXVALUE" } };

    return build_part("RANGE", "c1", parts, 2, 0, "HASH", 2);
}

/* The fixed set: db.plain, db.hashed (4 leaves), db.two (4 leaves). */
static int
add_fixed(struct obp_route_builder *b, int64_t id_base)
{
    static const uint32_t    one[] = { 3 }, four[] = { 2, 2, 2, 2 };
    struct obp_route_replica r3[3], r8[8];
    struct obp_part_desc    *h = hash_part(4), *t = two_level_part();
    struct obp_route_table_in plain = { key("db", "plain"), id_base + 1,
                                        NULL, 1, one, r3, 0 };
    struct obp_route_table_in hashed = { key("db", "hashed"), id_base + 2,
                                         h, 4, four, r8, 0 };
    struct obp_route_table_in two = { key("db", "two"), id_base + 3,
                                      t, 4, four, r8, 0 };
    struct obp_route_replica  srv[] = { repl(5, OBP_ROUTE_LEADER, 0, 1),
                                        repl(4, OBP_ROUTE_FOLLOWER, 0, 0) };
    struct obp_route_tenant_in ten = { obp_route_name(CLUSTER),
                                       obp_route_name(TENANT), 2, srv };
    int rc;

    r3[0] = repl(0, OBP_ROUTE_LEADER, OBP_ROUTE_FULL, 0);
    r3[1] = repl(1, OBP_ROUTE_FOLLOWER, OBP_ROUTE_FULL, 0);
    r3[2] = repl(2, OBP_ROUTE_FOLLOWER, OBP_ROUTE_READONLY, 0);
    /* Leaf l: leader on server 10 + l, a follower on server 20 + l. */
    for (unsigned l = 0; l < 4; l++) {
        r8[2 * l] = repl(10 + l, OBP_ROUTE_LEADER, OBP_ROUTE_FULL, 0);
        r8[2 * l + 1] = repl(20 + l, OBP_ROUTE_FOLLOWER, OBP_ROUTE_FULL, 0);
    }
    rc = obp_route_add_table(b, &plain, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_add_table(b, &hashed, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_add_table(b, &two, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_add_tenant(b, &ten, err, sizeof(err));
    free(h);
    free(t);
    return rc;
}

static const struct obp_route_entry *
find(const struct obp_route_view *v, const char *db, const char *table)
{
    struct obp_route_key k = key(db, table);

    return obp_route_find(v, OBP_ROUTE_TABLE, &k);
}

/* The leader of the leaf c1 (and c2) fall into, or -1. */
static int
leader_of(const struct obp_route_entry *e, int64_t c1, int64_t c2)
{
    const struct obp_part_desc     *d = obp_route_part(e);
    const struct obp_route_replica *r;
    struct obp_part_value           k1 = { .kind = OBP_PV_INT, .i = c1 };
    struct obp_part_value           k2 = { .kind = OBP_PV_INT, .i = c2 };
    struct obp_part_result          res;
    uint32_t                        n;

    if (d == NULL || obp_part_calc(d, &k1, 1, &k2, d->levels == 2,
                                   &res) != OBP_PART_COMPUTED)
        return -1;
    r = obp_route_replicas(e, (uint32_t)obp_route_leaf_index(d, &res), &n);
    return r != NULL && n > 0 && r[0].role == OBP_ROUTE_LEADER
           ? r[0].server : -1;
}

static bool
in_segment(const struct obp_shm *shm, const void *p)
{
    return (const char *)p > (const char *)shm->hdr
           && (const char *)p < (const char *)shm->hdr + shm->size;
}

/* Entries a walk of the hash index meets, each checked to be one. */
static int
count_entries(const struct obp_route_view *v)
{
    const struct obp_route_entry *e;
    uint32_t                      pos = 0;
    int                           n = 0;

    while ((e = obp_route_next(v, &pos)) != NULL)
        n += e->kind == OBP_ROUTE_TABLE || e->kind == OBP_ROUTE_TENANT;
    return n;
}

static void
test_publish(struct obp_shm *shm)
{
    struct obp_route_builder        b;
    struct obp_route_view           v;
    const struct obp_route_entry   *e;
    const struct obp_route_replica *r;
    struct obp_route_key            tk = { obp_route_name(CLUSTER),
                                           obp_route_name(TENANT),
                                           { NULL, 0 }, { NULL, 0 } };
    struct obp_route_name           n;
    uint32_t                        nr;

    tap_ok(obp_route_read_begin(&v, shm, 0) == OBP_OK && v.generation == 0
           && v.bank == NULL && find(&v, "db", "plain") == NULL,
           "nothing published: generation 0, lookups miss");
    obp_route_read_end(&v);
    tap_ok(obp_route_build_begin(&b, shm, err, sizeof(err)) == OBP_OK
           && add_fixed(&b, 100) == OBP_OK
           && obp_route_build_commit(&b, err, sizeof(err)) == OBP_OK,
           "three tables and a tenant published");
    tap_ok(obp_route_read_begin(&v, shm, 0) == OBP_OK && v.generation == 1,
           "a reader enters generation 1");
    e = find(&v, "db", "plain");
    tap_ok(e != NULL && e->generation == 1 && e->table_id == 101
           && e->kind == OBP_ROUTE_TABLE && e->state == OBP_ROUTE_AVAIL
           && obp_route_part(e) == NULL && e->nleaves == 1
           && in_segment(shm, e), "plain: found in the segment, one leaf");
    n = obp_route_entry_name(e, 3);
    tap_ok(n.len == 5 && memcmp(n.s, "plain", 5) == 0
           && obp_route_entry_name(e, 1).len == strlen(TENANT),
           "plain: names read back");
    r = obp_route_replicas(e, 0, &nr);
    tap_ok(nr == 3 && r[0].server == 0 && r[0].role == OBP_ROUTE_LEADER
           && r[2].server == 2 && r[2].type == OBP_ROUTE_READONLY
           && obp_route_replicas(e, 1, &nr) == NULL && nr == 0,
           "plain: replicas, leader first; leaf 1 out of range");
    e = find(&v, "db", "hashed");
    tap_ok(e != NULL && in_segment(shm, obp_route_part(e))
           && (uintptr_t)obp_route_part(e) % 8 == 0,
           "hashed: its blob is in the segment, 8-byte aligned");
    tap_is_int(leader_of(e, 7, 0), 13, "hashed: c1 = 7 -> p3, leader 13");
    tap_is_int(leader_of(e, 8, 0), 10, "hashed: c1 = 8 -> p0, leader 10");
    e = find(&v, "db", "two");
    tap_is_int(leader_of(e, 5, 1), 11, "two: c1 = 5, c2 = 1 -> p0sp1");
    tap_is_int(leader_of(e, 15, 2), 12, "two: c1 = 15, c2 = 2 -> p1sp0");
    tap_is_int(leader_of(e, 15, 3), 13, "two: c1 = 15, c2 = 3 -> p1sp1");
    e = obp_route_find(&v, OBP_ROUTE_TENANT, &tk);
    r = e != NULL ? obp_route_replicas(e, 0, &nr) : NULL;
    tap_ok(r != NULL && nr == 2 && r[0].server == 5 && r[0].priority == 1
           && r[1].server == 4 && r[1].priority == 0,
           "tenant entry: its servers and their priorities");
    tap_ok(find(&v, "db", "Plain") == NULL && find(&v, "DB", "plain") == NULL
           && find(&v, "db", "plai") == NULL
           && find(&v, "db2", "plain") == NULL,
           "names compare as exact bytes");
    tk.table = obp_route_name("plain");
    tap_ok(obp_route_find(&v, OBP_ROUTE_TENANT, &tk) == NULL,
           "kinds do not mix");
    tap_is_int(count_entries(&v), 4, "a walk meets every entry once");
    e = find(&v, "db", "plain");
    obp_route_mark_dirty(e);
    tap_ok(e->state == OBP_ROUTE_DIRTY, "a worker marks an entry dirty");
    obp_route_read_end(&v);
}

/* Generation 2: plain gone, "fresh" added; hashed's id changes. */
static int
publish_second(struct obp_shm *shm)
{
    struct obp_route_builder  b;
    static const uint32_t     one[] = { 1 };
    struct obp_route_replica  r = repl(7, OBP_ROUTE_LEADER, 0, 0);
    struct obp_part_desc     *h = hash_part(4);
    struct obp_route_table_in fresh = { key("db", "fresh"), 5, NULL, 1,
                                        one, &r, 0 };
    uint32_t                  four[] = { 1, 1, 1, 1 };
    struct obp_route_replica  r4[4];
    struct obp_route_table_in hashed = { key("db", "hashed"), 6, h, 4,
                                         four, r4, 0 };
    int                       rc;

    for (unsigned l = 0; l < 4; l++)
        r4[l] = repl(30 + l, OBP_ROUTE_LEADER, 0, 0);
    rc = obp_route_build_begin(&b, shm, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_add_table(&b, &fresh, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_add_table(&b, &hashed, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_route_build_commit(&b, err, sizeof(err));
    free(h);
    return rc;
}

static void
test_republish(struct obp_shm *shm)
{
    struct obp_route_builder b;
    struct obp_route_view    old, v;

    obp_route_read_begin(&old, shm, 1);
    tap_ok(publish_second(shm) == OBP_OK, "generation 2 published");
    obp_route_read_begin(&v, shm, 0);
    tap_ok(v.generation == 2 && find(&v, "db", "plain") == NULL
           && find(&v, "db", "fresh") != NULL
           && find(&v, "db", "fresh")->generation == 2
           && leader_of(find(&v, "db", "hashed"), 7, 0) == 33,
           "a new reader sees generation 2 only");
    tap_ok(old.generation == 1 && find(&old, "db", "plain") != NULL
           && find(&old, "db", "fresh") == NULL
           && leader_of(find(&old, "db", "hashed"), 7, 0) == 13,
           "a reader that entered generation 1 still sees all of it");
    obp_route_read_end(&v);
    tap_is_int(obp_route_build_begin(&b, shm, err, sizeof(err)), OBP_AGAIN,
               "generation 3 waits while a reader is in generation 1");
    tap_like(err, "worker 1 still reads route generation 1", "  message");
    obp_route_read_end(&old);
    tap_ok(obp_route_build_begin(&b, shm, err, sizeof(err)) == OBP_OK,
           "once it left, generation 3 may start");
    obp_route_build_abort(&b);
    obp_route_read_begin(&old, shm, 1);
    publish_second(shm);
    tap_is_int(obp_route_build_begin(&b, shm, err, sizeof(err)), OBP_AGAIN,
               "a dead reader holds its bank");
    obp_route_reader_gone(shm, 1);
    tap_ok(obp_route_build_begin(&b, shm, err, sizeof(err)) == OBP_OK,
           "until the master clears its slot");
    obp_route_build_abort(&b);
}

static void
test_full(struct obp_shm *shm)
{
    struct obp_route_builder  b;
    struct obp_route_view     v;
    static const uint32_t     one[] = { 1 };
    struct obp_route_replica  r = repl(1, OBP_ROUTE_LEADER, 0, 0);
    struct obp_route_table_in in = { key("db", ""), 1, NULL, 1, one, &r, 0 };
    uint64_t                  before = atomic_load(&obp_route_ctl(shm)
                                                   ->root);
    char                      name[32];
    int                       rc = obp_route_build_begin(&b, shm, err,
                                                         sizeof(err));

    for (int i = 0; rc == OBP_OK && i < 100000; i++) {
        snprintf(name, sizeof(name), "table_%d", i);
        in.key.table = obp_route_name(name);
        rc = obp_route_add_table(&b, &in, err, sizeof(err));
    }
    tap_ok(rc == OBP_ERROR, "a set larger than a bank is refused");
    tap_like(err, "route cache full", "  message");
    tap_ok(obp_route_build_commit(&b, err, sizeof(err)) == OBP_ERROR,
           "  and cannot be committed");
    obp_route_build_abort(&b);
    obp_route_read_begin(&v, shm, 0);
    tap_ok(v.generation == before && find(&v, "db", "fresh") != NULL,
           "the running set stays");
    obp_route_read_end(&v);
}

/* One bad input: refused with <want>, and the builder is failed after it. */
static void
refused(struct obp_shm *shm, const struct obp_route_table_in *in,
        const char *want, const char *name)
{
    struct obp_route_builder b;
    char                     msg[sizeof(err)];
    int                      rc;

    obp_route_build_begin(&b, shm, err, sizeof(err));
    rc = obp_route_add_table(&b, in, err, sizeof(err));
    memcpy(msg, err, sizeof(msg));
    tap_ok(rc == OBP_ERROR
           && obp_route_build_commit(&b, err, sizeof(err)) == OBP_ERROR,
           name);
    tap_like(msg, want, "  message");
    obp_route_build_abort(&b);
}

static void
test_refused(struct obp_shm *shm)
{
    static const uint32_t     one[] = { 1 }, many[] = { 65 };
    struct obp_route_replica  r = repl(1, OBP_ROUTE_LEADER, 0, 0);
    struct obp_route_replica  far = repl(OBP_SHM_MAX_SERVERS, 1, 0, 0);
    struct obp_route_replica  norole = repl(1, 0, 0, 0);
    struct obp_part_desc     *h = hash_part(4);
    struct obp_route_table_in in = { key("db", "x"), 1, NULL, 1, one, &r, 0 };
    struct obp_route_table_in bad;
    struct obp_route_builder  b;
    char                      longname[OBP_ROUTE_NAME_MAX + 2];

    bad = in;
    bad.key.table = obp_route_name("");
    refused(shm, &bad, "empty table name", "an empty table name");
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    bad = in;
    bad.key.database = obp_route_name(longname);
    refused(shm, &bad, "database name of 257 bytes", "a name too long");
    bad = in;
    bad.replicas = &far;
    refused(shm, &bad, "server 1024", "a server outside the table");
    bad = in;
    bad.replicas = &norole;
    refused(shm, &bad, "role 0", "a replica without a role");
    bad = in;
    bad.leaf_nrepl = many;
    refused(shm, &bad, "65 replicas", "too many replicas");
    bad = in;
    bad.part = h;
    refused(shm, &bad, "1 leaves for a description of 4",
            "leaves that do not match the blob");
    bad = in;
    bad.nleaves = 2;
    refused(shm, &bad, "one leaf, not 2", "a non-partitioned table's leaves");
    obp_route_build_begin(&b, shm, err, sizeof(err));
    obp_route_add_table(&b, &in, err, sizeof(err));
    obp_route_add_table(&b, &in, err, sizeof(err));
    tap_ok(obp_route_build_commit(&b, err, sizeof(err)) == OBP_ERROR,
           "a key added twice fails the commit");
    tap_like(err, "c1:t1:db:x given twice", "  message");
    obp_route_build_abort(&b);
    free(h);
}

/* A source as the static topology will be: it only sees the sink. */
static int
fake_source(const struct obp_route_sink *sink)
{
    static const uint32_t     one[] = { 1 };
    struct obp_route_replica  r = repl(9, OBP_ROUTE_LEADER, 0, 0);
    struct obp_route_table_in in = { key("db", "from_source"), 77, NULL, 1,
                                     one, &r, 0 };
    int                       rc = sink->ops->begin(sink->ctx, err,
                                                    sizeof(err));

    if (rc == OBP_OK)
        rc = sink->ops->add_table(sink->ctx, &in, err, sizeof(err));
    if (rc == OBP_OK)
        return sink->ops->commit(sink->ctx, err, sizeof(err));
    if (rc != OBP_AGAIN)
        sink->ops->abort(sink->ctx);
    return rc;
}

static void
test_sink(struct obp_shm *shm)
{
    struct obp_route_builder  b;
    struct obp_route_sink_ctx ctx;
    struct obp_route_sink     sink;
    struct obp_route_view     v;

    obp_route_sink_init(&sink, &ctx, &b, shm);
    tap_ok(fake_source(&sink) == OBP_OK, "a source publishes through a "
           "sink");
    obp_route_read_begin(&v, shm, 0);
    tap_ok(find(&v, "db", "from_source") != NULL
           && find(&v, "db", "from_source")->table_id == 77
           && find(&v, "db", "fresh") == NULL,
           "  its set replaced the previous one");
    obp_route_read_end(&v);
}

/* LDC facts: by index, before the entries, each once, names bounded. */
static void
test_servers(struct obp_shm *shm)
{
    struct obp_route_builder   b;
    struct obp_route_view      v;
    struct obp_route_server_in s = { 3, true, "z3", "east", "e1" };
    const struct obp_route_ldc *l;
    char                        longname[OBP_ROUTE_LDC_NAME + 1];

    obp_route_build_begin(&b, shm, err, sizeof(err));
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_OK,
               "server 3's LDC facts added");
    s = (struct obp_route_server_in){ 1, false, "z1", NULL, "" };
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_OK,
               "  and server 1's, without region or IDC");
    tap_is_int(add_fixed(&b, 500), OBP_OK, "  then the entries");
    tap_is_int(obp_route_build_commit(&b, err, sizeof(err)), OBP_OK,
               "  published");
    obp_route_read_begin(&v, shm, 0);
    l = obp_route_ldc(&v, 3);
    tap_ok(l != NULL && strcmp(l->zone, "z3") == 0
           && strcmp(l->region, "east") == 0 && strcmp(l->idc, "e1") == 0
           && l->readonly, "server 3: z3, east, e1, read-only");
    l = obp_route_ldc(&v, 1);
    tap_ok(l != NULL && strcmp(l->zone, "z1") == 0 && l->region[0] == '\0'
           && l->idc[0] == '\0' && !l->readonly, "server 1: z1 only");
    tap_ok(obp_route_ldc(&v, 2) == NULL && obp_route_ldc(&v, 4) == NULL
           && obp_route_ldc(&v, 9999) == NULL,
           "servers not described have no facts");
    tap_ok(obp_route_set_flags(&v) & OBP_ROUTE_SET_READONLY_ZONE,
           "the set knows a zone is read-only");
    tap_ok(find(&v, "db", "plain") != NULL, "entries after the servers");
    obp_route_read_end(&v);

    obp_route_build_begin(&b, shm, err, sizeof(err));
    s = (struct obp_route_server_in){ 1, false, "z1", "r", "i" };
    obp_route_add_server(&b, &s, err, sizeof(err));
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_ERROR,
               "a server given twice is refused");
    tap_like(err, "route server 1 given twice", "  message");
    obp_route_build_abort(&b);
    obp_route_build_begin(&b, shm, err, sizeof(err));
    memset(longname, 'z', OBP_ROUTE_LDC_NAME);
    longname[OBP_ROUTE_LDC_NAME] = '\0';
    s.zone = longname;
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_ERROR,
               "a zone name too long is refused");
    tap_like(err, "zone name of 64 bytes", "  message");
    obp_route_build_abort(&b);
    obp_route_build_begin(&b, shm, err, sizeof(err));
    s = (struct obp_route_server_in){ 60000, false, "z1", "r", "i" };
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_ERROR,
               "a server index out of range is refused");
    obp_route_build_abort(&b);
    obp_route_build_begin(&b, shm, err, sizeof(err));
    add_fixed(&b, 600);
    s = (struct obp_route_server_in){ 1, false, "z1", "r", "i" };
    tap_is_int(obp_route_add_server(&b, &s, err, sizeof(err)), OBP_ERROR,
               "a server after the entries is refused");
    obp_route_build_abort(&b);
}

/* Database and table names fold to ASCII lower case, bounded. */
static void
test_lower(void)
{
    char buf[8];

    tap_ok(obp_route_lower(buf, sizeof(buf), "ShOp_1\xc3\x89", 8) == false,
           "lower: 8 bytes do not fit 8");
    tap_ok(obp_route_lower(buf, sizeof(buf), "ShOp_\xc3\x89", 7)
           && strcmp(buf, "shop_\xc3\x89") == 0,
           "lower: ASCII folded, other bytes kept");
}

/*
 * One publisher at a time: a child building a set holds the others off
 * (the master and the monitor's OceanBase source); one that died while
 * building is taken over.
 */
static void
test_publisher(struct obp_shm *shm)
{
    struct obp_route_builder b;
    int                      go[2], done[2], status;
    char                     c = 0;
    pid_t                    pid;

    if (pipe(go) == -1 || pipe(done) == -1 || (pid = fork()) == -1) {
        printf("Bail out! fork: %s\n", strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        int rc = obp_route_build_begin(&b, shm, err, sizeof(err));

        (void)!write(go[1], &c, 1);
        (void)!read(done[0], &c, 1);
        _exit(rc == OBP_OK ? 0 : 1);    /* dies holding its claim */
    }
    (void)!read(go[0], &c, 1);
    tap_is_int(obp_route_build_begin(&b, shm, err, sizeof(err)), OBP_AGAIN,
               "a set waits while another process builds one");
    tap_like(err, "is publishing a route set", "  message");
    (void)!write(done[1], &c, 1);
    waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0
           && obp_route_build_begin(&b, shm, err, sizeof(err)) == OBP_OK,
           "a builder that died is taken over");
    obp_route_build_abort(&b);
    tap_ok(atomic_load(&obp_route_ctl(shm)->publisher) == 0,
           "abort gives the claim back");
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
}

static void
test_single(void)
{
    struct obp_shm        shm;
    struct obp_route_view v;

    if (obp_shm_create(&shm, 2, 64 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create: %s\n", strerror(errno));
        exit(1);
    }
    tap_ok(obp_route_read_begin(&v, &shm, 2) == OBP_ERROR,
           "a slot out of range is refused");
    test_publish(&shm);
    test_republish(&shm);
    test_full(&shm);
    test_refused(&shm);
    test_sink(&shm);
    test_servers(&shm);
    test_publisher(&shm);
    test_lower();
    obp_shm_detach(&shm);
}

/*
 * Table t<i> of generation g in the concurrency test (and the checks of
 * its readers): leaves, table id and replicas all depend on both.
 */
#define GEN_MAX_TABLES  8
#define GEN_MAX_LEAVES  3
#define GEN_MAX_REPL    3

static struct obp_part_desc *gen_blob[GEN_MAX_LEAVES + 1];

static size_t
gen_ntables(uint64_t g)
{
    return 3 + g % 5;
}

static size_t
gen_fill(uint64_t g, size_t i, uint32_t nrepl[GEN_MAX_LEAVES],
         struct obp_route_replica r[GEN_MAX_LEAVES * GEN_MAX_REPL])
{
    size_t nleaves = 1 + (g + i) % GEN_MAX_LEAVES, n = 0;

    for (size_t l = 0; l < nleaves; l++) {
        nrepl[l] = (uint32_t)(1 + (g + l) % GEN_MAX_REPL);
        for (uint32_t k = 0; k < nrepl[l]; k++)
            r[n++] = repl((unsigned)((g + i + l + k) % 16),
                          k == 0 ? OBP_ROUTE_LEADER : OBP_ROUTE_FOLLOWER,
                          k == 2 ? OBP_ROUTE_READONLY : OBP_ROUTE_FULL, 0);
    }
    return nleaves;
}

static int
gen_build(struct obp_shm *shm, uint64_t *agains)
{
    struct obp_route_builder b;
    struct obp_route_replica r[GEN_MAX_LEAVES * GEN_MAX_REPL];
    uint32_t                 nrepl[GEN_MAX_LEAVES];
    char                     name[16];
    int                      rc;

    while ((rc = obp_route_build_begin(&b, shm, err, sizeof(err)))
           == OBP_AGAIN) {
        (*agains)++;
        sched_yield();
    }
    for (size_t i = 0; rc == OBP_OK && i < gen_ntables(b.generation); i++) {
        struct obp_route_table_in in = { .leaf_nrepl = nrepl,
                                         .replicas = r };

        snprintf(name, sizeof(name), "t%zu", i);
        in.key = key("db", name);
        in.table_id = (int64_t)(b.generation * 1000 + i);
        in.nleaves = gen_fill(b.generation, i, nrepl, r);
        in.part = in.nleaves > 1 ? gen_blob[in.nleaves] : NULL;
        rc = obp_route_add_table(&b, &in, err, sizeof(err));
    }
    if (rc == OBP_OK)
        rc = obp_route_build_commit(&b, err, sizeof(err));
    return rc;
}

/* Whether table t<i>, as found in generation g, is what g published. */
static bool
gen_entry_ok(const struct obp_route_entry *e, uint64_t g, size_t i)
{
    struct obp_route_replica        r[GEN_MAX_LEAVES * GEN_MAX_REPL];
    uint32_t                        nrepl[GEN_MAX_LEAVES], n;
    size_t                          nleaves = gen_fill(g, i, nrepl, r), at = 0;
    const struct obp_route_replica *got;

    if (e->generation != g || e->table_id != (int64_t)(g * 1000 + i)
        || e->nleaves != nleaves
        || (obp_route_part(e) == NULL) != (nleaves == 1))
        return false;
    for (uint32_t l = 0; l < nleaves; l++) {
        got = obp_route_replicas(e, l, &n);
        if (got == NULL || n != nrepl[l]
            || memcmp(got, r + at, n * sizeof(*got)) != 0)
            return false;
        at += n;
    }
    return true;
}

/* A forked reader: looks up until <until_us>; exits 0 if all was right. */
static void OBP_NORETURN
reader(struct obp_shm *shm, unsigned slot, int64_t until_us, int out)
{
    struct obp_route_view v;
    uint64_t              reads = 0, bad = 0, gens = 0, last = 0;
    char                  name[16], line[96];

    while (obp_now_us() < until_us) {
        if (obp_route_read_begin(&v, shm, slot) != OBP_OK)
            _exit(2);
        if (v.generation != last)
            gens++;
        last = v.generation;
        for (size_t i = 0; v.bank != NULL && i < GEN_MAX_TABLES; i++) {
            struct obp_route_key           k;
            const struct obp_route_entry *e;

            snprintf(name, sizeof(name), "t%zu", i);
            k = key("db", name);
            e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
            if (i < gen_ntables(v.generation) ? e == NULL
                || !gen_entry_ok(e, v.generation, i) : e != NULL)
                bad++;
            reads++;
        }
        obp_route_read_end(&v);
    }
    snprintf(line, sizeof(line), "%llu %llu %llu",
             (unsigned long long)reads, (unsigned long long)bad,
             (unsigned long long)gens);
    if (write(out, line, strlen(line)) < 0)
        _exit(3);
    _exit(bad == 0 && reads > 0 ? 0 : 1);
}

static void
test_concurrent(void)
{
    enum { NREADERS = 2 };
    struct obp_shm shm;
    pid_t          pid[NREADERS];
    int            fds[NREADERS][2], status, ok = 1;
    int64_t        until, start = obp_now_us();
    uint64_t       publishes = 0, agains = 0;
    char           line[96], name[192];

    for (int n = 2; n <= GEN_MAX_LEAVES; n++)
        gen_blob[n] = hash_part(n);
    if (obp_shm_create(&shm, NREADERS + 1, 64 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create: %s\n", strerror(errno));
        exit(1);
    }
    until = start + 2 * 1000 * 1000;
    for (int i = 0; i < NREADERS; i++) {
        if (pipe(fds[i]) == -1 || (pid[i] = fork()) == -1) {
            printf("Bail out! fork: %s\n", strerror(errno));
            exit(1);
        }
        if (pid[i] == 0)
            reader(&shm, (unsigned)i + 1, until, fds[i][1]);
        close(fds[i][1]);
    }
    while (obp_now_us() < until - 200 * 1000 && publishes < 1000000) {
        if (gen_build(&shm, &agains) != OBP_OK) {
            tap_diag(err);
            ok = 0;
            break;
        }
        publishes++;
    }
    snprintf(name, sizeof(name), "writer: %llu generations published "
             "(%llu waits for a reader) in %.1f s", (unsigned long long)
             publishes, (unsigned long long)agains,
             (double)(obp_now_us() - start) / 1e6);
    /* a sanitized build on a busy 2-core box publishes some 150 */
    tap_ok(ok && publishes >= 50, name);
    for (int i = 0; i < NREADERS; i++) {
        ssize_t got = read(fds[i][0], line, sizeof(line) - 1);
        int     reaped = waitpid(pid[i], &status, 0) == pid[i];

        line[got > 0 ? got : 0] = '\0';
        snprintf(name, sizeof(name), "reader %d: every entry matches its "
                 "generation (reads, bad, generations: %s)", i, line);
        tap_ok(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0,
               name);
        close(fds[i][0]);
    }
    for (int n = 2; n <= GEN_MAX_LEAVES; n++)
        free(gen_blob[n]);
    obp_shm_detach(&shm);
}

int
main(void)
{
    test_single();
    test_concurrent();
    return tap_done();
}
