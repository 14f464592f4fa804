/*
 * Unit tests of the roles rule (shared/router.h "Roles") over a primary
 * and two replicas published from a topology of servers only: every
 * statement kind on tables declared or not, the read/write split and
 * its weights (counted over many draws), lock functions, temporary
 * tables, primary_reads, a blocked primary and blocked replicas, the
 * replicas that have applied a session's write by GTID, and the tenant's
 * ob_max_read_stale_time.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "route_fixture.h"

static const char topology[] =
    "rootservice_cluster_name: demo\n"
    "servers:\n"
    "  primary: {address: 127.0.0.1:4001, role: primary}\n"
    "  replica1: {address: 127.0.0.1:4002, role: replica, weight: 3}\n"
    "  replica2: {address: 127.0.0.1:4003, role: replica}\n";

/* The same in two IDCs: the primary and replica1 in i1, replica2 in i2. */
static const char topology_ldc[] =
    "rootservice_cluster_name: demo\n"
    "zones:\n"
    "  z1: {region: r1, idc: i1}\n"
    "  z2: {region: r1, idc: i2}\n"
    "servers:\n"
    "  primary: {address: 127.0.0.1:4001, zone: z1, role: primary}\n"
    "  replica1: {address: 127.0.0.1:4002, zone: z1, role: replica,"
    " weight: 3}\n"
    "  replica2: {address: 127.0.0.1:4003, zone: z2, role: replica}\n";

static struct obp_shm   shm;
static struct obp_conf *conf;
static int              srv[3];         /* primary, replica1, replica2 */
static uint64_t         rng = 0x7654321;
static char             dir[256];

/* Publishes <yaml> as the next generation. */
static void
publish(const char *yaml)
{
    fixture_publish(&shm, dir, yaml, srv);
}

static void
setp(const char *name, const char *value)
{
    fixture_set(conf, name, value);
}

static struct obp_router_in
in_for(const char *sql)
{
    static struct obp_level_vals lv;
    struct obp_router_in         in;

    memset(&in, 0, sizeof(in));
    obp_level_resolve(conf, "demo", "sys", &lv);
    in.shm = &shm;
    in.conf = conf;
    in.levels = &lv;
    in.cluster = obp_route_name("demo");
    in.tenant = obp_route_name("sys");
    in.db = obp_route_name("test");
    in.sql = sql;
    in.sql_len = strlen(sql);
    in.now_us = 1000000;
    in.rng = &rng;
    return in;
}

/* "LEADER p" or "WEAK r?": the kind and whether the first is a replica. */
static const char *
where(const struct obp_router_in *in)
{
    static const char *const kinds[] = { "NONE", "FORCED", "LEADER", "WEAK",
                                         "TENANT", "ERROR" };
    static char              buf[64];
    struct obp_router_out    o;

    obp_router_route(in, &o);
    snprintf(buf, sizeof(buf), "%s%s", kinds[o.kind],
             o.n == 0 ? "" : o.server[0] == srv[0] ? " p" : " r");
    return buf;
}

static const char *
where_sql(const char *sql)
{
    struct obp_router_in in = in_for(sql);

    return where(&in);
}

static void
test_primary(void)
{
    struct obp_router_in in = in_for("SELECT * FROM t WHERE id = 1");

    tap_is_str(where_sql("INSERT INTO t VALUES (1)"), "LEADER p",
               "INSERT into a table not declared: the primary");
    tap_is_str(where_sql("UPDATE t SET a = 1"), "LEADER p", "UPDATE");
    tap_is_str(where_sql("DELETE FROM t"), "LEADER p", "DELETE");
    tap_is_str(where_sql("CREATE TABLE t (a INT)"), "LEADER p", "DDL");
    tap_is_str(where_sql("CALL p()"), "LEADER p", "CALL");
    tap_is_str(where_sql("FLUSH TABLES"), "LEADER p",
               "a statement the classifier cannot place");
    tap_is_str(where_sql("SELECT * FROM t"), "LEADER p",
               "split off: a read on the primary");
    tap_is_str(where_sql("SET @a = 1"), "NONE",
               "SET: where the session is");
    tap_is_str(where_sql("SHOW WARNINGS"), "NONE", "SHOW too");
    tap_is_str(where_sql("XA START 'x'"), "LEADER p",
               "XA START (not held by the proxy): the primary");
    in = in_for("SET @a = 1");
    in.want_tenant = true;
    tap_is_str(where(&in), "TENANT p",
               "the session's first server: the primary");
}

static void
test_split(void)
{
    struct obp_router_in in;

    setp("enable_read_write_split", "true");
    tap_is_str(where_sql("SELECT * FROM t WHERE id = 1"), "WEAK r",
               "split: a read on a replica");
    tap_is_str(where_sql("SELECT 1"), "WEAK r", "split: without a table");
    tap_is_str(where_sql("SELECT * FROM t FOR UPDATE"), "LEADER p",
               "FOR UPDATE: the primary");
    tap_is_str(where_sql("SELECT * FROM t LOCK IN SHARE MODE"), "LEADER p",
               "LOCK IN SHARE MODE: the primary");
    tap_is_str(where_sql("SELECT GET_LOCK('a', 1)"), "LEADER p",
               "GET_LOCK(): the primary");
    tap_is_str(where_sql("SELECT release_lock('a')"), "LEADER p",
               "RELEASE_LOCK(): the primary");
    tap_is_str(where_sql("SELECT 1; SELECT 2"), "LEADER p",
               "two statements: the primary");
    tap_is_str(where_sql("INSERT INTO t VALUES (1)"), "LEADER p",
               "split: a write on the primary");
    tap_is_str(where_sql("SELECT LAST_INSERT_ID()"), "LEADER p",
               "LAST_INSERT_ID(): the primary, where the write ran");
    tap_is_str(where_sql("SELECT @@session.identity"), "LEADER p",
               "@@session.identity too");
    tap_is_str(where_sql("SELECT FOUND_ROWS()"), "WEAK r",
               "FOUND_ROWS(): a read (the worker keeps it in place)");
    in = in_for("SELECT * FROM t");
    in.in_trans = true;
    tap_is_str(where(&in), "LEADER p", "in a transaction: the primary");
    in = in_for("SELECT * FROM t");
    in.primary_reads = true;
    tap_is_str(where(&in), "LEADER p", "primary_reads: the primary");
    tap_is_str(where_sql("SELECT /*+ READ_CONSISTENCY(STRONG) */ * FROM t"),
               "LEADER p", "a strong hint: the primary");
}

/* Weights 3:1: counted over 4000 draws, each within 10% of its share. */
static void
test_weights(void)
{
    struct obp_router_in  in = in_for("SELECT * FROM t WHERE id = 1");
    struct obp_router_out o;
    unsigned              n[3] = { 0, 0, 0 }, best1 = 0;

    for (int i = 0; i < 4000; i++) {
        obp_router_route(&in, &o);
        for (int k = 0; k < 3; k++)
            n[k] += o.n > 0 && o.server[0] == srv[k];
        best1 += o.best == 1 && o.n == 3 && o.server[2] == srv[0];
    }
    tap_ok(n[0] == 0 && n[1] > 2700 && n[1] < 3300 && n[2] > 900
           && n[2] < 1100, "weights 3:1 over 4000 reads");
    printf("# replica1 %u, replica2 %u, primary %u\n", n[1], n[2], n[0]);
    tap_is_int(best1, 4000, "each draw alone first, the primary last");
}

static void
test_blocked(void)
{
    struct obp_router_out o;
    struct obp_router_in  in;

    obp_bl_failed(&shm, srv[1], true, 1000000, conf);
    in = in_for("SELECT * FROM t");
    obp_router_route(&in, &o);
    tap_ok(o.kind == OBP_RT_WEAK && o.n == 2 && o.server[0] == srv[2]
           && o.server[1] == srv[0],
           "a blocked replica: the other one, then the primary");
    obp_bl_failed(&shm, srv[2], true, 1000000, conf);
    tap_is_str(where_sql("SELECT * FROM t"), "LEADER p",
               "both replicas blocked: the primary reads");
    obp_bl_ok(&shm, srv[1]);
    obp_bl_failed(&shm, srv[0], true, 1000000, conf);
    tap_is_str(where_sql("SELECT * FROM t"), "WEAK r",
               "a blocked primary: reads go on on the replicas");
    in = in_for("UPDATE t SET a = 1");
    obp_router_route(&in, &o);
    tap_is_str(o.kind == OBP_RT_ERROR ? "ERROR" : "?", "ERROR",
               "a blocked primary: a write is refused");
    tap_like(o.err, "primary, server 127.0.0.1:4001", "  naming it");
    for (int i = 0; i < 3; i++)
        obp_bl_ok(&shm, srv[i]);
    tap_is_str(where_sql("UPDATE t SET a = 1"), "LEADER p",
               "unblocked: the primary again");
}

/* Server <i>'s probe at <at_us>: a replica (i > 0) lagging <lag_us>,
   its position <gtid> (MariaDB's text). */
static void
probed(int i, int64_t at_us, int64_t lag_us, const char *gtid)
{
    struct obp_probe_result r = {
        .read_only = i > 0, .lag_us = i > 0 ? lag_us : -1,
        .repl = OBP_REPL_KNOWN | (i > 0 ? OBP_REPL_REPLICA | OBP_REPL_IO
                                          | OBP_REPL_SQL : 0)
    };

    obp_gtid_parse(&r.gtid, OBP_GTID_MARIADB, gtid, strlen(gtid));
    obp_srvstate_probed(&shm, srv[i], at_us, at_us, &r);
}

/* Where 50 reads with <raw> went: "r1", "r2", "p" or "mixed". */
static const char *
reads_with(struct obp_router_raw *raw)
{
    struct obp_router_in  in;
    struct obp_router_out o;
    unsigned              n[3] = { 0, 0, 0 };

    for (int i = 0; i < 50; i++) {
        in = in_for("SELECT * FROM t");
        in.raw = raw;
        in.now_us = 6000000;
        obp_router_route(&in, &o);
        for (int k = 0; k < 3; k++)
            n[k] += o.n > 0 && o.server[0] == srv[k];
    }
    return n[1] == 50 ? "r1" : n[2] == 50 ? "r2" : n[0] == 50 ? "p"
           : "mixed";
}

static void
test_gtid(void)
{
    struct obp_router_raw raw = { .since_us = 4000000, .window = true,
                                  .primary = -1 };

    probed(0, 5000000, 0, "0-1-100,1-1-7");
    probed(1, 5000000, 0, "0-1-100,1-1-7");
    probed(2, 5000000, 0, "0-1-99,1-1-7");
    tap_is_str(reads_with(NULL), "mixed", "no write: both replicas");
    tap_is_str(reads_with(&raw), "r1", "after a write: only the replica "
               "that holds the primary's position");
    tap_ok(raw.primary == srv[0] && raw.want.n == 2,
           "  that position kept for the session");
    probed(0, 5500000, 0, "0-1-120,1-1-7");
    tap_is_str(reads_with(&raw), "r1", "  the primary moving on does not "
               "matter");
    raw.primary = -1;
    raw.since_us = 5600000;
    tap_is_str(reads_with(&raw), "p", "the primary not read since the "
               "write: its reads on the primary");
    probed(0, 5700000, 0, "");
    tap_is_str(reads_with(&raw), "p", "a primary without GTIDs, within "
               "the window: the primary");
    raw.window = false;
    tap_is_str(reads_with(&raw), "mixed", "  past the window: the replicas");
    for (int i = 0; i < 3; i++)
        obp_srvstate_reset(&shm, srv[i]);
}

static void
test_stale(void)
{
    struct obp_router_in in = in_for("SELECT * FROM t");
    struct obp_level_vals lv = *in.levels;

    probed(1, 1000000, 2000000, "");
    probed(2, 1000000, 2000000, "");
    in.levels = &lv;
    tap_is_str(where(&in), "WEAK r", "lag 2 s, no limit: a replica");
    lv.max_read_stale = 1000000;
    tap_is_str(where(&in), "LEADER p", "the tenant's 1 s: the primary");
    lv.max_read_stale = 3000000;
    tap_is_str(where(&in), "WEAK r", "the tenant's 3 s: a replica");
    for (int i = 0; i < 3; i++)
        obp_srvstate_reset(&shm, srv[i]);
}

/* LDC first: the proxy's IDC's replica, whatever the weights. */
static void
test_ldc(void)
{
    struct obp_router_in  in;
    struct obp_router_out o;
    bool                  near = true;

    publish(topology_ldc);
    setp("proxy_idc_name", "i2");
    for (int i = 0; i < 50; i++) {
        in = in_for("SELECT * FROM t");
        obp_router_route(&in, &o);
        near = near && o.kind == OBP_RT_WEAK && o.n == 3
               && o.server[0] == srv[2] && o.server[1] == srv[1]
               && o.server[2] == srv[0];
    }
    tap_ok(near, "proxy_idc_name i2: replica2 (i2), then replica1, then "
           "the primary, over 50 reads");
    setp("proxy_idc_name", "");
    setp("enable_read_write_split", "false");
}

int
main(void)
{
    conf = obp_conf_new();
    if (conf == NULL || obp_shm_create(&shm, 1, 4 * 1024 * 1024) != OBP_OK)
        bail("setup", "out of memory");
    tap_tmpdir(dir, sizeof(dir), "router_role");
    publish(topology);
    test_primary();
    test_split();
    test_weights();
    test_blocked();
    test_gtid();
    test_stale();
    test_ldc();
    obp_shm_detach(&shm);
    obp_conf_free(conf);
    rmdir(dir);
    return tap_done();
}
