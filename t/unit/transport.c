/*
 * Transport settings: ssl_attributes' JSON (each key and value, spacing,
 * case, every malformed shape), compression_algorithm's levels, and the
 * configuration check naming what cannot be used.
 */
#include "obp.h"

#include <stdlib.h>

#include "tap.h"

static void
attrs_ok(const char *json, enum obp_tls_use use, int version)
{
    struct obp_tls_attrs a;
    char                 err[200] = "", label[160];
    int                  rc = obp_tls_attrs_parse(json, &a, err, sizeof(err));

    snprintf(label, sizeof(label), "ssl_attributes '%s'", json);
    if (!tap_ok(rc == OBP_OK && a.use == use && a.min_version == version,
                label))
        printf("#   rc %d err \"%s\" use %d version %d\n", rc, err, a.use,
               a.min_version);
}

static void
attrs_bad(const char *json, const char *why)
{
    struct obp_tls_attrs a;
    char                 err[200] = "", label[160];
    int                  rc = obp_tls_attrs_parse(json, &a, err, sizeof(err));

    snprintf(label, sizeof(label), "ssl_attributes '%s' refused", json);
    tap_ok(rc == OBP_ERROR, label);
    snprintf(label, sizeof(label), "ssl_attributes '%s': says why", json);
    tap_like(err, why, label);
}

static void
test_attrs(void)
{
    attrs_ok("", OBP_TLS_USE_OPTIONAL, 0);
    attrs_ok("  ", OBP_TLS_USE_OPTIONAL, 0);
    attrs_ok("{}", OBP_TLS_USE_OPTIONAL, 0);
    attrs_ok("{\"using_ssl\": \"ENABLE_FORCE\"}", OBP_TLS_USE_FORCE, 0);
    attrs_ok("{\"using_ssl\":\"disable_force\"}", OBP_TLS_USE_NEVER, 0);
    attrs_ok(" { \"min_tls_version\" : \"TLSV1.2\" , \"using_ssl\" : "
             "\"ENABLE_FORCE\" } ", OBP_TLS_USE_FORCE, TLS1_2_VERSION);
    attrs_ok("{\"min_tls_version\": \"TLSv1.3\"}", OBP_TLS_USE_OPTIONAL,
             TLS1_3_VERSION);
    attrs_ok("{\"min_tls_version\": \"NONE\"}", OBP_TLS_USE_OPTIONAL, 0);
    attrs_bad("{\"using_ssl\": \"SOMETIMES\"}", "ENABLE_FORCE or");
    attrs_bad("{\"min_tls_version\": \"SSLV3\"}", "one of NONE");
    attrs_bad("{\"colour\": \"blue\"}", "unknown key \"colour\"");
    attrs_bad("using_ssl=ENABLE_FORCE", "not a JSON object");
    attrs_bad("{\"using_ssl\": \"ENABLE_FORCE\"", "not a JSON object");
    attrs_bad("{\"using_ssl\" \"ENABLE_FORCE\"}", "not a JSON object");
    attrs_bad("{\"using_ssl\": 1}", "not a JSON object");
    attrs_bad("{\"using_ssl\": \"A\\\"B\"}", "not a JSON object");
    attrs_bad("{\"using_ssl\": \"ENABLE_FORCE\"} x", "not a JSON object");
    attrs_bad("{\"using_ssl\": \"ENABLE_FORCE\",}", "not a JSON object");
    attrs_bad("{\"a_key_longer_than_the_buffer_holds_at_all\": \"x\"}",
              "not a JSON object");
}

static void
test_zip_level(void)
{
    int level = -1;

    tap_ok(obp_zip_level("", &level) == OBP_OK && level == 6,
           "compression_algorithm \"\": zlib level 6");
    tap_ok(obp_zip_level("zlib:0", &level) == OBP_OK && level == 0,
           "zlib:0: stored");
    tap_ok(obp_zip_level("ZLIB:9", &level) == OBP_OK && level == 9,
           "ZLIB:9");
    tap_ok(obp_zip_level("zlib:10", &level) == OBP_ERROR, "zlib:10 refused");
    tap_ok(obp_zip_level("zlib", &level) == OBP_ERROR, "zlib refused");
    tap_ok(obp_zip_level("lz4:1", &level) == OBP_ERROR, "lz4:1 refused");
}

static void
test_check(void)
{
    struct obp_conf *conf = obp_conf_new();
    struct obp_errs  errs = { 0 };
    char             err[200];

    if (conf == NULL)
        exit(1);
    obp_transport_check(conf, NULL, &errs);
    tap_is_int(errs.count, 0, "the defaults pass the check");
    obp_param_set(conf, obp_param_find("enable_client_ssl"), "true", err,
                  sizeof(err));
    obp_param_set(conf, obp_param_find("ssl_attributes"), "{", err,
                  sizeof(err));
    obp_param_set(conf, obp_param_find("compression_algorithm"), "zip",
                  err, sizeof(err));
    obp_transport_check(conf, "/nonexistent", &errs);
    tap_is_int(errs.count, 3, "three settings cannot be used");
    tap_like(errs.text, "enable_client_ssl: needs ssl_public_key and "
             "ssl_private_key", "a missing certificate is named");
    tap_like(errs.text, "ssl_attributes: not a JSON object",
             "bad ssl_attributes are named");
    tap_like(errs.text, "compression_algorithm: \"zip\"",
             "a bad compression_algorithm is named");
    obp_errs_free(&errs);
    obp_conf_free(conf);
}

int
main(void)
{
    test_attrs();
    test_zip_level();
    test_check();
    return tap_done();
}
