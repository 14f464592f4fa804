/*
 * libFuzzer target for OceanBase's serialized partition bounds
 * (monitor/obmeta_bound.h), as the metadata source reads the column
 * high_bound_val_bin.  The first byte chooses RANGE or LIST and the size
 * of the output; the rest is the column's bytes.
 *
 * Checked: a result is OBP_OK or OBP_ERROR; the text is terminated
 * within its capacity; a refusal says why; a decoded bound is text the
 * partition builder's literal reader accepts (shared/part_lit.h), with
 * at most as many values as the bytes could hold.  Seeds
 * (t/fuzz/corpus/obbound) are the bounds of t/unit/obmeta_bound.c.
 */
#include "obp.h"

#include "fuzz.h"
#include "obmeta_bound.h"
#include "part_lit.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in       in = { data, size };
    uint8_t              how = fuzz_u8(&in);
    size_t               cap = how & 0x80 ? 4096 : 1 + (how & 0x3f);
    char                *out = malloc(cap);
    char                 err[160] = "";
    struct obp_part_lits lits;
    int                  rc;

    FUZZ_CHECK(out != NULL);
    rc = obp_obmeta_bound_text(how & 1, in.p, in.n, out, cap, err,
                               sizeof(err));
    FUZZ_CHECK(rc == OBP_OK || rc == OBP_ERROR);
    FUZZ_CHECK(fuzz_terminated(out, cap));
    if (rc == OBP_ERROR) {
        FUZZ_CHECK(err[0] != '\0');
    } else {
        FUZZ_CHECK(obp_part_lits_parse(out, &lits, err, sizeof(err))
                   == OBP_OK);
        FUZZ_CHECK(lits.n >= 1 && lits.n <= in.n);
        obp_part_lits_free(&lits);
    }
    free(out);
    return 0;
}
