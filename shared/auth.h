/*
 * mysql_native_password arithmetic.  The proxy never holds a plaintext
 * password.  The server stores stage2 = SHA1(SHA1(password)) (shown as
 * "*" and 40 hex digits); a client proves it knows stage1 = SHA1(password)
 * by sending token = stage1 XOR SHA1(scramble || stage2).  From a valid
 * token and stage2 the proxy recovers stage1, which is all it needs to
 * compute the token for any server's scramble.
 */
#ifndef OBP_SHARED_AUTH_H
#define OBP_SHARED_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mysql.h"

#define OBP_SHA1_LEN 20

/* The servers' service account (ODP's proxyro): account lookups, probes. */
#define OBP_SERVICE_USER "proxyro"

struct obp_conf;

/* SHA1(a || b); <b> may be NULL with blen 0. */
void obp_sha1(const void *a, size_t alen, const void *b, size_t blen,
              uint8_t out[OBP_SHA1_LEN]);

/*
 * Parses a stored hash: "*" and 40 hex digits (any case) -> OBP_OK and
 * stage2; an empty string -> OBP_DONE (the account has no password);
 * anything else (another plugin's data) -> OBP_ERROR.
 */
int obp_auth_parse_stage2(const char *text, size_t len,
                          uint8_t stage2[OBP_SHA1_LEN]);

/* Parses 40 hex digits (ODP's observer_sys_password form) into stage1. */
int obp_auth_parse_stage1(const char *text, size_t len,
                          uint8_t stage1[OBP_SHA1_LEN]);

/*
 * 20 random printable bytes (no NUL), from OpenSSL's RAND_bytes, drawn
 * a pool at a time; a forked child draws its own.
 */
int obp_auth_scramble(uint8_t scramble[OBP_SCRAMBLE_LEN]);

/* The token a client with <stage1> sends for <scramble>. */
void obp_auth_token(const uint8_t stage1[OBP_SHA1_LEN],
                    const uint8_t scramble[OBP_SCRAMBLE_LEN],
                    uint8_t token[OBP_SHA1_LEN]);

/*
 * Checks a client's <token> for <scramble> against <stage2>.  OBP_OK
 * with the recovered stage1, or OBP_ERROR (wrong password, or a token
 * that is not 20 bytes).  Constant time in the comparison.
 */
int obp_auth_check(const uint8_t *token, size_t token_len,
                   const uint8_t scramble[OBP_SCRAMBLE_LEN],
                   const uint8_t stage2[OBP_SHA1_LEN],
                   uint8_t stage1[OBP_SHA1_LEN]);

/*
 * The service account's stage1 from observer_sys_password, or with
 * <old> from observer_sys_password1 (the password before a change).
 * OBP_OK with <stage1>; OBP_DONE when the password is empty (the account
 * has none); OBP_ERROR (logged) when it is not 40 hex digits.
 */
int obp_auth_service_stage1(const struct obp_conf *conf, bool old,
                            uint8_t stage1[OBP_SHA1_LEN]);

#endif
