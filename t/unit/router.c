/*
 * Unit tests of the routing decision (shared/router.h) over a route set
 * published into a private segment from a small topology: three servers
 * in three IDCs (two regions); a HASH, a KEY, a two-level RANGE COLUMNS
 * + HASH and a non-partitioned table.  Every rule: forced targets,
 * leaders per key value, IN lists and missing keys, weak reads with each
 * LDC arrangement and policy, read/write split, FOR UPDATE, the
 * blocklist, unknown tables, placeholders, names in any case, read-only
 * zones, garbage; and a timing of a sysbench point select (printed, not
 * asserted).
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "route_fixture.h"

/* Zones z1 and z2 of region r1, then z3 as <z3>, and the servers. */
#define CLUSTER(z3)                                                   \
    "rootservice_cluster_name: demo\n"                                \
    "zones:\n"                                                        \
    "  z1: {region: r1, idc: i1}\n"                                   \
    "  z2: {region: r1, idc: i2}\n"                                   \
    "  z3: " z3 "\n"                                                   \
    "servers:\n"                                                      \
    "  s1: {address: 127.0.0.1:4001, zone: z1}\n"                     \
    "  s2: {address: 127.0.0.1:4002, zone: z2}\n"                     \
    "  s3: {address: 127.0.0.1:4003, zone: z3}\n"

static const char topology[] =
    CLUSTER("{region: r2, idc: i3}")
    "tenants:\n"
    "  app:\n"
    "    primary_zone: \"z2;z1,z3\"\n"
    "    replicas: [s1 leader, s2 follower, s3 follower]\n"
    "    databases:\n"
    "      test:\n"
    "        sbtest1:\n"
    "          partition: HASH\n"
    "          columns: [id BIGINT]\n"
    "          partitions: 3\n"
    "          replicas:\n"
    "            p0: [s1 leader, s2 follower, s3 follower]\n"
    "            p1: [s2 leader, s3 follower, s1 follower]\n"
    "            p2: [s3 leader, s1 follower, s2 follower]\n"
    "        users:\n"
    "          partition: KEY\n"
    "          columns: [name VARCHAR(32) utf8mb4_general_ci]\n"
    "          partitions: 3\n"
    "          replicas:\n"
    "            p0: [s1 leader, s2 follower, s3 follower]\n"
    "            p1: [s2 leader, s3 follower, s1 follower]\n"
    "            p2: [s3 leader, s1 follower, s2 follower]\n"
    "        events:\n"
    "          partition: RANGE COLUMNS\n"
    "          columns: [day DATE]\n"
    "          partitions:\n"
    "            p2024: \"'2025-01-01'\"\n"
    "            pmax: MAXVALUE\n"
    "          subpartition: HASH\n"
    "          subcolumns: [id BIGINT]\n"
    "          subpartitions: 2\n"
    "          replicas: [s1 leader, s2 follower, s3 follower]\n"
    "          replicas.pmaxsp1: [s2 leader, s1 follower]\n"
    "        Plain: ~\n";

/* The same servers with z3 read-only, in region r1. */
static const char topology_ro[] =
    CLUSTER("{region: r1, idc: i3, readonly: true}")
    "tenants:\n"
    "  app:\n"
    "    primary_zone: \"z3;z2;z1\"\n"
    "    replicas: [s1 leader, s2 follower, s3 readonly]\n"
    "    databases:\n"
    "      test:\n"
    "        plain: ~\n";

static struct obp_shm   shm;
static struct obp_conf *conf;
static int              srv[3];         /* s1, s2, s3's indexes */
static uint64_t         rng = 0x1234567;
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
    static struct obp_level_vals lv;    /* outlives the call, as in */
    struct obp_router_in         in;

    memset(&in, 0, sizeof(in));
    obp_level_resolve(conf, "demo", "app", &lv);
    in.shm = &shm;
    in.conf = conf;
    in.levels = &lv;
    in.cluster = obp_route_name("demo");
    in.tenant = obp_route_name("app");
    in.db = obp_route_name("test");
    in.sql = sql;
    in.sql_len = strlen(sql);
    in.sql_flags = OBP_SQL_BACKSLASH;
    in.now_us = 1000000;
    in.rng = &rng;
    return in;
}

static struct obp_router_out
route_in(const struct obp_router_in *in)
{
    struct obp_router_out out;

    obp_router_route(in, &out);
    return out;
}

static struct obp_router_out
route(const char *sql)
{
    struct obp_router_in in = in_for(sql);

    return route_in(&in);
}

static const char *
kind_name(enum obp_router_kind k)
{
    static const char *names[] = { "NONE", "FORCED", "LEADER", "WEAK",
                                   "TENANT", "ERROR" };

    return (unsigned)k < OBP_NELEMS(names) ? names[k] : "?";
}

/* "LEADER s2 s3 s1": the kind and the candidates by name. */
static const char *
shown(const struct obp_router_out *o)
{
    static char buf[256];
    size_t      len;

    snprintf(buf, sizeof(buf), "%s", kind_name(o->kind));
    for (unsigned i = 0; i < o->n; i++) {
        int k;

        for (k = 0; k < 3 && srv[k] != o->server[i]; k++)
            ;
        len = strlen(buf);
        snprintf(buf + len, sizeof(buf) - len, " %s%d", k < 3 ? "s" : "#",
                 k < 3 ? k + 1 : (int)o->server[i]);
    }
    return buf;
}

static const char *
shown_v(struct obp_router_out o)
{
    return shown(&o);
}

static void
is(const char *sql, const char *want, const char *label)
{
    struct obp_router_out o = route(sql);

    tap_is_str(shown(&o), want, label);
}

/* Whether server s<s> is <o>'s first candidate. */
static bool
first_is(const struct obp_router_out *o, int s)
{
    return o->n > 0 && o->server[0] == srv[s - 1];
}

/* A strong read led by s<s>, its followers after it. */
static void
leads(const char *sql, int s, const char *label)
{
    struct obp_router_out o = route(sql);

    if (!tap_ok(o.kind == OBP_RT_LEADER && first_is(&o, s) && o.n == 3,
                label))
        printf("#   got %s\n", shown(&o));
}

static void
test_forced(void)
{
    struct obp_router_out o;

    is("/* target_db_server=127.0.0.1:4003 */ SELECT 1", "FORCED s3",
       "forced: a leading comment");
    is("/* ODP: target_db_server='127.0.0.1:4002' */ UPDATE sbtest1 SET "
       "c=1 WHERE id=0", "FORCED s2", "forced: ODP: form, over the leader");
    setp("target_db_server", "127.0.0.1:4002; 127.0.0.1:4001,127.0.0.1:4003");
    o = route("SELECT c FROM sbtest1 WHERE id=0");
    tap_ok(o.kind == OBP_RT_FORCED && o.n == 3 && first_is(&o, 2),
           "forced: the parameter, first group first");
    is("/* target_db_server=127.0.0.1:4001 */ SELECT 1", "FORCED s1",
       "forced: the comment wins over the parameter");
    setp("target_db_server", "127.0.0.1:9999");
    o = route("SELECT 1");
    tap_is_str(kind_name(o.kind), "ERROR", "forced: no known server: ERROR");
    tap_like(o.err, "127.0.0.1:9999", "  naming it");
    setp("target_db_server", "");
}

static void
test_leader(void)
{
    char label[96], sql[96];
    int  hits[3] = { 0 };

    for (int id = 0; id < 9; id++) {
        struct obp_router_out o;

        snprintf(sql, sizeof(sql), "SELECT c FROM sbtest1 WHERE id=%d", id);
        o = route(sql);
        snprintf(label, sizeof(label), "HASH: id %d is led by s%d", id,
                 id % 3 + 1);
        tap_ok(o.kind == OBP_RT_LEADER && first_is(&o, id % 3 + 1)
               && o.leaf == id % 3 && o.found, label);
        hits[id % 3] += o.kind == OBP_RT_LEADER;
    }
    tap_ok(hits[0] == 3 && hits[1] == 3 && hits[2] == 3,
           "HASH: three values to each server");
    leads("SELECT c FROM sbtest1 WHERE id=4", 2,
          "strong read: the leader, then the followers (LDC off)");
    is("UPDATE sbtest1 SET c='x' WHERE id=4", "LEADER s2",
       "write: the leader alone");
    is("INSERT INTO sbtest1 (id, c) VALUES (5, 'a')", "LEADER s3",
       "INSERT: the row's leader");
    is("INSERT INTO sbtest1 (c, id) VALUES ('a', 3), ('b', 6)", "LEADER s1",
       "INSERT: rows in one partition");
    is("DELETE FROM sbtest1 WHERE id = -7", "LEADER s2",
       "DELETE: a negative key (abs)");
    leads("SELECT c FROM sbtest1 WHERE id=-9223372036854775808", 2,
          "the least BIGINT: abs() saturates to p1");
    is("SELECT c FROM sbtest1 WHERE id=18446744073709551615", "NONE",
       "a key past BIGINT: no partition");
    is("SELECT c FROM sbtest1 WHERE id=99999999999999999999999", "NONE",
       "a key past 64 bits: no partition");
    leads("SELECT * FROM events WHERE day='2024-05-01' AND id=1", 1,
          "two levels: p2024sp1 led by s1");
    {
        struct obp_router_out o = route("SELECT * FROM events WHERE "
                                        "day='2030-01-01' AND id=3");

        tap_ok(o.kind == OBP_RT_LEADER && first_is(&o, 2) && o.leaf == 3,
               "two levels: pmaxsp1 (leaf 3) led by s2");
    }
    is("SELECT * FROM events WHERE day='2030-01-01'", "NONE",
       "two levels: a subpartition key missing: NONE");
    leads("SELECT * FROM plain", 1,
          "not partitioned: the table's leader");
    leads("SELECT * FROM sbtest1 WHERE a=1 AND b=1 AND c=1 AND d=1 AND "
          "e=1 AND f=1 AND g=1 AND h=1 AND i=1 AND id=4", 2,
          "the key after eight other columns: classified again");
    is("SELECT * FROM other.sbtest1 WHERE id=4", "NONE",
       "the statement's database over the session's");
    leads("/* table=sbtest1 part_key=4 */ SELECT c FROM t WHERE x=1", 2,
          "simple route info: table=sbtest1 part_key=4");
    is("/* table=SBTEST1 part_key='5' */ UPDATE t SET c=1", "LEADER s3",
       "simple route info: a write, quoted");
    is("/* table=events part_key=1 */ SELECT 1 FROM events", "NONE",
       "simple route info: not for two levels");
}

/* KEY: the leader of the leaf the calculation gives, in any case. */
static void
test_key(void)
{
    struct obp_route_view         v;
    struct obp_route_key          k = { obp_route_name("demo"),
                                        obp_route_name("app"),
                                        obp_route_name("test"),
                                        obp_route_name("users") };
    const struct obp_route_entry *e;
    const char                   *names[] = { "bob", "alice", "carol",
                                              "dave", "eve" };
    int                           ok = 0;

    obp_route_read_begin(&v, &shm, 0);
    e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
    for (size_t i = 0; e != NULL && i < OBP_NELEMS(names); i++) {
        struct obp_part_value  pv = { .kind = OBP_PV_STRING,
                                      .str = names[i],
                                      .len = strlen(names[i]) };
        struct obp_part_result res;
        struct obp_router_out  o, up;
        char                   sql[96];
        int32_t                leaf;

        if (obp_part_calc(obp_route_part(e), &pv, 1, NULL, 0, &res)
            != OBP_PART_COMPUTED)
            continue;
        leaf = obp_route_leaf_index(obp_route_part(e), &res);
        snprintf(sql, sizeof(sql), "SELECT * FROM users WHERE name='%s'",
                 names[i]);
        o = route(sql);
        snprintf(sql, sizeof(sql), "SELECT * FROM users WHERE name='%c%s '",
                 names[i][0] - 'a' + 'A', names[i] + 1);
        up = route(sql);
        ok += o.kind == OBP_RT_LEADER && o.leaf == leaf
              && first_is(&o, leaf + 1) && up.leaf == leaf;
    }
    obp_route_read_end(&v);
    tap_is_int(ok, 5, "KEY: five names to their leaf's leader, in any case "
               "and with trailing spaces (general_ci)");
    is("SELECT * FROM users WHERE name='it''s' OR 1", "NONE",
       "KEY: a key under OR: NONE");
    {
        struct obp_router_out a = route("SELECT * FROM users WHERE "
                                        "name='it''s'");
        struct obp_router_out b = route("SELECT * FROM users WHERE "
                                        "name='it\\'s'");
        struct obp_router_out c = route("SELECT * FROM users WHERE "
                                        "name=\"it's\"");

        tap_ok(a.kind == OBP_RT_LEADER && a.leaf == b.leaf
               && a.leaf == c.leaf, "KEY: 'it''s', 'it\\'s' and \"it's\" "
               "are one value");
    }
}

static void
test_fallbacks(void)
{
    struct obp_router_in  in;
    struct obp_router_out o;

    leads("SELECT c FROM sbtest1 WHERE id IN (1, 4, 7)", 2,
          "IN: every value in p1: its leader");
    is("SELECT c FROM sbtest1 WHERE id IN (1, 2)", "NONE",
       "IN: two partitions: NONE (enable_cached_server)");
    is("SELECT c FROM sbtest1 WHERE c='x'", "NONE", "no key: NONE");
    is("INSERT INTO sbtest1 (id) VALUES (1), (2)", "NONE",
       "INSERT: rows in two partitions: NONE");
    in = in_for("SELECT c FROM sbtest1 WHERE c='x'");
    in.want_tenant = true;
    o = route_in(&in);
    tap_ok(o.kind == OBP_RT_TENANT && o.n == 3 && first_is(&o, 2),
           "want_tenant: the tenant's servers, primary zone z2 first");
    setp("enable_cached_server", "false");
    o = route("SELECT c FROM sbtest1 WHERE c='x'");
    tap_ok(o.kind == OBP_RT_TENANT && first_is(&o, 2),
           "enable_cached_server off: TENANT, primary zone first");
    setp("enable_primary_zone", "false");
    o = route("SELECT c FROM sbtest1 WHERE c='x'");
    tap_ok(o.kind == OBP_RT_LEADER && o.leaf >= 0 && o.leaf < 3,
           "both off: a random partition's leader (ODP)");
    setp("enable_primary_zone", "true");
    setp("enable_cached_server", "true");
    o = route("SELECT c FROM nothing WHERE id=1");
    tap_ok(o.kind == OBP_RT_NONE && o.looked_up && !o.found,
           "unknown table: NONE, a lookup miss");
    in = in_for("SELECT c FROM nothing WHERE id=1");
    in.want_tenant = true;
    tap_is_str(kind_name(route_in(&in).kind), "TENANT",
               "  TENANT with want_tenant");
    is("SELECT 1", "NONE", "no table: NONE");
    is("SET @a = 1", "NONE", "SET: NONE");
    in = in_for("SELECT c FROM sbtest1 WHERE id=1");
    in.db = obp_route_name("");
    tap_is_str(kind_name(route_in(&in).kind), "NONE",
               "no database: NONE");
    in.tenant = obp_route_name("other");
    in.want_tenant = true;
    tap_is_str(kind_name(route_in(&in).kind), "NONE",
               "want_tenant for a tenant not in the cache: NONE");
}

/* A weak read of p1 (s2 leader, s3 and s1 followers) under <idc>. */
static struct obp_router_out
weak_p1(const char *idc, const char *policy)
{
    struct obp_router_in in = in_for("SELECT /*+ READ_CONSISTENCY(WEAK) */ "
                                     "c FROM sbtest1 WHERE id=1");

    in.session_idc = idc;
    in.session_policy = policy;
    return route_in(&in);
}

/* The tenant's servers without a replica ("T"), and TENANT weak. */
static void
test_weak_tenant(void)
{
    struct obp_router_in  in = in_for("SELECT /*+ READ_CONSISTENCY(WEAK) */ "
                                      "* FROM events WHERE day='2030-01-01'"
                                      " AND id=3");
    struct obp_router_out o;

    in.session_idc = "i1";
    tap_is_str(shown_v(o = route_in(&in)), "WEAK s1 s2 s3",
               "weak from i1 on pmaxsp1 (s2, s1): then s3, a tenant server "
               "without the partition");
    in.session_idc = "i3";
    o = route_in(&in);
    tap_ok(o.kind == OBP_RT_WEAK && o.n == 3 && first_is(&o, 3),
           "  from i3: the local tenant server before remote replicas");
    in = in_for("SELECT /*+ READ_CONSISTENCY(WEAK) */ 1");
    in.want_tenant = true;
    in.session_idc = "i3";
    o = route_in(&in);
    tap_ok(o.kind == OBP_RT_TENANT && o.weak && first_is(&o, 3),
           "TENANT for a weak read: by LDC, not primary zone");
}

static void
test_weak(void)
{
    struct obp_router_out o = weak_p1(NULL, NULL);

    tap_ok(o.kind == OBP_RT_WEAK && o.weak && o.n == 3,
           "weak hint: WEAK, every replica (LDC off)");
    setp("proxy_idc_name", "i1");
    tap_is_str(shown_v(o = weak_p1(NULL, NULL)), "WEAK s1 s2 s3",
               "MERGE_IDC_ORDER from i1: same IDC, same region, other");
    o = weak_p1("I3", NULL);
    tap_ok(o.kind == OBP_RT_WEAK && o.n == 3 && first_is(&o, 3),
           "session IDC i3 (any case) over the parameter: s3 first");
    o = weak_p1("nowhere", NULL);
    tap_ok(o.kind == OBP_RT_WEAK && o.n == 3,
           "an unknown IDC: LDC off, every replica");
    tap_is_str(shown_v(o = weak_p1("i2", "FOLLOWER_FIRST")),
               "WEAK s1 s2 s3",
               "FOLLOWER_FIRST from i2: follower of the region, leader, "
               "then the other region");
    tap_is_str(shown_v(o = weak_p1("i2", "UNMERGE_FOLLOWER_FIRST")),
               "WEAK s1 s2 s3", "UNMERGE_FOLLOWER_FIRST: the same");
    tap_is_str(shown_v(o = weak_p1("i2", "follower_only")), "WEAK s1 s3",
               "FOLLOWER_ONLY (any case): never the leader");
    setp("proxy_route_policy", "FOLLOWER_ONLY");
    tap_is_str(shown_v(o = weak_p1("i3", NULL)), "WEAK s3 s1",
               "the parameter's policy: FOLLOWER_ONLY from i3");
    tap_is_str(shown_v(o = weak_p1("i3", "bogus")), "WEAK s3 s1",
               "an unknown session policy: the parameter's");
    setp("proxy_route_policy", "");
    o = weak_p1("i3", NULL);
    tap_ok(o.kind == OBP_RT_WEAK && first_is(&o, 3) && o.n == 3,
           "MERGE_IDC_ORDER from i3: s3, then the other region");
    test_weak_tenant();
    setp("proxy_idc_name", "");
}

static void
test_split(void)
{
    struct obp_router_in  in = in_for("SELECT c FROM sbtest1 WHERE id=1");
    struct obp_router_out o;

    tap_is_str(kind_name(route_in(&in).kind), "LEADER",
               "a SELECT is strong by default");
    in.session_weak = 1;
    tap_is_str(kind_name(route_in(&in).kind), "WEAK",
               "session_weak: WEAK");
    in.in_trans = true;
    tap_is_str(kind_name(route_in(&in).kind), "LEADER",
               "  in a transaction: LEADER");
    setp("enable_read_write_split", "true");    /* in_for() resolves it */
    in = in_for("SELECT c FROM sbtest1 WHERE id=1");
    tap_is_str(kind_name(route_in(&in).kind), "WEAK",
               "read/write split: a SELECT outside a transaction is WEAK");
    in.in_trans = true;
    tap_is_str(kind_name(route_in(&in).kind), "LEADER",
               "  inside one: LEADER");
    o = route("SELECT c FROM sbtest1 WHERE id=1 FOR UPDATE");
    tap_ok(o.kind == OBP_RT_LEADER && !o.weak,
           "  FOR UPDATE: LEADER");
    o = route("SELECT /*+ READ_CONSISTENCY(STRONG) */ c FROM sbtest1 "
              "WHERE id=1");
    tap_is_str(kind_name(o.kind), "LEADER", "  a STRONG hint: LEADER");
    o = route("UPDATE sbtest1 SET c=1 WHERE id=1");
    tap_ok(o.kind == OBP_RT_LEADER && o.write && !o.weak,
           "  a write: LEADER");
    setp("enable_read_write_split", "false");
    o = route("SELECT /*+ READ_CONSISTENCY(WEAK) */ c FROM sbtest1 WHERE "
              "id=1 FOR UPDATE");
    tap_is_str(kind_name(o.kind), "LEADER",
               "a WEAK hint with FOR UPDATE: LEADER");
    in = in_for("SELECT /*+ READ_CONSISTENCY(WEAK) */ c FROM sbtest1 "
                "WHERE id=1");
    in.in_trans = true;
    tap_is_str(kind_name(route_in(&in).kind), "LEADER",
               "a WEAK hint in a transaction: LEADER");
}

static void
test_blocked(void)
{
    struct obp_router_out o;

    setp("proxy_idc_name", "i1");
    obp_bl_failed(&shm, srv[0], true, 1000000, conf);
    tap_is_str(shown_v(o = weak_p1(NULL, NULL)), "WEAK s2 s3",
               "a blocked follower is left out");
    tap_is_str(shown_v(o = route("SELECT c FROM sbtest1 WHERE id=0")),
               "LEADER s2 s3", "a strong read: its blocked leader left out");
    o = route("UPDATE sbtest1 SET c=1 WHERE id=0");
    tap_is_str(kind_name(o.kind), "ERROR",
               "a write whose leader is blocked: ERROR");
    tap_like(o.err, "leader of test.sbtest1, server 127.0.0.1:4001",
             "  naming the table and the server");
    obp_bl_failed(&shm, srv[1], true, 1000000, conf);
    obp_bl_failed(&shm, srv[2], true, 1000000, conf);
    tap_is_str(shown_v(o = weak_p1(NULL, NULL)), "WEAK s1 s2 s3",
               "every replica blocked: all, in order");
    setp("enable_congestion", "false");
    tap_is_str(kind_name(route("UPDATE sbtest1 SET c=1 WHERE id=0").kind),
               "LEADER", "enable_congestion off: nothing is blocked");
    setp("enable_congestion", "true");
    for (int i = 0; i < 3; i++)
        obp_bl_ok(&shm, srv[i]);
    tap_is_str(kind_name(route("UPDATE sbtest1 SET c=1 WHERE id=0").kind),
               "LEADER", "unblocked: the leader again");
    setp("proxy_idc_name", "");
}

static void
test_params(void)
{
    struct obp_router_in  in = in_for("SELECT c FROM sbtest1 WHERE id=?");
    struct obp_part_value p[2];

    memset(p, 0, sizeof(p));
    p[0].kind = OBP_PV_INT;
    p[0].i = 4;
    in.params = p;
    in.nparams = 1;
    tap_is_int(route_in(&in).leaf, 1, "a ? from params: id 4 in p1");
    in.nparams = 0;
    tap_is_str(kind_name(route_in(&in).kind), "NONE",
               "a ? without params: NONE");
    in.nparams = 1;
    p[0].kind = OBP_PV_UNKNOWN;
    tap_is_str(kind_name(route_in(&in).kind), "NONE",
               "an unknown param: NONE");
    in = in_for("INSERT INTO sbtest1 (c, id) VALUES (?, ?)");
    p[0].kind = OBP_PV_STRING;
    p[0].str = "x";
    p[0].len = 1;
    p[1].kind = OBP_PV_INT;
    p[1].i = 2;
    in.params = p;
    in.nparams = 2;
    tap_is_int(route_in(&in).leaf, 2, "INSERT: the second ? is the key");
}

static void
test_names(void)
{
    struct obp_router_in in;

    leads("SELECT * FROM `TEST`.`SbTest1` WHERE `ID` = 2", 3,
          "quoted names in mixed case");
    leads("select * from Test.SBTEST1 where Id = 2", 3,
          "unquoted names in mixed case");
    leads("SELECT * FROM PLAIN", 1,
          "a table declared Plain");
    in = in_for("SELECT * FROM sbtest1 WHERE id = 2");
    in.db = obp_route_name("TeSt");
    tap_is_int(route_in(&in).leaf, 2,
               "the session's database in mixed case");
    is("SELECT * FROM `test`.`sb``test1` WHERE id = 2", "NONE",
       "a doubled backquote is part of the name");
}

/* Statements with a byte changed or cut short: every key path. */
static int
mutations(void)
{
    static const char *const tmpl[] = {
        "INSERT INTO sbtest1 (id, c) VALUES (1, 'a\\'b'), (4, ?)",
        "SELECT * FROM users WHERE name IN ('x''y', _binary'z', ?) AND 1",
        "SELECT /*+ READ_CONSISTENCY(WEAK) */ * FROM events WHERE "
        "day='2024-01-01' AND id=-12.5e3",
        "/* table=sbtest1 part_key=7 */ UPDATE `test`.`sbtest1` SET c=1",
        "/* target_db_server=127.0.0.1:4001;127.0.0.1:4002 */ SELECT 1",
        "DELETE FROM Test.SbTest1 WHERE id=99999999999999999999 OR id=?",
    };
    static const char  bytes[] = "'`\"\\?,()=-;/*+ 0x";
    struct obp_part_value p[2] = { { .kind = OBP_PV_INT, .i = 3 },
                                   { .kind = OBP_PV_STRING, .str = "q",
                                     .len = 1 } };
    char                  buf[160];
    int                   ok = 0;

    for (int i = 0; i < 3000; i++) {
        const char          *t = tmpl[i % OBP_NELEMS(tmpl)];
        size_t               n = strlen(t);
        struct obp_router_in in;
        struct obp_router_out o;

        memcpy(buf, t, n);
        buf[rand() % (int)n] = bytes[rand() % (int)(sizeof(bytes) - 1)];
        in = in_for("");
        in.sql = buf;
        in.sql_len = (size_t)(rand() % 4 == 0 ? rand() % (int)n : (int)n);
        in.params = p;
        in.nparams = 2;
        in.session_idc = i % 2 ? "i1" : NULL;
        o = route_in(&in);
        ok += o.n <= OBP_ROUTER_MAX_CAND && (o.kind != OBP_RT_ERROR
                                             || o.err[0] != '\0');
    }
    return ok;
}

static void
test_garbage(void)
{
    struct obp_router_in  in = in_for("");
    struct obp_router_out o;
    char                  buf[256];
    int                   ok = 0;

    tap_is_str(kind_name(route_in(&in).kind), "NONE", "empty: NONE");
    in.sql = NULL;
    tap_is_str(kind_name(route_in(&in).kind), "NONE", "NULL text: NONE");
    srand(7);
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));

        for (size_t j = 0; j < n; j++)
            buf[j] = (char)(rand() % 256);
        in = in_for("");
        in.sql = buf;
        in.sql_len = n;
        o = route_in(&in);
        ok += o.kind == OBP_RT_NONE || o.kind == OBP_RT_ERROR
              || o.n <= OBP_ROUTER_MAX_CAND;
    }
    tap_is_int(ok, 2000, "2000 random texts routed without harm");
    tap_is_int(mutations(), 3000, "3000 mutated statements routed without "
               "harm");
    is("SELECT c FROM sbtest1 WHERE id='", "NONE", "an open string: NONE");
    is("UPDATE sbtest1 SET c=1 WHERE id=1 OR id=2", "NONE",
       "OR: NONE");
}

/* Generation 2: z3 read-only. */
static void
test_readonly(void)
{
    struct obp_router_in  in;
    struct obp_router_out o;

    publish(topology_ro);
    o = route("SELECT * FROM plain");
    tap_is_str(shown(&o), "LEADER s1 s2",
               "strong read: never a read-only replica");
    in = in_for("SELECT /*+ READ_CONSISTENCY(WEAK) */ * FROM plain");
    in.session_idc = "i1";
    in.session_policy = "FOLLOWER_ONLY";
    tap_is_str(shown_v(o = route_in(&in)), "WEAK s3 s1 s2",
               "weak with a read-only zone: READONLY_ZONE_FIRST (the "
               "region's read-only zone, then same IDC), the policy "
               "ignored");
    in = in_for("SELECT 1");
    in.want_tenant = true;
    tap_is_str(shown_v(o = route_in(&in)), "TENANT s2 s1",
               "TENANT, strong: by priority z3;z2;z1, the read-only z3 "
               "left out");
}

static double
ns_per_call(struct obp_router_in *in, int n)
{
    struct obp_router_out o;
    struct timespec       a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++)
        obp_router_route(in, &o);
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9
            + (double)(b.tv_nsec - a.tv_nsec)) / n;
}

static void
timing(void)
{
    struct obp_router_in  lit = in_for("SELECT c FROM sbtest1 WHERE id=4");
    struct obp_router_in  ps = in_for("SELECT c FROM sbtest1 WHERE id=?");
    struct obp_part_value p = { .kind = OBP_PV_INT, .i = 4 };

    publish(topology);
    ps.params = &p;
    ps.nparams = 1;
    ns_per_call(&lit, 1000);
    printf("# obp_router_route, sysbench point select: %.0f ns (literal), "
           "%.0f ns (? with a param)\n", ns_per_call(&lit, 200000),
           ns_per_call(&ps, 200000));
}

int
main(void)
{
    conf = obp_conf_new();
    if (conf == NULL || obp_shm_create(&shm, 1, 4 * 1024 * 1024) != OBP_OK)
        bail("setup", "out of memory");
    tap_tmpdir(dir, sizeof(dir), "router");
    publish(topology);
    test_forced();
    test_leader();
    test_key();
    test_fallbacks();
    test_weak();
    test_split();
    test_blocked();
    test_params();
    test_names();
    test_garbage();
    tap_is_int(obp_router_stat(OBP_RT_WEAK), OBP_STAT_route_weak,
               "WEAK counts as route_weak");
    tap_is_int(obp_router_stat(OBP_RT_NONE), OBP_STAT_route_none,
               "NONE counts as route_none");
    test_readonly();
    timing();
    obp_shm_detach(&shm);
    obp_conf_free(conf);
    rmdir(dir);
    return tap_done();
}
