/*
 * OceanBase logins (worker/oblogin.c): the user name a server is sent
 * with and without enable_full_username, truncated to its buffer, and
 * which login errors send the login on to the tenant's next server
 * (OceanBase's "not on this server" codes) and which reach the client
 * (a wrong password, too many connections, an unknown database), and
 * the global variables version a login OK's session track reports,
 * hostile tracks included.
 */
#include "obp.h"

#include <stdlib.h>

#include "worker.h"
#include "tap.h"

#define GV "ob_proxy_global_variables_version"

/* s->gvars_version after learning from a track of one item <type>:
   lenenc <name>, lenenc <value> (cut to <cut> bytes when > 0). */
static long long
learned(uint8_t type, const char *name, const char *value, size_t cut)
{
    struct obp_session *s = calloc(1, sizeof(*s));
    uint8_t             item[256], track[300];
    struct obp_wr       wr;
    struct obp_ok       ok;
    size_t              n;
    long long           v;

    if (s == NULL)
        return -2;
    obp_wr_init(&wr, item, sizeof(item));
    obp_wr_lenenc_str(&wr, name, strlen(name));
    obp_wr_lenenc_str(&wr, value, strlen(value));
    n = wr.len;
    obp_wr_init(&wr, track, sizeof(track));
    obp_wr_u8(&wr, type);
    obp_wr_lenenc_str(&wr, item, n);
    memset(&ok, 0, sizeof(ok));
    ok.track = track;
    ok.track_len = cut > 0 ? cut : wr.len;
    s->gvars_version = -1;
    obp_oblogin_learn(s, &ok);
    v = s->gvars_version;
    free(s);
    return v;
}

static void
test_learn(void)
{
    tap_is_int(learned(0, GV, "7", 0), 7, "version 7 learned");
    tap_is_int(learned(0, GV, "9223372036854775807", 0), INT64_MAX,
               "  the largest");
    tap_is_int(learned(0, GV, "0", 0), -1, "  0 is not a version");
    tap_is_int(learned(0, GV, "-3", 0), -1, "  nor a negative");
    tap_is_int(learned(0, GV, "7x", 0), -1, "  nor trailing bytes");
    tap_is_int(learned(0, GV, "", 0), -1, "  nor an empty value");
    tap_is_int(learned(0, GV, "123456789012345678901", 0), -1,
               "  nor 21 digits");
    tap_is_int(learned(0, "ob_proxy_global_variables", "7", 0), -1,
               "  another variable's name is not taken");
    tap_is_int(learned(1, GV, "7", 0), -1, "  nor a schema item");
    tap_is_int(learned(0, GV, "7", 10), -1, "  nor a truncated track");
}

static void
user_is(const char *user, const char *tenant, const char *cluster,
        bool full, size_t cap, const char *want)
{
    char out[64], name[160];

    obp_oblogin_user(out, cap, user, tenant, cluster, full);
    snprintf(name, sizeof(name), "%s %s %s full=%d in %zu bytes", user,
             tenant, cluster, full, cap);
    tap_is_str(out, want, name);
}

int
main(void)
{
    static const struct {
        uint16_t    code;
        bool        retry;
        const char *why;
    } errs[] = {
        { 5150, true, "OB_TENANT_NOT_IN_SERVER" },
        { 8001, true, "OB_SERVER_IS_INIT" },
        { 8002, true, "OB_SERVER_IS_STOPPING" },
        { 4124, true, "OB_CONNECT_ERROR" },
        { 4666, true, "OB_CLUSTER_NO_MATCH" },
        { 1045, false, "access denied: the client's" },
        { 1040, false, "too many connections: the client's" },
        { 1049, false, "unknown database: the client's" },
        { 1227, false, "access denied for an operation" },
        { 0, false, "no code" },
    };

    user_is("app", "t1", "obcluster", false, 64, "app@t1");
    user_is("app", "t1", "obcluster", true, 64, "app@t1#obcluster");
    user_is("app", "t1", "", true, 64, "app@t1");
    user_is("app", "t1", "obcluster", true, 8, "app@t1#");
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        tap_ok(obp_oblogin_retryable(errs[i].code) == errs[i].retry,
               errs[i].why);
    test_learn();
    return tap_done();
}
