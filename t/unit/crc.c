/*
 * The OceanBase 2.0 frame's checksums (shared/crc.h) against the
 * catalogue's check values over "123456789": CRC-16/ARC 0xBB3D; CRC-32C
 * 0xE3069283 in its standard form (initial 0xFFFFFFFF, final xor),
 * which proves the table, and 0x58E3FA20 as OceanBase runs it (from 0,
 * no xor), the value the frame carries.
 */
#include "obp.h"

#include "crc.h"
#include "tap.h"

static const uint8_t check[] = "123456789";

int
main(void)
{
    uint8_t  big[1000];
    uint32_t whole, split;
    size_t   i;

    tap_is_int(obp_crc16(0, check, 9), 0xBB3D, "CRC-16/ARC check value");
    tap_is_int(obp_crc32c(0xFFFFFFFFu, check, 9) ^ 0xFFFFFFFFu, 0xE3069283u,
               "CRC-32C catalogue check value (standard form)");
    tap_is_int(obp_crc32c(0, check, 9), 0x58E3FA20u,
               "CRC-32C from 0 without xor, as OceanBase: 0x58E3FA20");
    /* the kernel's crc16 table begins 0x0000, 0xC0C1, 0xC181, 0x0140 */
    tap_is_int(obp_crc16(0, (const uint8_t *)"\x01", 1), 0xC0C1,
               "CRC-16 table entry 1");
    tap_is_int(obp_crc16(0, NULL, 0), 0, "CRC-16 of nothing is 0");
    tap_is_int(obp_crc32c(0, NULL, 0), 0, "CRC-32C of nothing is 0");
    for (i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 3);
    whole = obp_crc32c(0, big, sizeof(big));
    split = obp_crc32c(obp_crc32c(0, big, 333), big + 333, sizeof(big) - 333);
    tap_is_int(split, whole, "CRC-32C continues over pieces");
    tap_is_int(obp_crc16(obp_crc16(0, big, 10), big + 10, 20),
               obp_crc16(0, big, 30), "CRC-16 continues over pieces");
    return tap_done();
}
