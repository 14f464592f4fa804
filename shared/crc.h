/*
 * The two checksums of the OceanBase 2.0 frame (ob20.h), table driven.
 *
 * obp_crc16(): CRC-16/ARC (reflected polynomial 0xA001, initial value 0,
 * no final xor), the Linux kernel's crc16() that OceanBase uses for the
 * frame header.  Catalogue check value: "123456789" gives 0xBB3D.
 *
 * obp_crc32c(): CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as
 * OceanBase computes its payload "crc64": the SSE4.2 crc32 instruction
 * run from 0, without the usual inversion before and after.  So
 * "123456789" gives 0x58E3FA20, not the catalogue's 0xE3069283; the
 * catalogue's value is obp_crc32c(0xFFFFFFFF, ...) ^ 0xFFFFFFFF with
 * the same table, which is how the unit test proves the table.
 *
 * Both take the running value, so a checksum can be continued over
 * pieces: obp_crc32c(obp_crc32c(0, a, n), b, m) is that of a then b.
 */
#ifndef OBP_SHARED_CRC_H
#define OBP_SHARED_CRC_H

#include <stddef.h>
#include <stdint.h>

uint16_t obp_crc16(uint16_t crc, const uint8_t *p, size_t len);
uint32_t obp_crc32c(uint32_t crc, const uint8_t *p, size_t len);

#endif
