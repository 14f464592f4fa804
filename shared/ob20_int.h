/*
 * Between ob20.c and ob20_extra.c: the frame without its compressed
 * header (the zlib variant's inflated contents), whose header checksum
 * covers the 22 bytes before it.
 */
#ifndef OBP_SHARED_OB20_INT_H
#define OBP_SHARED_OB20_INT_H

#include "ob20.h"

size_t obp_ob20_body_build(uint8_t *out, size_t room,
                           const struct obp_ob20_hdr *h,
                           const uint8_t *extra, size_t extra_len,
                           const uint8_t *mysql, size_t mysql_len);
int obp_ob20_body_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                        struct obp_ob20_frame *f);

#endif
