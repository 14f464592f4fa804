/*
 * The config server's answers (cfgjson.h).
 */
#include "obp.h"
#include "cfgjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_TEMPLATE "${ObRegion}"

/* Member <key>'s string value into <buf>, "" when absent. */
static int
cfg_str(const struct obp_json *j, int obj, const char *key, char *buf,
        size_t len)
{
    int v = obp_json_member(j, obj, key);

    buf[0] = '\0';
    return v < 0 ? OBP_OK : obp_json_string(j, v, buf, len);
}

/* The envelope ODP checks: Message "successful", Success true, Code 2xx. */
static int
cfg_envelope(const struct obp_json *j, int *data, char *err, size_t errlen)
{
    char    msg[160];
    int64_t code = -1;

    if (!obp_json_is(j, 0, OBP_JSON_OBJECT))
        return obp_errf(err, errlen, "the answer is no JSON object");
    if (cfg_str(j, 0, "Message", msg, sizeof(msg)) != OBP_OK)
        snprintf(msg, sizeof(msg), "(not a string)");
    (void)obp_json_int(j, obp_json_member(j, 0, "Code"), &code);
    if (strcmp(msg, "successful") != 0 || code / 100 != 2
        || !obp_json_is(j, obp_json_member(j, 0, "Success"), OBP_JSON_TRUE))
        return obp_errf(err, errlen, "the answer is a failure: Code "
                          "%lld, Message \"%s\"", (long long)code, msg);
    *data = obp_json_member(j, 0, "Data");
    if (!obp_json_is(j, *data, OBP_JSON_OBJECT))
        return obp_errf(err, errlen, "the answer has no Data object");
    return OBP_OK;
}

/*
 * "10.0.0.1:2882" with sql_port 2881 appended as "10.0.0.1:2881": an IP
 * address, as ODP takes it (a name, or anything else, is skipped).
 */
static int
cfg_server(const struct obp_json *j, int s, struct obp_cfgjson *out)
{
    char            addr[OBP_ADDR_STRLEN + 8], text[OBP_ADDR_STRLEN + 16];
    char            why[96], *colon;
    struct obp_addr a;
    int64_t         port = 0;
    size_t          used = strlen(out->rslist);
    int             n;

    if (cfg_str(j, s, "address", addr, sizeof(addr)) != OBP_OK
        || obp_json_int(j, obp_json_member(j, s, "sql_port"), &port)
           != OBP_OK || port <= 0 || port > 65535
        || (colon = strrchr(addr, ':')) == NULL || colon == addr)
        return OBP_ERROR;
    *colon = '\0';
    if (addr[0] == '[' && colon[-1] == ']') {
        colon[-1] = '\0';
        memmove(addr, addr + 1, strlen(addr));
    }
    snprintf(text, sizeof(text), strchr(addr, ':') != NULL ? "[%s]:%lld"
             : "%s:%lld", addr, (long long)port);
    if (strspn(addr, "0123456789abcdefABCDEF.:") != strlen(addr)
        || obp_addr_parse(&a, text, why, sizeof(why)) != OBP_OK)
        return OBP_ERROR;
    n = snprintf(out->rslist + used, sizeof(out->rslist) - used, "%s%s",
                 used > 0 ? ";" : "", a.text);
    if (n < 0 || (size_t)n >= sizeof(out->rslist) - used) {
        out->rslist[used] = '\0';
        return OBP_ERROR;
    }
    out->nservers++;
    return OBP_OK;
}

/* RsList then ReadonlyRsList; an entry that does not read is skipped. */
static int
cfg_servers(const struct obp_json *j, int data, struct obp_cfgjson *out,
            char *err, size_t errlen)
{
    static const char *const lists[] = { "RsList", "ReadonlyRsList" };
    unsigned                 bad = 0;

    for (size_t l = 0; l < OBP_NELEMS(lists); l++) {
        int arr = obp_json_member(j, data, lists[l]);

        if (arr >= 0 && !obp_json_is(j, arr, OBP_JSON_ARRAY))
            return obp_errf(err, errlen, "%s is no array", lists[l]);
        for (int s = obp_json_first(j, arr); s >= 0;
             s = obp_json_next(j, arr, s))
            if (!obp_json_is(j, s, OBP_JSON_OBJECT)
                || cfg_server(j, s, out) != OBP_OK)
                bad++;
    }
    if (out->nservers == 0)
        return obp_errf(err, errlen, "RsList names no server%s",
                          bad > 0 ? " that reads (address \"ip:port\", "
                                    "sql_port)" : "");
    return OBP_OK;
}

static int
cfg_rslist(const struct obp_json *j, int data, const char *cluster,
           struct obp_cfgjson *out, char *err, size_t errlen)
{
    int id;

    out->kind = OBP_CFGJSON_SERVERS;
    if (cfg_str(j, data, "ObCluster", out->cluster, sizeof(out->cluster))
        != OBP_OK
        || (out->cluster[0] == '\0'
            && cfg_str(j, data, "ObRegion", out->cluster,
                       sizeof(out->cluster)) != OBP_OK))
        return obp_errf(err, errlen, "a bad ObCluster");
    if (strcmp(out->cluster, cluster) != 0)
        return obp_errf(err, errlen, "the servers are cluster \"%s\", "
                          "not rootservice_cluster_name \"%s\"",
                          out->cluster, cluster);
    id = obp_json_member(j, data, "ObClusterId");
    if (id < 0)
        id = obp_json_member(j, data, "ObRegionId");
    if (id >= 0 && obp_json_int(j, id, &out->cluster_id) != OBP_OK)
        return obp_errf(err, errlen, "a bad ObClusterId");
    return cfg_servers(j, data, out, err, errlen);
}

/* The template's ${ObRegion} replaced by <cluster>. */
static int
cfg_template(const char *tpl, const char *cluster, struct obp_cfgjson *out)
{
    const char *at = strstr(tpl, CFG_TEMPLATE);
    int         n;

    if (at == NULL)
        return OBP_ERROR;
    n = snprintf(out->url, sizeof(out->url), "%.*s%s%s", (int)(at - tpl),
                 tpl, cluster, at + strlen(CFG_TEMPLATE));
    return n > 0 && (size_t)n < sizeof(out->url) ? OBP_OK : OBP_ERROR;
}

static int
cfg_clusters(const struct obp_json *j, int data, const char *cluster,
             struct obp_cfgjson *out, char *err, size_t errlen)
{
    int  arr = obp_json_member(j, data, "ObRootServiceInfoUrlList");
    char name[OBP_CFGJSON_NAME], tpl[sizeof(out->url)];

    out->kind = OBP_CFGJSON_CLUSTERS;
    snprintf(out->cluster, sizeof(out->cluster), "%s", cluster);
    for (int s = obp_json_first(j, arr); s >= 0; s = obp_json_next(j, arr, s))
        if (cfg_str(j, s, "ObRegion", name, sizeof(name)) == OBP_OK
            && strcmp(name, cluster) == 0) {
            if (cfg_str(j, s, "ObRootServiceInfoUrl", out->url,
                        sizeof(out->url)) != OBP_OK || out->url[0] == '\0')
                return obp_errf(err, errlen, "cluster \"%s\" has a bad "
                                  "ObRootServiceInfoUrl", cluster);
            return OBP_OK;
        }
    if (cfg_str(j, data, "ObRootServiceInfoUrlTemplate", tpl, sizeof(tpl))
        == OBP_OK && cfg_template(tpl, cluster, out) == OBP_OK)
        return OBP_OK;
    return obp_errf(err, errlen, "cluster \"%s\" (rootservice_cluster_name)"
                      " is not in ObRootServiceInfoUrlList", cluster);
}

int
obp_cfgjson_read(const char *text, size_t len, const char *cluster,
                 struct obp_cfgjson *out, char *err, size_t errlen)
{
    struct obp_json_tok *tok = malloc(OBP_CFGJSON_TOKENS * sizeof(*tok));
    struct obp_json      j;
    char                 why[96];
    int                  data = -1, rc;

    memset(out, 0, sizeof(*out));
    out->cluster_id = -1;
    if (tok == NULL)
        return obp_errf(err, errlen, "out of memory");
    if (obp_json_parse(&j, text, len, tok, OBP_CFGJSON_TOKENS, why,
                       sizeof(why)) != OBP_OK)
        rc = obp_errf(err, errlen, "not JSON: %s", why);
    else if ((rc = cfg_envelope(&j, &data, err, errlen)) != OBP_OK)
        ;
    else if (obp_json_member(&j, data, "RsList") >= 0)
        rc = cfg_rslist(&j, data, cluster, out, err, errlen);
    else if (obp_json_member(&j, data, "ObRootServiceInfoUrlList") >= 0
             || obp_json_member(&j, data, "ObRootServiceInfoUrlTemplate")
                >= 0)
        rc = cfg_clusters(&j, data, cluster, out, err, errlen);
    else
        rc = obp_errf(err, errlen, "Data has neither RsList nor "
                        "ObRootServiceInfoUrlList");
    free(tok);
    return rc;
}
