/*
 * A worker's transport settings (xport.h): its two TLS contexts, built
 * again on each new configuration (sessions keep the context they
 * started with: OpenSSL counts the references), and its deflate stream.
 */
#include "worker.h"

#include <stdlib.h>

static SSL_CTX *
build(SSL_CTX *(*make)(const struct obp_conf *, const char *, char *,
                       size_t),
      const struct obp_conf *conf, const char *param, int slot)
{
    char     err[400];
    SSL_CTX *ctx = make(conf, NULL, err, sizeof(err));

    if (ctx == NULL)
        obp_log(OBP_LOG_ERROR, 0, 0, "worker %d: %s: %s; TLS is off",
                slot, param, err);
    return ctx;
}

void
obp_xport_ctx_apply(struct obp_xport_ctx *x, const struct obp_conf *conf,
                    int slot)
{
    char err[160];

    SSL_CTX_free(x->tls_srv);
    SSL_CTX_free(x->tls_cli);
    x->tls_srv = conf->enable_client_ssl
                 ? build(obp_tls_server_ctx, conf, "enable_client_ssl", slot)
                 : NULL;
    x->tls_cli = conf->enable_server_ssl
                 ? build(obp_tls_client_ctx, conf, "enable_server_ssl", slot)
                 : NULL;
    if (obp_tls_attrs_parse(conf->ssl_attributes, &x->attrs, err,
                            sizeof(err)) != OBP_OK)
        x->attrs.use = OBP_TLS_USE_OPTIONAL;
    if (obp_zip_level(conf->compression_algorithm, &x->zlevel) != OBP_OK)
        x->zlevel = Z_DEFAULT_COMPRESSION;
}

bool
obp_xport_ctx_server_changed(const struct obp_conf *a,
                             const struct obp_conf *b)
{
    static const char *const names[] = {
        "enable_server_ssl", "enable_compression_protocol", "ssl_ca",
        "ssl_attributes",
    };
    const struct obp_param  *p;
    size_t                   i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        p = obp_param_find(names[i]);
        if (p != NULL && !obp_param_equal(a, b, p))
            return true;
    }
    return false;
}

void
obp_xport_ctx_free(struct obp_xport_ctx *x)
{
    SSL_CTX_free(x->tls_srv);
    SSL_CTX_free(x->tls_cli);
    x->tls_srv = NULL;
    x->tls_cli = NULL;
    if (x->zdef != NULL) {
        deflateEnd(x->zdef);
        free(x->zdef);
        x->zdef = NULL;
    }
}
