/*
 * OceanBase logins (worker/oblogin.c): the user name a server is sent
 * with and without enable_full_username, truncated to its buffer, and
 * which login errors send the login on to the tenant's next server
 * (OceanBase's "not on this server" codes) and which reach the client
 * (a wrong password, too many connections, an unknown database).
 */
#include "obp.h"

#include "oblogin.h"
#include "tap.h"

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
    return tap_done();
}
