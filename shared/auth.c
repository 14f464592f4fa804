/*
 * mysql_native_password arithmetic (auth.h): SHA1 through OpenSSL's EVP
 * interface, parsing of stored hashes, scrambles, tokens and the check
 * that recovers stage1 from a client's token.  Called by the login code
 * of the worker.  Every temporary secret is wiped.
 *
 * The only state, kept for the life of the process (each process is
 * single-threaded): the SHA1 algorithm and one digest context, and a
 * pool of random bytes for scrambles.  Fetching the algorithm, making a
 * context and asking the DRBG for each login cost more than the login's
 * arithmetic itself.  A forked child forgets the pool it inherited.
 */
#include "obp.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define HEX_LEN         (2 * OBP_SHA1_LEN)
#define SCRAMBLE_FIRST  33      /* '!': printable, no space, no NUL */
#define SCRAMBLE_SPAN   94      /* '!'..'~' */
#define RAND_POOL       1024    /* bytes drawn from the DRBG at once */

static EVP_MD     *sha1_md;
static EVP_MD_CTX *sha1_ctx;
static uint8_t     rand_pool[RAND_POOL];
static size_t      rand_left;       /* unused bytes at the pool's start */
static bool        rand_fork_hook;

/* SHA1(a || b) into <out>; OBP_ERROR when OpenSSL fails (no memory). */
static int
sha1_two(const void *a, size_t alen, const void *b, size_t blen,
         uint8_t out[OBP_SHA1_LEN])
{
    unsigned int outlen = 0;
    int          ok;

    if (sha1_md == NULL && (sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL))
                           == NULL)
        return OBP_ERROR;
    if (sha1_ctx == NULL && (sha1_ctx = EVP_MD_CTX_new()) == NULL)
        return OBP_ERROR;
    ok = EVP_DigestInit_ex(sha1_ctx, sha1_md, NULL) == 1
         && EVP_DigestUpdate(sha1_ctx, a, alen) == 1
         && (blen == 0 || EVP_DigestUpdate(sha1_ctx, b, blen) == 1)
         && EVP_DigestFinal_ex(sha1_ctx, out, &outlen) == 1
         && outlen == OBP_SHA1_LEN;
    /* the context kept its last state: start over, so none is left */
    if (EVP_DigestInit_ex(sha1_ctx, sha1_md, NULL) != 1) {
        EVP_MD_CTX_free(sha1_ctx);
        sha1_ctx = NULL;
    }
    return ok ? OBP_OK : OBP_ERROR;
}

void
obp_sha1(const void *a, size_t alen, const void *b, size_t blen,
         uint8_t out[OBP_SHA1_LEN])
{
    /* Only an allocation inside OpenSSL can fail; the API has no error. */
    if (sha1_two(a, alen, b, blen, out) != OBP_OK)
        obp_fatal("SHA1 digest failed in OpenSSL");
}

/* 40 hex digits into 20 bytes; <out> is untouched on failure. */
static int
parse_hex20(const char *text, size_t len, uint8_t out[OBP_SHA1_LEN])
{
    uint8_t bytes[OBP_SHA1_LEN];
    size_t  i;
    int     hi, lo;

    if (text == NULL || len != HEX_LEN)
        return OBP_ERROR;
    for (i = 0; i < OBP_SHA1_LEN; i++) {
        hi = obp_hex_digit(text[2 * i]);
        lo = obp_hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            OPENSSL_cleanse(bytes, sizeof(bytes));
            return OBP_ERROR;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out, bytes, sizeof(bytes));
    OPENSSL_cleanse(bytes, sizeof(bytes));
    return OBP_OK;
}

int
obp_auth_parse_stage2(const char *text, size_t len,
                      uint8_t stage2[OBP_SHA1_LEN])
{
    if (len == 0)
        return OBP_DONE;
    if (text == NULL || len != HEX_LEN + 1 || text[0] != '*')
        return OBP_ERROR;
    return parse_hex20(text + 1, HEX_LEN, stage2);
}

int
obp_auth_parse_stage1(const char *text, size_t len,
                      uint8_t stage1[OBP_SHA1_LEN])
{
    return parse_hex20(text, len, stage1);
}

/* Parent and child must never hand out the same bytes. */
static void
rand_forget(void)
{
    OPENSSL_cleanse(rand_pool, sizeof(rand_pool));
    rand_left = 0;
}

/* One random byte; each byte of the pool is handed out once. */
static int
rand_byte(uint8_t *out)
{
    if (rand_left == 0) {
        if (!rand_fork_hook) {
            if (pthread_atfork(NULL, NULL, rand_forget) != 0)
                return OBP_ERROR;
            rand_fork_hook = true;
        }
        if (RAND_bytes(rand_pool, (int)sizeof(rand_pool)) != 1)
            return OBP_ERROR;
        rand_left = sizeof(rand_pool);
    }
    *out = rand_pool[--rand_left];
    return OBP_OK;
}

int
obp_auth_scramble(uint8_t scramble[OBP_SCRAMBLE_LEN])
{
    uint8_t raw;
    size_t  n = 0;

    while (n < OBP_SCRAMBLE_LEN) {
        if (rand_byte(&raw) != OBP_OK)
            return OBP_ERROR;
        /* Bytes >= 2 * 94 are dropped so that every character is
         * equally likely. */
        if (raw < 2 * SCRAMBLE_SPAN)
            scramble[n++] = (uint8_t)(SCRAMBLE_FIRST + raw % SCRAMBLE_SPAN);
    }
    return OBP_OK;
}

void
obp_auth_token(const uint8_t stage1[OBP_SHA1_LEN],
               const uint8_t scramble[OBP_SCRAMBLE_LEN],
               uint8_t token[OBP_SHA1_LEN])
{
    uint8_t stage2[OBP_SHA1_LEN], mask[OBP_SHA1_LEN];
    size_t  i;

    obp_sha1(stage1, OBP_SHA1_LEN, NULL, 0, stage2);
    obp_sha1(scramble, OBP_SCRAMBLE_LEN, stage2, OBP_SHA1_LEN, mask);
    for (i = 0; i < OBP_SHA1_LEN; i++)
        token[i] = stage1[i] ^ mask[i];
    OPENSSL_cleanse(stage2, sizeof(stage2));
    OPENSSL_cleanse(mask, sizeof(mask));
}

int
obp_auth_check(const uint8_t *token, size_t token_len,
               const uint8_t scramble[OBP_SCRAMBLE_LEN],
               const uint8_t stage2[OBP_SHA1_LEN],
               uint8_t stage1[OBP_SHA1_LEN])
{
    uint8_t mask[OBP_SHA1_LEN], cand[OBP_SHA1_LEN], check[OBP_SHA1_LEN];
    size_t  i;
    int     rc = OBP_ERROR;

    if (token == NULL || token_len != OBP_SHA1_LEN)
        return OBP_ERROR;
    if (sha1_two(scramble, OBP_SCRAMBLE_LEN, stage2, OBP_SHA1_LEN, mask)
        != OBP_OK)
        goto out;
    for (i = 0; i < OBP_SHA1_LEN; i++)
        cand[i] = token[i] ^ mask[i];
    if (sha1_two(cand, OBP_SHA1_LEN, NULL, 0, check) != OBP_OK)
        goto out;
    if (CRYPTO_memcmp(check, stage2, OBP_SHA1_LEN) == 0) {
        memcpy(stage1, cand, OBP_SHA1_LEN);
        rc = OBP_OK;
    }
out:
    OPENSSL_cleanse(mask, sizeof(mask));
    OPENSSL_cleanse(cand, sizeof(cand));
    OPENSSL_cleanse(check, sizeof(check));
    return rc;
}

int
obp_auth_service_stage1(const struct obp_conf *conf, bool old,
                        uint8_t stage1[OBP_SHA1_LEN])
{
    const char *pw = old ? conf->observer_sys_password1
                         : conf->observer_sys_password;
    size_t      len = pw != NULL ? strlen(pw) : 0;

    if (len == 0)
        return OBP_DONE;
    if (obp_auth_parse_stage1(pw, len, stage1) == OBP_OK)
        return OBP_OK;
    obp_log(OBP_LOG_ERROR, 0, 0, "observer_sys_password%s is not 40 hex "
            "digits (SHA1 of proxyro's password): service logins refused",
            old ? "1" : "");
    return OBP_ERROR;
}
