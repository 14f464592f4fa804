/*
 * The config server's answers (ODP-REFERENCE 1.6; OCP's and
 * ob-configserver's API), as ODP reads them: an envelope
 * {"Code": 200, "Message": "successful", "Success": true, "Data": ...}
 * around either
 *
 *   the proxy's configuration (Action=GetObProxyConfig):
 *     {"ObRootServiceInfoUrlList": [{"ObRegion": "obcluster",
 *       "ObRootServiceInfoUrl": "http://.../services?Action=
 *       ObRootServiceInfo&ObCluster=obcluster"}, ...], ...}
 *     (or "ObRootServiceInfoUrlTemplate" with ${ObRegion}): the URL of
 *     the cluster named;
 *
 *   a cluster's servers (Action=ObRootServiceInfo):
 *     {"ObCluster"/"ObRegion": "obcluster", "ObClusterId"/"ObRegionId": 1,
 *      "RsList": [{"address": "10.0.0.1:2882", "role": "LEADER",
 *                  "sql_port": 2881}, ...], "ReadonlyRsList": [...]}
 *     each address's host with its sql_port (the address's port is the
 *     RPC port), RsList first; the cluster must be the one named.
 *
 * Other members are ignored, as ODP does.  Pure: the unit tests and
 * t/fuzz/cfgjson_fuzz.c call it.
 */
#ifndef OBP_SHARED_CFGJSON_H
#define OBP_SHARED_CFGJSON_H

#include <stddef.h>
#include <stdint.h>

#include "url.h"

#define OBP_CFGJSON_TOKENS   16384     /* values an answer may hold */
#define OBP_CFGJSON_LIST_MAX 4096      /* as rootservice_list's */
#define OBP_CFGJSON_NAME     129

enum obp_cfgjson_kind {
    OBP_CFGJSON_SERVERS = 1,    /* rslist filled */
    OBP_CFGJSON_CLUSTERS        /* url filled: fetch it for the servers */
};

struct obp_cfgjson {
    int      kind;
    char     cluster[OBP_CFGJSON_NAME];
    int64_t  cluster_id;                    /* -1 when not given */
    unsigned nservers;
    char     rslist[OBP_CFGJSON_LIST_MAX];  /* ip:sql_port;ip:sql_port */
    char     url[OBP_URL_TARGET_MAX + OBP_URL_HOST_MAX + 16];
};

/*
 * Reads answer <text> (<len> bytes) for cluster <cluster>: OBP_OK with
 * <out> filled, or OBP_ERROR with a phrase in <err>.
 */
int obp_cfgjson_read(const char *text, size_t len, const char *cluster,
                     struct obp_cfgjson *out, char *err, size_t errlen);

#endif
