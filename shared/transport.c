/*
 * Transport settings (transport.h): ssl_attributes' JSON, the two TLS
 * contexts and the compression level.
 */
#include "obp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#define ZIP_DEFAULT_LEVEL 6     /* zlib's own default, as MySQL uses */

static const struct {
    const char *name;
    int         version;
} tls_versions[] = {
    { "NONE", 0 },
    { "TLSV1", TLS1_VERSION },
    { "TLSV1.1", TLS1_1_VERSION },
    { "TLSV1.2", TLS1_2_VERSION },
    { "TLSV1.3", TLS1_3_VERSION },
};

/* obp_jsonobj_each()'s callback for one member of ssl_attributes. */
static int
attr_set(void *arg, const char *key, const char *val, char *err,
         size_t errlen)
{
    struct obp_tls_attrs *a = arg;
    size_t                i;

    if (strcasecmp(key, "using_ssl") == 0) {
        if (strcasecmp(val, "ENABLE_FORCE") == 0)
            a->use = OBP_TLS_USE_FORCE;
        else if (strcasecmp(val, "DISABLE_FORCE") == 0)
            a->use = OBP_TLS_USE_NEVER;
        else {
            snprintf(err, errlen, "using_ssl \"%s\" is not ENABLE_FORCE or "
                     "DISABLE_FORCE", val);
            return OBP_ERROR;
        }
        return OBP_OK;
    }
    if (strcasecmp(key, "min_tls_version") == 0) {
        for (i = 0; i < sizeof(tls_versions) / sizeof(tls_versions[0]); i++)
            if (strcasecmp(val, tls_versions[i].name) == 0) {
                a->min_version = tls_versions[i].version;
                return OBP_OK;
            }
        snprintf(err, errlen, "min_tls_version \"%s\" is not one of NONE, "
                 "TLSV1, TLSV1.1, TLSV1.2, TLSV1.3", val);
        return OBP_ERROR;
    }
    snprintf(err, errlen, "unknown key \"%s\" (using_ssl, min_tls_version)",
             key);
    return OBP_ERROR;
}

int
obp_tls_attrs_parse(const char *json, struct obp_tls_attrs *a, char *err,
                    size_t errlen)
{
    a->use = OBP_TLS_USE_OPTIONAL;
    a->min_version = 0;
    return obp_jsonobj_each(json, attr_set, a, err, errlen);
}

static bool
has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* <path> under <root> unless absolute; truncation fails the open. */
static const char *
at_root(const char *root, const char *path, char *buf, size_t len)
{
    if (root == NULL || path[0] == '/')
        return path;
    snprintf(buf, len, "%s/%s", root, path);
    return buf;
}

/* OpenSSL's reason for the last failure, after <what>. */
static void
ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char          why[160];

    ERR_error_string_n(e, why, sizeof(why));
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s: %s", what, path[0] != '\0' ? " " : "",
             path, e != 0 ? why : "failed");
}

/* The names of the three files in messages: parameters or key_info's. */
static const char *const key_names[2][3] = {
    { "ssl_public_key", "ssl_private_key", "ssl_ca" },
    { "key_info publicKey", "key_info privateKey", "key_info CA" },
};

/* CA certificates <path> ("" or NULL: none) as extra trust. */
static int
load_ca(SSL_CTX *ctx, const char *path, const char *name, const char *root,
        char *err, size_t errlen)
{
    char        buf[PATH_MAX];
    const char *ca;

    if (!has(path))
        return OBP_OK;
    ca = at_root(root, path, buf, sizeof(buf));
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        ssl_err(err, errlen, name, ca);
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* Options both contexts share: no tickets, small idle sessions. */
static int
ctx_common(SSL_CTX *ctx, const struct obp_conf *conf, char *err,
           size_t errlen)
{
    struct obp_tls_attrs a;

    if (obp_tls_attrs_parse(conf->ssl_attributes, &a, err, errlen)
        != OBP_OK)
        return OBP_ERROR;
    if (a.min_version != 0
        && SSL_CTX_set_min_proto_version(ctx, a.min_version) != 1) {
        ssl_err(err, errlen, "min_tls_version", "");
        return OBP_ERROR;
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                     | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                     | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    return OBP_OK;
}

/* The certificate and its key, as <names> call them. */
static int
load_pair(SSL_CTX *ctx, const struct obp_tls_keys *k,
          const char *const *names, const char *root, char *err,
          size_t errlen)
{
    char        buf[PATH_MAX];
    const char *path = at_root(root, k->cert, buf, sizeof(buf));

    if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1) {
        ssl_err(err, errlen, names[0], path);
        return OBP_ERROR;
    }
    path = at_root(root, k->key, buf, sizeof(buf));
    if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(ctx) != 1) {
        ssl_err(err, errlen, names[1], path);
        return OBP_ERROR;
    }
    return OBP_OK;
}

SSL_CTX *
obp_tls_server_ctx_keys(const struct obp_conf *conf,
                        const struct obp_tls_keys *k, const char *root,
                        char *err, size_t errlen)
{
    const char *const *names = key_names[k->key_info];
    SSL_CTX           *ctx;

    if (!has(k->cert) || !has(k->key)) {
        snprintf(err, errlen, "needs %s and %s", names[0], names[1]);
        return NULL;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        ssl_err(err, errlen, "TLS context", "");
        return NULL;
    }
    if (ctx_common(ctx, conf, err, errlen) != OBP_OK
        || load_pair(ctx, k, names, root, err, errlen) != OBP_OK
        || load_ca(ctx, k->ca, names[2], root, err, errlen) != OBP_OK) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *
obp_tls_server_ctx(const struct obp_conf *conf, const char *root, char *err,
                   size_t errlen)
{
    struct obp_tls_keys k = { conf->ssl_public_key, conf->ssl_private_key,
                              conf->ssl_ca, false };

    return obp_tls_server_ctx_keys(conf, &k, root, err, errlen);
}

SSL_CTX *
obp_tls_client_ctx(const struct obp_conf *conf, const char *root, char *err,
                   size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        ssl_err(err, errlen, "TLS context", "");
        return NULL;
    }
    if (ctx_common(ctx, conf, err, errlen) != OBP_OK
        || load_ca(ctx, conf->ssl_ca, "ssl_ca", root, err, errlen)
           != OBP_OK) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (has(conf->ssl_ca))
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

SSL_CTX *
obp_tls_verify_ctx(const char *ca, const char *root, char *err,
                   size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        ssl_err(err, errlen, "TLS context", "");
        return NULL;
    }
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ssl_err(err, errlen, "the system's CA store", "");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (load_ca(ctx, ca, "config_server_ssl_ca", root, err, errlen)
        != OBP_OK) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* a close without close_notify ends the body (httpresp.h checks it) */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    return ctx;
}

int
obp_zip_level(const char *algo, int *level)
{
    if (algo == NULL || algo[0] == '\0') {
        *level = ZIP_DEFAULT_LEVEL;
        return OBP_OK;
    }
    if (strncasecmp(algo, "zlib:", 5) == 0 && algo[5] >= '0'
        && algo[5] <= '9' && algo[6] == '\0') {
        *level = algo[5] - '0';
        return OBP_OK;
    }
    return OBP_ERROR;
}

void
obp_transport_check(const struct obp_conf *conf, const char *root,
                    struct obp_errs *errs)
{
    struct obp_tls_attrs a;
    SSL_CTX             *ctx;
    char                 err[400];
    int                  level;

    if (obp_tls_attrs_parse(conf->ssl_attributes, &a, err, sizeof(err))
        != OBP_OK)
        obp_errs_add(errs, "ssl_attributes: %s", err);
    if (obp_zip_level(conf->compression_algorithm, &level) != OBP_OK)
        obp_errs_add(errs, "compression_algorithm: \"%s\" is not \"\" or "
                     "zlib:0 .. zlib:9", conf->compression_algorithm);
    /* a tenant's row may turn TLS on too (level_tls.h) */
    if (obp_level_tls_wanted(conf)) {
        ctx = obp_level_tls_server_ctx(conf, root, err, sizeof(err));
        if (ctx == NULL)
            obp_errs_add(errs, "enable_client_ssl: %s", err);
        SSL_CTX_free(ctx);
    }
    obp_level_tls_check(conf, root, errs);
    if (conf->enable_server_ssl
        || obp_level_any_true(conf, "enable_server_ssl")) {
        ctx = obp_tls_client_ctx(conf, root, err, sizeof(err));
        if (ctx == NULL)
            obp_errs_add(errs, "enable_server_ssl: %s", err);
        SSL_CTX_free(ctx);
    }
    if (has(conf->config_server_ssl_ca)) {
        ctx = obp_tls_verify_ctx(conf->config_server_ssl_ca, root, err,
                                 sizeof(err));
        if (ctx == NULL)
            obp_errs_add(errs, "%s", err);
        SSL_CTX_free(ctx);
    }
}
