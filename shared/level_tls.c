/*
 * TLS settings by tenant (level_tls.h): key_info's JSON and the one
 * certificate the handshake shows.
 */
#include "obp.h"

#include <stdio.h>
#include <string.h>

static int
has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* A copy of <val> in k->buf for *<slot>. */
static int
keep(struct obp_keyinfo *k, const char **slot, const char *val, char *err,
     size_t errlen)
{
    size_t n = strlen(val);

    if (k->used + n + 1 > sizeof(k->buf)) {
        snprintf(err, errlen, "key_info is too long");
        return OBP_ERROR;
    }
    memcpy(k->buf + k->used, val, n + 1);
    *slot = k->buf + k->used;
    k->used += n + 1;
    return OBP_OK;
}

/* obp_jsonobj_each()'s callback for one member of key_info. */
static int
key_member(void *arg, const char *key, const char *val, char *err,
           size_t errlen)
{
    struct obp_keyinfo *k = arg;

    if (obp_strcasecmp(key, "sourceType") == 0) {
        if (obp_strcasecmp(val, "FILE") == 0)
            return OBP_OK;
        snprintf(err, errlen, "key_info sourceType \"%.32s\": only FILE "
                 "(paths to PEM files) is supported", val);
        return OBP_ERROR;
    }
    if (obp_strcasecmp(key, "publicKey") == 0)
        return keep(k, &k->cert, val, err, errlen);
    if (obp_strcasecmp(key, "privateKey") == 0)
        return keep(k, &k->key, val, err, errlen);
    if (obp_strcasecmp(key, "CA") == 0)
        return keep(k, &k->ca, val, err, errlen);
    snprintf(err, errlen, "key_info: unknown key \"%s\" (sourceType, CA, "
             "publicKey, privateKey)", key);
    return OBP_ERROR;
}

int
obp_keyinfo_parse(const char *json, struct obp_keyinfo *k, char *err,
                  size_t errlen)
{
    bool typed = json != NULL && strstr(json, "sourceType") != NULL;

    k->cert = k->key = NULL;
    k->ca = "";
    k->used = 0;
    if (obp_jsonobj_each(json, key_member, k, err, errlen) != OBP_OK)
        return OBP_ERROR;
    if (!typed || !has(k->cert) || !has(k->key)) {
        snprintf(err, errlen, "key_info needs sourceType \"FILE\", "
                 "publicKey and privateKey");
        return OBP_ERROR;
    }
    return OBP_OK;
}

bool
obp_level_tls_wanted(const struct obp_conf *conf)
{
    return conf->enable_client_ssl
           || obp_level_any_true(conf, "enable_client_ssl");
}

/* The first key_info row, parsed into <k>: false when there is none. */
static bool
first_keyinfo(const struct obp_conf *conf, struct obp_keyinfo *k)
{
    char err[160];

    for (size_t i = 0; i < conf->levels.n; i++) {
        const struct obp_level_row *r = &conf->levels.rows[i];

        if (r->table == OBP_LEVEL_SSL_CONFIG && !obp_level_shadowed(conf, r)
            && obp_keyinfo_parse(r->value, k, err, sizeof(err)) == OBP_OK)
            return true;
    }
    return false;
}

SSL_CTX *
obp_level_tls_server_ctx(const struct obp_conf *conf, const char *root,
                         char *err, size_t errlen)
{
    struct obp_keyinfo  k;
    struct obp_tls_keys keys;

    if (has(conf->ssl_public_key) || has(conf->ssl_private_key))
        return obp_tls_server_ctx(conf, root, err, errlen);
    if (!first_keyinfo(conf, &k)) {
        snprintf(err, errlen, "needs ssl_public_key and ssl_private_key, "
                 "or an ssl_config key_info row");
        return NULL;
    }
    keys = (struct obp_tls_keys){ k.cert, k.key, k.ca, true };
    return obp_tls_server_ctx_keys(conf, &keys, root, err, errlen);
}

/* The key_info of row <r> must make a context. */
static void
check_keyinfo(const struct obp_conf *conf, const struct obp_level_row *r,
              const char *root, struct obp_errs *errs)
{
    struct obp_keyinfo  k;
    struct obp_tls_keys keys;
    SSL_CTX            *ctx = NULL;
    char                err[400];

    if (obp_keyinfo_parse(r->value, &k, err, sizeof(err)) == OBP_OK) {
        keys = (struct obp_tls_keys){ k.cert, k.key, k.ca, true };
        ctx = obp_tls_server_ctx_keys(conf, &keys, root, err, sizeof(err));
    }
    if (ctx == NULL)
        obp_errs_add(errs, "ssl_config of cluster '%s' tenant '%s': %s",
                     obp_level_cluster(conf, r), r->tenant, err);
    SSL_CTX_free(ctx);
}

void
obp_level_tls_check(const struct obp_conf *conf, const char *root,
                    struct obp_errs *errs)
{
    for (size_t i = 0; i < conf->levels.n; i++)
        if (conf->levels.rows[i].table == OBP_LEVEL_SSL_CONFIG)
            check_keyinfo(conf, &conf->levels.rows[i], root, errs);
}
