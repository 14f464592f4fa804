/*
 * Unit tests of the route diagnosis text (shared/routediag.h) over the
 * router's decisions on a published topology: ODP's layout whole for a
 * keyed SELECT, the levels, a keyless one, a weak read, a forced target,
 * a sticky session, a blocked leader, a refused write, and a buffer too
 * small.
 */
#include "obp.h"

#include <string.h>
#include <unistd.h>

#include "routediag.h"
#include "tap.h"
#include "route_fixture.h"

static const char topology[] =
    "rootservice_cluster_name: demo\n"
    "zones:\n"
    "  z1: {region: r1, idc: i1}\n"
    "  z2: {region: r1, idc: i2}\n"
    "  z3: {region: r2, idc: i3}\n"
    "servers:\n"
    "  s1: {address: 127.0.0.1:4001, zone: z1}\n"
    "  s2: {address: 127.0.0.1:4002, zone: z2}\n"
    "  s3: {address: 127.0.0.1:4003, zone: z3}\n"
    "tenants:\n"
    "  app:\n"
    "    replicas: [s1 leader, s2 follower, s3 follower]\n"
    "    databases:\n"
    "      test:\n"
    "        t1:\n"
    "          partition: HASH\n"
    "          columns: [id BIGINT]\n"
    "          partitions: 3\n"
    "          replicas:\n"
    "            p0: [s1 leader, s2 follower, s3 follower]\n"
    "            p1: [s2 leader, s3 follower, s1 follower]\n"
    "            p2: [s3 leader, s1 follower, s2 follower]\n"
    "        plain:\n"
    "          replicas: [s1 leader, s2 follower, s3 follower]\n";

static struct obp_shm   shm;
static struct obp_conf *conf;
static int              srv[3];
static uint64_t         rng = 0x1234567;
static char             dir[256];
static char             text[OBP_RDIAG_TEXT_MAX];
static size_t           cap = sizeof(text);   /* of text[] to use */

/* The diagnosis of <sql> at <level>, in text[]; <sticky>: on <last>. */
static int
diag(const char *sql, int level, bool sticky, const char *last)
{
    static struct obp_level_vals lv;
    struct obp_router_in         in;
    struct obp_router_out        out;
    struct obp_rdiag             d;

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
    in.now_us = 1000000;
    in.rng = &rng;
    in.want_tenant = true;
    obp_router_route(&in, &out);
    memset(&d, 0, sizeof(d));
    d.in = &in;
    d.out = &out;
    d.level = level;
    d.sticky = sticky;
    d.trans = sticky;
    d.last = last;
    return obp_rdiag_text(&d, text, cap);
}

static void
test_layout(void)
{
    tap_is_int(diag("SELECT c FROM t1 WHERE id = 4", 2, false, NULL), OBP_OK,
               "a keyed SELECT: the text fits");
    tap_is_str(text,
        "\nTrans Current Query:\"SELECT c FROM t1 WHERE id = 4\"\n\n"
        "Route Prompts\n-----------------\n"
        "> ROUTE_INFO\n"
        "  [INFO] Will do table partition location lookup to decide which "
        "server to route to\n"
        "> ROUTE_POLICY\n"
        "  [INFO] Will route to table's partition leader "
        "replica(127.0.0.1:4002) using non route policy because query for "
        "STRONG read\n\n\n"
        "Route Plan\n-----------------\n"
        "> SQL_PARSE:{cmd:\"COM_QUERY\", sql_cmd:\"SELECT\", table:\"t1\"}\n"
        "> ROUTE_INFO:{route_info_type:\"USE_PARTITION_LOCATION_LOOKUP\"}\n"
        "> LOCATION_CACHE_LOOKUP:{mode:\"route_cache\"}\n"
        "  > TABLE_ENTRY_LOOKUP_DONE:{table:\"t1\", table_id:\"500001\", "
        "table_type:\"USER TABLE\", partition_num:3}\n"
        "  > PARTITION_ID_CALC_START:{partition_num:3}\n"
        "  > PARTITION_ID_CALC_DONE:{partition_id:1, partitions:\"(p1)\"}\n"
        "  > PARTITION_ENTRY_LOOKUP_DONE:{leader:\"127.0.0.1:4002\"}\n"
        "> ROUTE_POLICY:{route_policy:\"NONE\", chosen_route_type:"
        "\"ROUTE_TYPE_LEADER\", replica:\"127.0.0.1:4002\", role:\"LEADER\", "
        "type:\"FULL\", trans_consistency:\"STRONG\"}\n"
        "> CONGESTION_CONTROL:{svr_addr:\"127.0.0.1:4002\"}\n",
        "  ODP's layout, every level-1 and level-2 point");
    diag("SELECT c FROM t1 WHERE id = 4", 1, false, NULL);
    tap_ok(strstr(text, "> ROUTE_POLICY:") != NULL
           && strstr(text, "TABLE_ENTRY_LOOKUP_DONE") == NULL,
           "level 1: no level-2 point");
    diag("SELECT c FROM t1 WHERE id = 4", 3, false, NULL);
    tap_like(text, "\n    > FETCH_TABLE_RELATED_DATA:{part_level:1, "
             "part_expr:\"id\"}\n  > TABLE_ENTRY_LOOKUP_DONE:",
             "level 3: the table's key, indented three levels");
    tap_like(text, "\n  > PARTITION_ID_CALC_START:{partition_num:3}\n"
             "    > EXPR_PARSE:{col_val:\"id=4\"}\n"
             "    > RESOLVE_EXPR:{part_range:\"[4 ; 4]\"}\n"
             "    > CALC_PARTITION_ID:{part_description:\"partition by "
             "HASH(id) partitions 3\", part_idx:1}\n"
             "  > PARTITION_ID_CALC_DONE:",
             "  the key's value as the router resolved it, its partition");
    tap_ok(strstr(text, "RESOLVE_TOKEN") == NULL, "  no level-4 point");
    diag("SELECT c FROM t1 WHERE id = -7", 4, false, NULL);
    tap_like(text, "\n      > RESOLVE_TOKEN:{token_type:\"TOKEN_INT_VAL\", "
             "resolve:\"BIGINT:-7\", token:\"-7\", column:\"id\"}\n",
             "level 4: the token, its value, indented four levels");
}

static void
test_cases(void)
{
    diag("SELECT c FROM t1", 2, false, NULL);
    tap_like(text, "> PARTITION_ID_CALC_DONE\n  [WARN] Fail to use partition"
             " key value", "no key: the warning");
    tap_like(text, "chosen_route_type:\"ROUTE_TYPE_TENANT\"",
             "  and the tenant's servers");
    diag("SELECT c FROM plain", 2, false, NULL);
    tap_like(text, "[INFO] Non-partition table will be routed by "
             "ROUTE_POLICY", "a table without partitions");
    diag("SELECT /*+ READ_CONSISTENCY(WEAK) */ c FROM t1 WHERE id = 4", 2,
         false, NULL);
    tap_like(text, "trans_consistency:\"WEAK\"", "a weak read");
    fixture_set(conf, "proxy_route_policy", "FOLLOWER_FIRST");
    diag("SELECT /*+ READ_CONSISTENCY(WEAK) */ c FROM t1 WHERE id = 4", 2,
         false, NULL);
    tap_like(text, "> ROUTE_POLICY:{route_policy:\"FOLLOWER_FIRST\", "
             "chosen_route_type:\"ROUTE_TYPE_FOLLOWER\"",
             "  with proxy_route_policy FOLLOWER_FIRST: a follower");
    fixture_set(conf, "proxy_route_policy", "");
    diag("/* target_db_server=127.0.0.1:4003 */ SELECT 1", 2, false, NULL);
    tap_like(text, "> ROUTE_INFO:{route_info_type:\"USE_COMMENT_TARGET_DB\","
             " svr_addr:\"127.0.0.1:4003\"}", "a target in a comment");
    diag("SELECT c FROM t1 WHERE id = 4", 2, true, "127.0.0.1:4001");
    tap_like(text, "route_info_type:\"USE_LAST_SESSION\", svr_addr:"
             "\"127.0.0.1:4001\", in_transaction:true}\n> CONGESTION_CONTROL",
             "in a transaction: the last server, no lookup");
    obp_bl_failed(&shm, srv[1], true, 1000000, conf);
    diag("SELECT c FROM t1 WHERE id = 4", 2, false, NULL);
    tap_like(text, "[WARN] Will not route to this replica(127.0.0.1:4002): "
             "it is in black list", "a blocked leader: the warning");
    diag("DELETE FROM t1 WHERE id = 4", 2, false, NULL);
    tap_like(text, "> ROUTE_POLICY\n  [WARN] the leader of test.t1, server "
             "127.0.0.1:4002, is unreachable", "a write to it: the error");
    obp_bl_ok(&shm, srv[1]);
    cap = 40;
    tap_is_int(diag("SELECT c FROM t1 WHERE id = 4", 2, false, NULL),
               OBP_ERROR, "a buffer too small: OBP_ERROR");
    tap_is_str(text, "\nTrans Current Query:\"SELECT c FROM t1 ",
               "  with what fits");
    cap = sizeof(text);
    tap_is_int(diag("SELECT c\nFROM t1 WHERE id = 4", 2, false, NULL),
               OBP_OK, "a statement over two lines");
    tap_like(text, "Trans Current Query:\"SELECT c\\nFROM t1 WHERE id = 4\"",
             "  shown escaped, on one line, as the logs show it");
}

int
main(void)
{
    conf = obp_conf_new();
    if (conf == NULL || obp_shm_create(&shm, 1, 4 * 1024 * 1024) != OBP_OK)
        bail("setup", "out of memory");
    tap_tmpdir(dir, sizeof(dir), "routediag");
    fixture_publish(&shm, dir, topology, srv);
    test_layout();
    test_cases();
    obp_shm_detach(&shm);
    obp_conf_free(conf);
    rmdir(dir);
    return tap_done();
}
